"""The bank's signature on certificates: JWS compact serialisation with EdDSA (Ed25519), the key
named by its RFC 7638 thumbprint; the public keys published as a JWK Set for anyone to check a
credential offline, old keys kept so that a rotation never breaks a certificate already issued.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from models import SigningKey

ALG = "EdDSA"
TYP = "vc+jwt"
CTY = "vc"

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class InvalidCredential(ValueError):
    """A credential that does not verify: malformed, an unknown key, a refused algorithm or a
    signature that does not match."""


def canonical_json(value: Any) -> bytes:
    """UTF-8 JSON with sorted keys and no spaces: the bytes the bank signs."""
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_PART = {"header": "头部", "payload": "内容", "signature": "签名", "key": "公钥"}


def _b64url_decode(text: str, part: str) -> bytes:
    """Strict base64url without padding: a text that is not the one encoding of its bytes (an
    altered unused trailing bit, say) is refused, so no two tokens carry the same signature."""
    message = f"{_PART[part]}不是规范的 base64url 编码 (the {part} is not canonical base64url)"
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise InvalidCredential(message)
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise InvalidCredential(message) from error
    if b64url(data) != text:
        raise InvalidCredential(message)
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidCredential(f"JSON 含重复的键 {key} (duplicate member {key})")
        result[key] = value
    return result


def _json_object(data: bytes, part: str) -> dict[str, Any]:
    message = f"{_PART[part]}不是 JSON 对象 (the {part} is not a JSON object)"
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidCredential(message) from error
    if not isinstance(value, dict):
        raise InvalidCredential(message)
    return value


def jwk_thumbprint(x: str) -> str:
    """RFC 7638 thumbprint of an Ed25519 public key (RFC 8037 §2): base64url SHA-256."""
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    return b64url(hashlib.sha256(members.encode("ascii")).digest())


class Signer:
    """The bank's private signing key, read from the settings' PKCS8 PEM."""

    def __init__(self, pem: bytes) -> None:
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (TypeError, ValueError) as error:
            raise ValueError(
                "签名密钥不是未加密的 PEM 私钥 (SIGNING_KEY_PEM is not an unencrypted PEM key)"
            ) from error
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("签名密钥必须是 Ed25519 (the signing key must be Ed25519)")
        self._key = key
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.x = b64url(raw)
        self.kid = jwk_thumbprint(self.x)

    def __repr__(self) -> str:
        return f"Signer(kid={self.kid!r})"

    def public_jwk(self) -> dict[str, str]:
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": self.x,
            "kid": self.kid,
            "alg": ALG,
            "use": "sig",
        }

    def sign(self, payload: dict[str, Any]) -> str:
        """The JWS compact serialisation of ``payload``, typed as a VC secured with JOSE."""
        header = {"alg": ALG, "kid": self.kid, "typ": TYP, "cty": CTY}
        signing_input = f"{b64url(canonical_json(header))}.{b64url(canonical_json(payload))}"
        signature = self._key.sign(signing_input.encode("ascii"))
        return f"{signing_input}.{b64url(signature)}"


def _public_key(jwks: dict[str, Any], kid: str) -> Ed25519PublicKey:
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    for jwk in keys if isinstance(keys, list) else []:
        if isinstance(jwk, dict) and jwk.get("kid") == kid:
            break
    else:
        raise InvalidCredential(f"未知的签名密钥 {kid[:64]} (unknown key id {kid[:64]})")
    if (
        jwk.get("kty") != "OKP"
        or jwk.get("crv") != "Ed25519"
        or jwk.get("alg", ALG) != ALG
        or jwk.get("use", "sig") != "sig"
        or not isinstance(jwk.get("x"), str)
    ):
        raise InvalidCredential(f"密钥 {kid} 不是 Ed25519 签名公钥 (key {kid} is not Ed25519)")
    raw = _b64url_decode(jwk["x"], "key")
    if len(raw) != 32:
        raise InvalidCredential(f"密钥 {kid} 长度不对 (key {kid} has the wrong length)")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_compact(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """The payload of a JWS compact token signed with EdDSA by a key of ``jwks``.

    Raises InvalidCredential when the token is malformed, names another algorithm or an
    unknown key, or its signature does not match."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise InvalidCredential("凭证格式不对，应为 JWS 紧凑格式 (not a JWS compact serialisation)")
    header_part, payload_part, signature_part = parts
    header = _json_object(_b64url_decode(header_part, "header"), "header")
    if header.get("alg") != ALG:
        alg = repr(header.get("alg"))[:40]
        raise InvalidCredential(
            f"不接受的签名算法 {alg}，只接受 EdDSA (algorithm {alg} refused, only EdDSA)"
        )
    if "crit" in header:
        raise InvalidCredential("不支持 crit 扩展 (critical header extensions are not supported)")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidCredential("凭证未注明签名密钥 (the header has no key id)")
    key = _public_key(jwks, kid)
    signature = _b64url_decode(signature_part, "signature")
    try:
        key.verify(signature, f"{header_part}.{payload_part}".encode("ascii"))
    except InvalidSignature as error:
        raise InvalidCredential(
            "签名不符，凭证已被改动或伪造 (the signature does not match)"
        ) from error
    return _json_object(_b64url_decode(payload_part, "payload"), "payload")


async def publish_key(signer: Signer) -> None:
    """Publish the signer's public key (idempotent, safe when several processes start at once)."""
    await SigningKey.bulk_create(
        [SigningKey(kid=signer.kid, public_jwk=signer.public_jwk())], ignore_conflicts=True
    )


async def published_jwks() -> dict[str, list[dict[str, Any]]]:
    """Every key the bank has signed with, retired ones too: the JWK Set anyone checks against."""
    return {
        "keys": [key.public_jwk for key in await SigningKey.all().order_by("created_at", "kid")]
    }
