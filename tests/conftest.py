"""Test setup: one database for the session (SQLite, or PostgreSQL when TEST_DATABASE_URL is
set), built by the real migrations, emptied before each test; the app driven over ASGI."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from argon2 import PasswordHasher
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from tortoise.context import TortoiseContext, set_global_context
from tortoise.contrib.test import truncate_all_models
from tortoise.migrations.api.migrate import migrate

from graphql_api.app import create_app
from graphql_api.context import Services
from graphql_api.settings import Settings, tortoise_config
from notifications.sms import MemorySmsSender
from resolvers.accounts import passwords
from resolvers.accounts.admins import create_administrator, issue_admin_token
from resolvers.catalogue.taxonomy import ensure_default_taxonomy
from resolvers.certificates.signing import publish_key
from resolvers.core.throttle import Throttle

DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {DATABASE_URL or 'sqlite (a file under the pytest tmp dir)'}"


async def _fresh_postgres(url: str) -> tuple[str, str]:
    """Create a database of our own on the server of ``url``; returns its URL and name."""
    name = f"creditbank_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return url.rsplit("/", 1)[0] + "/" + name, name


async def _drop_postgres(url: str, name: str) -> None:
    admin = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 for real, at its lowest cost: the suite hashes thousands of passwords."""
    real = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    passwords._hasher = real


@pytest_asyncio.fixture(scope="session")
async def database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The URL of a migrated database that lives as long as the test session."""
    if DATABASE_URL:
        url, name = await _fresh_postgres(DATABASE_URL)
    else:
        url, name = f"sqlite://{tmp_path_factory.mktemp('db') / 'test.sqlite3'}", ""
    async with TortoiseContext():
        await migrate(config=tortoise_config(url))
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        set_global_context(ctx)
        yield url
    if name:
        await _drop_postgres(DATABASE_URL, name)


@pytest_asyncio.fixture
async def db(database: str) -> AsyncIterator[str]:
    """An empty database for one test, with the bank's starting taxonomy."""
    await truncate_all_models()
    await ensure_default_taxonomy()
    yield database


@dataclass
class Api:
    """A GraphQL client over real HTTP through the ASGI app."""

    client: httpx.AsyncClient
    sms: MemorySmsSender
    token: str | None = None
    services: Services | None = None

    async def post(
        self, query: str, variables: dict | None = None, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {}
        bearer = token if token is not None else self.token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        return await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            **kwargs,
        )

    async def gql(
        self, query: str, variables: dict | None = None, token: str | None = None
    ) -> dict:
        """The ``data`` of a query that must not fail at the top level."""
        response = await self.post(query, variables, token)
        body = response.json()
        assert response.status_code == 200, body
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def as_(self, token: str | None) -> Api:
        return Api(self.client, self.sms, token, self.services)

    def last_code(self, phone: str) -> str:
        text = self.sms.last_text(phone)
        return text.split("验证码", 1)[1][:6]


@pytest.fixture(scope="session")
def signing_key_pem() -> bytes:
    """The bank's signing key (an Ed25519 PKCS8 PEM, as the settings carry it) for the session."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture
def settings(tmp_path, signing_key_pem: bytes) -> Settings:
    return Settings(
        database_url="sqlite://:memory:",
        secret_key="test-secret",
        signing_key_pem=signing_key_pem,
        environment="test",
        graphiql=True,
        sms_sender="memory",
        files_dir=tmp_path / "files",
    )


GENEROUS_LIMITS = {
    "login": "1000/minute",
    "send_code": "1000/minute",
    "register": "1000/minute",
    "verify": "1000/minute",
}


def app_with_limits(settings: Settings, **limits: str) -> Starlette:
    """The app for a test, with generous per-address limits but for the ``limits`` given
    (``verify="2/minute"``), SMS codes kept in memory."""
    throttle = Throttle(limits={**GENEROUS_LIMITS, **limits})
    return create_app(settings, init_orm=False, sms=MemorySmsSender(), throttle=throttle)


@pytest_asyncio.fixture
async def api(db: str, settings: Settings) -> AsyncIterator[Api]:
    app = app_with_limits(settings)
    sms = app.state.services.sms_sender
    services = app.state.services
    await publish_key(services.signer)  # as the app's lifespan does at start-up
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client, sms, services=services)
    await services.verifications.close()
    await services.jobs.close()


@pytest_asyncio.fixture
async def admin_token(db: str) -> str:
    """A session token of the administrator ``admin`` (管理员)."""
    admin = await create_administrator("admin", "管理员")
    return await issue_admin_token(admin)


REDIS = ("127.0.0.1", 6379)


def _redis_answers() -> bool:
    try:
        socket.create_connection(REDIS, 1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def redis_url() -> str:
    if not _redis_answers():
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail("REQUIRE_REDIS is set but no Redis answers on 127.0.0.1:6379")
        pytest.skip("no Redis on 127.0.0.1:6379 (the embedded default needs none)")
    return f"redis://{REDIS[0]}:{REDIS[1]}/0"
