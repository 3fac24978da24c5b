"""The bank's signature: Verifiable Credentials 2.0 as JWS with EdDSA, checked by anyone with only
the JWK Set published at /.well-known/jwks.json, across key rotations."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import json

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from graphql_api.app import create_app
from graphql_api.settings import Settings
from models import SigningKey
from models.certificates import CertificateKind
from resolvers.certificates.credentials import build_credential
from resolvers.certificates.numbers import new_number
from resolvers.certificates.signing import (
    InvalidCredential,
    Signer,
    canonical_json,
    publish_key,
    published_jwks,
    verify_compact,
)
from resolvers.core.clock import now

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _pem(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _credential(number: str | None = None) -> dict:
    number = number or new_number()
    return build_credential(
        number=number,
        kind=CertificateKind.REPORT,
        kind_label="学习成果认证报告",
        verify_url=f"https://xf.example.cn/verify/{number}",
        issuer_url="https://xf.example.cn",
        issuer_name="终身教育学分银行",
        issued_at=dt.datetime(2026, 11, 3, 1, 30, tzinfo=dt.UTC),
        valid_until=dt.date(2027, 2, 1),
        subject={
            "name": "王*",
            "idNumber": "3301**********1234",
            "achievements": [{"name": "植物保护与检疫技术毕业证书(高职)", "credits": 3.5}],
        },
    )


@pytest.fixture
def key_a() -> Signer:
    return Signer(_pem(Ed25519PrivateKey.generate()))


@pytest.fixture
def key_b() -> Signer:
    return Signer(_pem(Ed25519PrivateKey.generate()))


async def _jwks(api) -> dict:
    response = await api.client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return response.json()


def _verify_by_hand(token: str, jwks: dict) -> dict:
    """What an outside party does with nothing but the cryptography primitives."""
    header_part, payload_part, signature_part = token.split(".")
    header = json.loads(_unb64(header_part))
    assert header["alg"] == "EdDSA"
    (jwk,) = [key for key in jwks["keys"] if key["kid"] == header["kid"]]
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519")
    public_key = Ed25519PublicKey.from_public_bytes(_unb64(jwk["x"]))
    public_key.verify(_unb64(signature_part), f"{header_part}.{payload_part}".encode())
    return json.loads(_unb64(payload_part))


def test_the_key_id_is_the_rfc_7638_thumbprint():
    """RFC 8037 appendix A: its Ed25519 key, public key and thumbprint."""
    private = Ed25519PrivateKey.from_private_bytes(
        _unb64("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
    )
    signer = Signer(_pem(private))
    assert signer.kid == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    assert signer.public_jwk() == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
        "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
        "alg": "EdDSA",
        "use": "sig",
    }
    assert repr(signer) == f"Signer(kid={signer.kid!r})"


def test_the_signer_needs_an_ed25519_key():
    for pem in [b"", b"not a key", _pem(ec.generate_private_key(ec.SECP256R1()))]:
        with pytest.raises(ValueError):
            Signer(pem)


def test_the_token_is_a_vc_jwt_over_canonical_json(key_a: Signer):
    credential = _credential()
    token = key_a.sign(credential)
    header_part, payload_part, _ = token.split(".")
    assert json.loads(_unb64(header_part)) == {
        "alg": "EdDSA",
        "kid": key_a.kid,
        "typ": "vc+jwt",
        "cty": "vc",
    }
    payload = _unb64(payload_part)
    assert payload == canonical_json(credential)
    assert "终身教育学分银行".encode() in payload  # UTF-8, not \\u escapes
    assert b" " not in payload.replace("终身教育学分银行".encode(), b"")
    assert verify_compact(token, {"keys": [key_a.public_jwk()]}) == credential


async def test_anyone_verifies_with_only_the_published_jwks(api):
    signer = api.services.signer
    assert signer.kid == Signer(api.services.settings.signing_key_pem).kid
    await publish_key(signer)
    credential = _credential()
    token = signer.sign(credential)

    response = await api.client.get(
        "/.well-known/jwks.json", headers={"Origin": "https://hr.example.com"}
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["content-type"].startswith("application/json")
    jwks = response.json()
    assert jwks == {"keys": [signer.public_jwk()]}

    assert verify_compact(token, jwks) == credential
    assert _verify_by_hand(token, jwks) == credential


def test_one_changed_character_anywhere_fails(key_a: Signer):
    """In the header, the payload and the signature, unused trailing bits included."""
    jwks = {"keys": [key_a.public_jwk()]}
    token = key_a.sign(_credential())
    checked = 0
    for position, char in enumerate(token):
        if char == ".":
            continue
        changed = B64URL[(B64URL.index(char) + 1) % 64]
        with pytest.raises(InvalidCredential):
            verify_compact(token[:position] + changed + token[position + 1 :], jwks)
        checked += 1
    assert checked == len(token) - 2


def test_a_changed_claim_fails_even_re_encoded(key_a: Signer):
    jwks = {"keys": [key_a.public_jwk()]}
    token = key_a.sign(_credential())
    header_part, payload_part, signature_part = token.split(".")
    payload = json.loads(_unb64(payload_part))
    payload["validUntil"] = "2099-12-31T23:59:59+08:00"
    forged = f"{header_part}.{_b64(canonical_json(payload))}.{signature_part}"
    with pytest.raises(InvalidCredential, match="signature does not match"):
        verify_compact(forged, jwks)


async def test_rotated_keys_keep_old_certificates_valid(api, key_a: Signer, key_b: Signer):
    old = key_a.sign(_credential())
    await publish_key(key_a)
    new = key_b.sign(_credential())
    await publish_key(key_b)
    await SigningKey.filter(kid=key_a.kid).update(retired_at=now())

    jwks = await _jwks(api)
    kids = [key["kid"] for key in jwks["keys"]]  # the app's own key is published too
    assert kids.index(key_a.kid) < kids.index(key_b.kid)
    for token in (old, new):
        assert verify_compact(token, jwks)["type"][0] == "VerifiableCredential"
        _verify_by_hand(token, jwks)
    assert jwks == await published_jwks()


async def test_publishing_is_idempotent_across_processes(db, key_a: Signer):
    await asyncio.gather(*(publish_key(key_a) for _ in range(5)))
    await publish_key(key_a)
    assert await SigningKey.filter(kid=key_a.kid).count() == 1
    assert await published_jwks() == {"keys": [key_a.public_jwk()]}


async def test_an_empty_jwks_is_published_before_any_key(db):
    assert await published_jwks() == {"keys": []}


def test_an_unknown_key_fails(key_a: Signer, key_b: Signer):
    token = key_b.sign(_credential())
    with pytest.raises(InvalidCredential, match="未知的签名密钥") as raised:
        verify_compact(token, {"keys": [key_a.public_jwk()]})
    assert "unknown key id" in str(raised.value)
    assert isinstance(raised.value, ValueError)

    # B's signature under A's key id: the key is known, the signature is not A's.
    header_part, payload_part, signature_part = token.split(".")
    header = {"alg": "EdDSA", "kid": key_a.kid, "typ": "vc+jwt", "cty": "vc"}
    relabelled = f"{_b64(canonical_json(header))}.{payload_part}.{signature_part}"
    with pytest.raises(InvalidCredential):
        verify_compact(relabelled, {"keys": [key_a.public_jwk(), key_b.public_jwk()]})


def _token(header: dict, payload: dict, sign) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{_b64(sign(signing_input.encode()))}"


def test_other_algorithms_are_refused(key_a: Signer):
    jwks = {"keys": [key_a.public_jwk()]}
    payload = _credential()
    x = key_a.public_jwk()["x"]
    refused = [
        _token({"alg": "none", "kid": key_a.kid}, payload, lambda data: b""),
        _token({"alg": "None", "kid": key_a.kid}, payload, lambda data: b""),
        # the public key used as an HMAC secret: the classic algorithm confusion
        *(
            _token(
                {"alg": "HS256", "kid": key_a.kid},
                payload,
                lambda data, secret=secret: hmac.new(secret, data, hashlib.sha256).digest(),
            )
            for secret in (x.encode(), _unb64(x), json.dumps(key_a.public_jwk()).encode())
        ),
        _token({"kid": key_a.kid}, payload, lambda data: b""),
    ]
    for token in refused:
        with pytest.raises(InvalidCredential):
            verify_compact(token, jwks)
    with pytest.raises(InvalidCredential, match="only EdDSA"):
        verify_compact(refused[0], jwks)
    with pytest.raises(InvalidCredential, match="HS256"):
        verify_compact(refused[2], jwks)


def test_malformed_tokens_and_keys_are_refused(key_a: Signer):
    good = key_a.sign(_credential())
    header_part, payload_part, signature_part = good.split(".")
    jwks = {"keys": [key_a.public_jwk()]}
    for token in [
        "",
        "a.b",
        f"{good}.{signature_part}",
        f"{header_part}.{payload_part}.",
        f"{header_part}.{payload_part}.{signature_part}=",
        f"{header_part}.{payload_part}.{signature_part[:-1]}",
        f"{_b64(b'[1]')}.{payload_part}.{signature_part}",
        f"{_b64(b'{}')}.{payload_part}.{signature_part}",
        f"{_b64(b'{not json')}.{payload_part}.{signature_part}",
        _token({"alg": "EdDSA", "kid": key_a.kid, "crit": ["exp"]}, {}, key_a._key.sign),
    ]:
        with pytest.raises(InvalidCredential):
            verify_compact(token, jwks)

    duplicated = b'{"alg":"none","alg":"EdDSA","kid":"%s"}' % key_a.kid.encode()
    with pytest.raises(InvalidCredential, match="duplicate"):
        verify_compact(f"{_b64(duplicated)}.{payload_part}.{signature_part}", jwks)

    wrong_keys: list[dict] = [
        {},
        {"keys": "nope"},
        {"keys": [{**key_a.public_jwk(), "kty": "EC"}]},
        {"keys": [{**key_a.public_jwk(), "alg": "ES256"}]},
        {"keys": [{**key_a.public_jwk(), "use": "enc"}]},
        {"keys": [{**key_a.public_jwk(), "x": key_a.public_jwk()["x"][:-2]}]},
    ]
    for keys in wrong_keys:
        with pytest.raises(InvalidCredential):
            verify_compact(good, keys)
    assert verify_compact(f"  {good}\n", jwks) == json.loads(_unb64(payload_part))


async def test_jwks_is_open_to_every_origin_when_cors_is_configured(db, settings: Settings):
    app = create_app(
        dataclasses.replace(settings, allowed_origins=["https://portal.example.cn"]),
        init_orm=False,
    )
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            elsewhere = await client.get(
                "/.well-known/jwks.json", headers={"Origin": "https://hr.example.com"}
            )
    finally:
        await app.state.services.jobs.close()
    assert elsewhere.status_code == 200
    assert elsewhere.headers["access-control-allow-origin"] == "*"


def test_the_credential_is_a_vc_2_document():
    issued_at = dt.datetime(2026, 11, 3, 17, 30, 5, 123456, tzinfo=dt.UTC)
    subject = {"name": "王*"}
    credential = build_credential(
        number="K3F9-7QZ2-M8XD-4TPA-7",
        kind=CertificateKind.CONVERSION,
        kind_label="学习成果转换证明",
        verify_url="https://xf.example.cn/verify/K3F9-7QZ2-M8XD-4TPA-7",
        issuer_url="https://xf.example.cn",
        issuer_name="终身教育学分银行",
        issued_at=issued_at,
        valid_until=dt.date(2026, 12, 31),
        subject=subject,
    )
    assert credential == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://xf.example.cn/verify/K3F9-7QZ2-M8XD-4TPA-7",
        "type": ["VerifiableCredential", "LearningAchievementConversion"],
        "name": "学习成果转换证明",
        "issuer": {"id": "https://xf.example.cn", "name": "终身教育学分银行"},
        "validFrom": "2026-11-03T17:30:05+00:00",
        "validUntil": "2026-12-31T15:59:59+00:00",
        "credentialSubject": {"name": "王*", "reportNumber": "K3F9-7QZ2-M8XD-4TPA-7"},
    }
    assert subject == {"name": "王*"}
    assert json.loads(canonical_json(credential)) == credential


def test_each_kind_has_its_credential_type():
    types = set()
    for kind in CertificateKind:
        arguments = {**_credential_arguments(), "kind": kind, "kind_label": kind.label}
        types.add(build_credential(**arguments)["type"][1])
    assert types == {
        "LearningAchievementProof",
        "LearningAchievementReport",
        "LearningAchievementConversion",
    }


def test_a_time_without_zone_is_refused():
    arguments = {**_credential_arguments(), "issued_at": dt.datetime(2026, 11, 3, 9, 0)}
    with pytest.raises(ValueError):
        build_credential(**arguments)


def _credential_arguments() -> dict:
    return {
        "number": "K3F9-7QZ2-M8XD-4TPA-7",
        "kind": CertificateKind.PROOF,
        "kind_label": "学习成果证明",
        "verify_url": "https://xf.example.cn/verify/K3F9-7QZ2-M8XD-4TPA-7",
        "issuer_url": "https://xf.example.cn",
        "issuer_name": "终身教育学分银行",
        "issued_at": dt.datetime(2026, 11, 3, 1, 0, tzinfo=dt.UTC),
        "valid_until": dt.date(2027, 2, 1),
        "subject": {},
    }
