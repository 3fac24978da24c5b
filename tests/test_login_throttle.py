"""Login throttling, not locking: a stranger who knows an account's identifier slows their own
guesses down but cannot shut its owner out; many addresses together are slowed down too; every
kind of account and an unknown identifier are treated alike; the counts are shared through
Redis between processes."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from graphql_api.app import create_app
from models import InstitutionUserStatus, SubjectKind
from notifications.sms import MemorySmsSender
from resolvers.accounts.logins import LoginAttempt, password_login
from resolvers.core import throttle as throttle_module
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.throttle import FRESH_ADDRESS_CEILING, Throttle
from tests.institution_fixtures import (
    PASSWORD,
    make_institution,
    make_institution_user,
    make_learner,
    phone,
)

LEARNER_LOGIN = """mutation($input: LoginInput!) {
  learnerLogin(input: $input) { errors { field code message } token } }"""
INSTITUTION_LOGIN = """mutation($input: LoginInput!) {
  institutionLogin(input: $input) { errors { field code message } token } }"""
GENEROUS = {k: "100000/minute" for k in ("login", "send_code", "register", "verify")}


@pytest.fixture
async def proxied(db, settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app behind a trusted proxy (the test's loopback peer): X-Forwarded-For names the
    client, so a test can speak from many addresses."""
    trusted = dataclasses.replace(settings, trusted_proxies=["127.0.0.1"])
    app = create_app(
        trusted, init_orm=False, sms=MemorySmsSender(), throttle=Throttle(limits=GENEROUS)
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        client.app_services = app.state.services  # type: ignore[attr-defined]
        yield client
    await app.state.services.verifications.close()
    await app.state.services.jobs.close()


async def _login(
    client: httpx.AsyncClient,
    account: str,
    password: str,
    address: str,
    query: str = LEARNER_LOGIN,
) -> list[str]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": {"input": {"account": account, "password": password}}},
        headers={"X-Forwarded-For": address},
    )
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    payload = next(iter(body["data"].values()))
    return [error["code"] for error in payload["errors"]] or ["OK"]


async def test_a_stranger_slows_down_only_themselves(proxied):
    learner = await make_learner(1)
    for _ in range(5):
        assert await _login(proxied, learner.phone, "wrong1234", "203.0.113.66") == [
            "INVALID_CREDENTIALS"
        ]
    assert await _login(proxied, learner.phone, PASSWORD, "203.0.113.66") == ["RATE_LIMITED"]
    # The owner, elsewhere, logs in at once; the stranger's wait does not end on that.
    assert await _login(proxied, learner.phone, PASSWORD, "198.51.100.1") == ["OK"]
    assert await _login(proxied, learner.phone, PASSWORD, "203.0.113.66") == ["RATE_LIMITED"]
    # Case and spaces do not make a new identifier.
    assert await _login(proxied, f" {learner.id_number.lower()} ", "x", "203.0.113.67") == [
        "INVALID_CREDENTIALS"
    ]


async def test_many_addresses_together_are_slowed_down_but_not_the_owner(proxied, monkeypatch):
    monkeypatch.setattr(throttle_module, "FRESH_ADDRESS_CEILING", 15)
    learner = await make_learner(1)
    # Ten addresses, one failure each: the account-wide allowance (10) is used up.
    for n in range(10):
        await _login(proxied, learner.phone, "wrong1234", f"203.0.113.{n}")
    # An address that has failed before now waits for the account ...
    assert await _login(proxied, learner.phone, "wrong1234", "203.0.113.1") == ["RATE_LIMITED"]
    assert await _login(proxied, learner.phone, PASSWORD, "203.0.113.1") == ["RATE_LIMITED"]
    # ... one that has not may try once: the owner on their own device is not shut out.
    assert await _login(proxied, learner.phone, PASSWORD, "198.51.100.1") == ["OK"]
    for n in range(20, 25):
        assert await _login(proxied, learner.phone, "wrong1234", f"203.0.113.{n}") == [
            "INVALID_CREDENTIALS"
        ]
    # Past the ceiling of failures for the account, every address waits.
    assert await _login(proxied, learner.phone, PASSWORD, "198.51.100.2") == ["RATE_LIMITED"]
    assert FRESH_ADDRESS_CEILING == 100  # NIST SP 800-63B's limit, patched lower above


async def test_institution_users_are_throttled_alike_and_a_disabled_user_is_not_revealed(
    proxied,
):
    institution, main = await make_institution(1)
    await make_institution_user(
        institution, "teacher_li", phone(2), status=InstitutionUserStatus.DISABLED
    )
    for account in (main.username, "teacher_li", "nobody_here"):
        answers = [
            await _login(proxied, account, "Wrong1234", "203.0.113.9", INSTITUTION_LOGIN)
            for _ in range(6)
        ]
        assert answers == [["INVALID_CREDENTIALS"]] * 5 + [["RATE_LIMITED"]], account
    # While waiting, even the right password of the disabled user says nothing about it.
    assert await _login(proxied, "teacher_li", PASSWORD, "203.0.113.9", INSTITUTION_LOGIN) == [
        "RATE_LIMITED"
    ]
    assert await _login(proxied, main.username, PASSWORD, "203.0.113.10", INSTITUTION_LOGIN) == [
        "OK"
    ]


async def test_password_login_serves_any_account_model(db: str) -> None:
    """The shared function takes any model with ``id`` and ``password_hash`` (administrators'
    login uses it too)."""

    @dataclasses.dataclass
    class Account:
        id: uuid.UUID
        password_hash: str

    learner = await make_learner(1)
    account = Account(learner.id, learner.password_hash or "")
    throttle = Throttle(limits=GENEROUS)
    attempt = LoginAttempt(throttle, "someone", "192.0.2.1")
    assert (await password_login(account, PASSWORD, SubjectKind.LEARNER, attempt)).startswith(
        "cbs_"
    )
    for candidate in (account, None):
        with pytest.raises(DomainError) as refused:
            await password_login(candidate, "wrong", SubjectKind.LEARNER, attempt)
        assert refused.value.problems[0].code == ErrorCode.INVALID_CREDENTIALS
    assert await throttle.login_failures("someone", "192.0.2.1") == (2, 2)


async def _wait_of(throttle: Throttle, account: str, address: str) -> float:
    return await throttle.login_wait(account, address)


async def test_failures_are_shared_through_redis(redis_url: str):
    first, second = Throttle(redis_url), Throttle(redis_url)
    account, address = f"acct-{uuid.uuid4().hex}", "192.0.2.7"
    for throttle in (first, second, first, second, first):
        assert await _wait_of(throttle, account, address) == 0
        await throttle.login_failed(account, address)
    assert await first.login_failures(account, address) == (5, 5)
    wait = await _wait_of(second, account, address)
    assert 0 < wait <= 30
    await second.login_succeeded(account, address)
    assert await _wait_of(first, account, address) == 0
    assert await first.login_failures(account, address) == (0, 5)
