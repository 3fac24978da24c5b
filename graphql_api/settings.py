"""Configuration from environment variables, with safe defaults for one machine."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tortoise.backends.base.config_generator import expand_db_url

if TYPE_CHECKING:
    from resolvers.core.files import UploadQuota

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _var_dir() -> Path:
    return Path(os.environ.get("VAR_DIR", PROJECT_DIR / "var"))


def _default_database_url() -> str:
    return f"sqlite://{_var_dir() / 'creditbank.sqlite3'}"


# The embedded database's settings, unless the URL sets them: in WAL mode NORMAL syncs keep the
# file consistent without an fsync per commit; a 64 MB page cache holds the indexes a large
# import writes into; a second process (the import runner) waits for the lock, not fails.
SQLITE_PRAGMAS = {
    "synchronous": "NORMAL",
    "cache_size": "-65536",
    "busy_timeout": "5000",
    "wal_autocheckpoint": "20000",
}


# PostgreSQL: a statement prepared while a table was small keeps its plan (a sequential scan)
# once the server switches to a generic plan; an import that grows the table from nothing then
# slows down with every chunk. Plans made for each execution follow the table as it grows.
POSTGRES_SETTINGS = {"plan_cache_mode": "force_custom_plan"}


def _connection(database_url: str) -> str | dict:
    if database_url.startswith(("postgres://", "postgresql://")):
        connection = expand_db_url(database_url)
        settings = connection["credentials"].setdefault("server_settings", {})
        for name, value in POSTGRES_SETTINGS.items():
            settings.setdefault(name, value)
        return connection
    if not database_url.startswith("sqlite://") or ":memory:" in database_url:
        return database_url
    connection = expand_db_url(database_url)
    for pragma, value in SQLITE_PRAGMAS.items():
        connection["credentials"].setdefault(pragma, value)
    return connection


def tortoise_config(database_url: str) -> dict:
    return {
        "connections": {"default": _connection(database_url)},
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


def _introspection() -> str:
    value = os.environ.get("INTROSPECTION", "").strip().lower()
    if value and value not in INTROSPECTION_POLICIES:
        raise ValueError(f"INTROSPECTION must be one of {', '.join(INTROSPECTION_POLICIES)}")
    return value


INTROSPECTION_POLICIES = ("anonymous", "authenticated", "off")


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
    job_broker: str = "inprocess"  # or a Redis URL: jobs go to the taskiq worker
    import_max_rows: int = 200_000
    import_chunk_rows: int = 2000
    upload_daily_files: int = 100  # files one account may upload in a day (Beijing time)
    upload_daily_mb: int = 200  # and megabytes
    # anonymous | authenticated | off; empty: authenticated in production, anonymous elsewhere
    introspection: str = ""
    # Where the public verify pages live: the address printed in certificates' QR codes.
    public_base_url: str = "http://127.0.0.1:8000"

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def introspection_policy(self) -> str:
        """Who may introspect the schema (INTROSPECTION)."""
        if self.introspection:
            return self.introspection
        return "authenticated" if self.production else "anonymous"

    @property
    def upload_quota(self) -> UploadQuota:
        from resolvers.core.files import UploadQuota

        return UploadQuota(self.upload_daily_files, self.upload_daily_mb * 1024 * 1024)

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
            job_broker=os.environ.get("JOB_BROKER", "inprocess"),
            import_max_rows=int(os.environ.get("IMPORT_MAX_ROWS", "200000")),
            import_chunk_rows=int(os.environ.get("IMPORT_CHUNK_ROWS", "2000")),
            upload_daily_files=int(os.environ.get("UPLOAD_DAILY_FILES", "100")),
            upload_daily_mb=int(os.environ.get("UPLOAD_DAILY_MB", "200")),
            introspection=_introspection(),
            public_base_url=os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        )


TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL", _default_database_url()))
"""Read by ``tortoise makemigrations`` / ``tortoise migrate`` through pyproject.toml."""
