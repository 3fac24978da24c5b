"""Configuration from environment variables, with safe defaults for one machine."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _var_dir() -> Path:
    return Path(os.environ.get("VAR_DIR", PROJECT_DIR / "var"))


def _default_database_url() -> str:
    return f"sqlite://{_var_dir() / 'creditbank.sqlite3'}"


def tortoise_config(database_url: str) -> dict:
    return {
        "connections": {"default": database_url},
        "apps": {
            "models": {
                "models": ["models"],
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _read_or_create(path: Path, make: bytes) -> bytes:
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(make)
    return make


def _secret_key() -> str:
    if value := os.environ.get("SECRET_KEY"):
        return value
    return _read_or_create(_var_dir() / "secret_key", secrets.token_urlsafe(48).encode()).decode()


def _signing_key_pem() -> bytes:
    if value := os.environ.get("SIGNING_KEY_PEM"):
        return value.encode()
    fresh = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return _read_or_create(_var_dir() / "signing_key.pem", fresh)


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    signing_key_pem: bytes = field(repr=False)
    environment: str = "development"
    graphiql: bool = True
    allowed_origins: list[str] = field(default_factory=list)
    sms_sender: str = "log"
    rate_limit_storage: str = "memory://"
    trusted_proxies: list[str] = field(default_factory=list)
    files_dir: Path = field(default_factory=lambda: _var_dir() / "files")
    max_request_bytes: int = 12 * 1024 * 1024

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def tortoise(self) -> dict:
        return tortoise_config(self.database_url)

    @classmethod
    def from_env(cls) -> Settings:
        environment = os.environ.get("ENVIRONMENT", "development")
        return cls(
            database_url=os.environ.get("DATABASE_URL", _default_database_url()),
            secret_key=_secret_key(),
            signing_key_pem=_signing_key_pem(),
            environment=environment,
            graphiql=_flag("GRAPHIQL", environment != "production"),
            allowed_origins=_list("ALLOWED_ORIGINS", []),
            sms_sender=os.environ.get("SMS_SENDER", "log"),
            rate_limit_storage=os.environ.get("RATE_LIMIT_STORAGE", "memory://"),
            trusted_proxies=_list("TRUSTED_PROXIES", []),
            files_dir=Path(os.environ.get("FILES_DIR", _var_dir() / "files")),
            max_request_bytes=int(os.environ.get("MAX_REQUEST_MB", "12")) * 1024 * 1024,
        )


TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL", _default_database_url()))
"""Read by ``tortoise makemigrations`` / ``tortoise migrate`` through pyproject.toml."""
