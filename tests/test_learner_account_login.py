"""Learner accounts over HTTP: login and its throttling, logout and sessions."""

from __future__ import annotations

import asyncio

from models import IdType, Learner, LearnerStatus
from resolvers.accounts.learners import create_with_card
from tests.learner_account_fixtures import (
    ID_NUMBER,
    LOGOUT,
    NAME,
    OTHER_PHONE,
    PHONE,
    login,
    problems,
    registered,
    viewer,
)

# Login


async def test_login_by_phone(api):
    learner, _ = await registered(api)
    payload = await login(api, PHONE)
    assert payload["errors"] == []
    assert (await viewer(api, payload["token"]))["learner"]["id"] == learner["id"]


async def test_login_by_id_number(api):
    learner, _ = await registered(api)
    payload = await login(api, ID_NUMBER.lower())
    assert payload["errors"] == []
    assert (await viewer(api, payload["token"]))["learner"]["id"] == learner["id"]


async def test_login_with_wrong_password(api):
    await registered(api)
    payload = await login(api, PHONE, "wrong1234")
    assert problems(payload) == [(None, "INVALID_CREDENTIALS")]
    assert payload["token"] is None


async def test_login_to_unknown_account(api):
    payload = await login(api, OTHER_PHONE)
    assert problems(payload) == [(None, "INVALID_CREDENTIALS")]
    assert payload["token"] is None


async def test_login_to_inactive_account_is_refused(api):
    await create_with_card(
        name=NAME,
        id_type=IdType.RESIDENT_ID,
        id_number=ID_NUMBER,
        status=LearnerStatus.INACTIVE,
        created_by_institution=None,
    )
    payload = await login(api, ID_NUMBER, "")
    assert problems(payload) == [(None, "INVALID_CREDENTIALS")]


def _rate_limited(payload: dict) -> bool:
    return problems(payload) == [(None, "RATE_LIMITED")] and payload["token"] is None


async def test_five_wrong_passwords_make_the_next_attempt_wait(api):
    await registered(api)
    for _ in range(5):
        assert problems(await login(api, PHONE, "wrong1234")) == [(None, "INVALID_CREDENTIALS")]
    payload = await login(api, PHONE)
    assert _rate_limited(payload)
    assert "秒后再试" in payload["errors"][0]["message"]
    # Refused before the password is compared: the right one does not get through either.
    assert _rate_limited(await login(api, PHONE, "wrong1234"))
    # The wait is for the identifier typed; the account's other identifier is counted apart.
    assert (await login(api, ID_NUMBER))["errors"] == []


async def test_an_unknown_account_is_throttled_alike(api):
    """The answers cannot tell whether an account exists: same codes, same messages."""
    await registered(api)
    known = [await login(api, PHONE, "wrong1234") for _ in range(6)]
    unknown = [await login(api, OTHER_PHONE, "wrong1234") for _ in range(6)]
    assert [r["errors"] for r in known] == [r["errors"] for r in unknown]
    assert _rate_limited(known[-1])
    assert not await Learner.filter(locked_until__not_isnull=True).exists()


async def test_waits_grow_and_end(api, monkeypatch):
    from resolvers.core import throttle

    clock = [throttle._monotonic()]
    monkeypatch.setattr(throttle, "_monotonic", lambda: clock[0])
    await registered(api)
    for _ in range(5):
        await login(api, PHONE, "wrong1234")
    assert _rate_limited(await login(api, PHONE))
    clock[0] += 31  # the first wait is 30 seconds
    assert problems(await login(api, PHONE, "wrong1234")) == [(None, "INVALID_CREDENTIALS")]
    clock[0] += 31  # the second is twice as long
    assert _rate_limited(await login(api, PHONE))
    clock[0] += 30
    assert (await login(api, PHONE))["errors"] == []


async def test_a_good_login_resets_the_failure_count(api):
    await registered(api)
    for _ in range(4):
        await login(api, PHONE, "wrong1234")
    assert (await login(api, PHONE))["errors"] == []
    for _ in range(4):
        await login(api, PHONE, "wrong1234")
    assert (await login(api, PHONE))["errors"] == []


async def test_concurrent_wrong_passwords_are_all_counted(api):
    await registered(api)
    results = await asyncio.gather(*(login(api, PHONE, "wrong1234") for _ in range(8)))
    codes = [problems(r) for r in results]
    # A guess that checks after the fifth failure has been counted waits; which ones those are
    # depends on scheduling. What must hold: no failure is lost to the race.
    assert all(c in ([(None, "INVALID_CREDENTIALS")], [(None, "RATE_LIMITED")]) for c in codes)
    failed = codes.count([(None, "INVALID_CREDENTIALS")])
    assert failed >= 5, codes
    assert await api.services.throttle.login_failures(PHONE, "127.0.0.1") == (failed, failed)
    assert _rate_limited(await login(api, PHONE))


# Logout and sessions


async def test_logout_revokes_the_token(api):
    _, token = await registered(api)
    other = (await login(api, PHONE))["token"]
    payload = (await api.gql(LOGOUT, token=token))["logout"]
    assert payload == {"errors": [], "ok": True}
    assert (await viewer(api, token)) == {"kind": "ANONYMOUS", "name": "", "learner": None}
    assert (await viewer(api, other))["kind"] == "LEARNER"


async def test_anonymous_logout_is_unauthenticated(api):
    body = (await api.post(LOGOUT)).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_unknown_token_is_anonymous(api):
    assert (await viewer(api, "cbs_not-a-token"))["kind"] == "ANONYMOUS"
