"""Time-based one-time passwords (动态口令, RFC 6238) of administrators, with pyotp: new secrets,
their provisioning URI, encryption at rest, and the time step a code belongs to.

The secret is kept encrypted (Fernet: AES-128-CBC with HMAC-SHA256) under a key derived from
``SECRET_KEY`` with HKDF-SHA256, so a copy of the database alone (a backup, a dump) does not give
the second factor away. Changing ``SECRET_KEY`` makes the stored secrets unreadable: the
administrators' TOTP must then be reset from the command line."""

from __future__ import annotations

import base64
import datetime as dt

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pyotp.exceptions import OTPVerificationError

ISSUER = "学分银行"
DIGITS = 6
# Codes of the step before and the step after the current one are accepted too (clock drift).
WINDOW = 1
_KEY_INFO = b"creditbank administrator totp secret v1"


def new_secret() -> str:
    """A fresh random secret in base32 (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret, digits=DIGITS).provisioning_uri(name=username, issuer_name=ISSUER)


def matching_step(secret: str, code: str, at: dt.datetime) -> int | None:
    """The time step (counter) within ``WINDOW`` steps of ``at`` whose code is ``code``."""
    code = code.strip()
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    try:
        return pyotp.TOTP(secret, digits=DIGITS).verify_and_get_timecode(
            code, for_time=at, valid_window=WINDOW
        )
    except OTPVerificationError:
        return None


class SecretBox:
    """Encrypts and decrypts TOTP secrets with a key derived from the server's SECRET_KEY."""

    def __init__(self, secret_key: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(
            secret_key.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str | None) -> str | None:
        """The secret, or None when there is none or it was sealed under another SECRET_KEY."""
        if not sealed:
            return None
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None
