"""Administrators log in with a password and a TOTP code (RFC 6238), both set up and reset from
the command line; each code is good once; every wrong answer is the same; throttled and audited
like the other logins."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pyotp
import pytest

from graphql_api import cli
from models import Administrator, AuditEntry
from resolvers.accounts.admins import create_administrator, issue_admin_token
from resolvers.core import clock
from resolvers.core.errors import DomainError, ErrorCode
from tests.conftest import Api, app_with_limits

SECRET_KEY = "test-secret"  # the settings fixture's
PASSWORD = "Admin1234"
# A fixed moment in the middle of a 30-second step: codes are computed for it by pyotp.
MOMENT = dt.datetime(2026, 12, 1, 8, 0, 15, tzinfo=dt.UTC)

LOGIN = """mutation($input: AdminLoginInput!) {
  adminLogin(input: $input) { token errors { field code message } } }"""
AUDIT = "query { auditLog(pageSize: 5) { totalCount items { action } } }"
WRONG = [{"field": None, "code": "INVALID_CREDENTIALS", "message": "账号或密码错误"}]


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """TOTP steps follow ``resolvers.core.clock.now``; a fixed moment makes each code's step
    known."""
    monkeypatch.setattr(clock, "now", lambda: MOMENT)


async def _set_up(
    username: str = "ops_admin", password: str = PASSWORD, *, reset: bool = False
) -> tuple[pyotp.TOTP, str]:
    """Set up through the command line's function; the TOTP an authenticator app would read
    from the printed URI, and what was printed."""
    out = io.StringIO()
    uri = await cli.set_up_admin(SECRET_KEY, username, password, reset=reset, out=out)
    printed = out.getvalue()
    assert uri in printed
    otp = pyotp.parse_uri(uri)
    assert isinstance(otp, pyotp.TOTP)
    return otp, printed


def _code(otp: pyotp.TOTP, steps: int = 0) -> str:
    return otp.at(MOMENT, counter_offset=steps)


async def _login(api: Api, code: str, username: str = "ops_admin", password: str = PASSWORD):
    # Sent as ASCII JSON, as browsers do, so that a lone surrogate travels as ``\\ud800``.
    variables = {"input": {"username": username, "password": password, "code": code}}
    response = await api.client.post(
        "/graphql",
        content=json.dumps({"query": LOGIN, "variables": variables}),
        headers={"Content-Type": "application/json"},
    )
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    return body["data"]["adminLogin"]


async def _is_admin(api: Api, token: str) -> bool:
    response = await api.post(AUDIT, token=token)
    body = response.json()
    if body.get("errors"):
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
        return False
    return body["data"]["auditLog"]["totalCount"] >= 1


async def test_set_up_from_the_command_line_then_log_in_and_work(api: Api):
    otp, printed = await _set_up()
    assert printed.count("otpauth://totp/") == 1 and "█" in printed  # the QR code for the app
    sealed = (await Administrator.get(username="ops_admin")).totp_secret
    assert sealed and otp.secret not in sealed  # encrypted at rest
    result = await _login(api, _code(otp))
    assert result["errors"] == [] and result["token"].startswith("cbs_")
    assert await _is_admin(api, result["token"])
    viewer = await api.gql("query { viewer { kind name } }", token=result["token"])
    assert viewer["viewer"]["kind"] == "ADMINISTRATOR"


@pytest.mark.parametrize(
    "case",
    [
        "wrong password",
        "wrong code",
        "replayed code",
        "code of an earlier step than one used",
        "code two steps early",
        "code two steps late",
        "code of another secret",
        "code not digits",
        "empty code",
        "unknown username",
        "overlong username",
        "username in other letter case",
        "administrator never set up",
        "secret sealed under another SECRET_KEY",
    ],
)
async def test_every_wrong_answer_is_the_same(api: Api, case: str):
    otp, _ = await _set_up()
    username, password, code = "ops_admin", PASSWORD, _code(otp)
    if case == "wrong password":
        password = "Wrong1234"
    elif case == "wrong code":
        code = f"{(int(code) + 1) % 1_000_000:06d}"
    elif case == "replayed code":
        assert (await _login(api, code))["token"]
    elif case == "code of an earlier step than one used":
        assert (await _login(api, _code(otp, 1)))["token"]
    elif case == "code two steps early":
        code = _code(otp, -2)
    elif case == "code two steps late":
        code = _code(otp, 2)
    elif case == "code of another secret":
        code = pyotp.TOTP(pyotp.random_base32()).at(MOMENT)
    elif case == "code not digits":
        code = "12a456"
    elif case == "empty code":
        code = ""
    elif case == "unknown username":
        username = "nobody_here"
    elif case == "overlong username":
        username = "x" * 200
    elif case == "username in other letter case":
        username = "OPS_ADMIN"
    elif case == "administrator never set up":
        await create_administrator("cli_only", "脚本管理员")
        username = "cli_only"
    elif case == "secret sealed under another SECRET_KEY":
        await cli.set_up_admin("another-key", "other_key", PASSWORD, qr=False, out=io.StringIO())
        username = "other_key"
    result = await _login(api, code, username, password)
    assert result == {"token": None, "errors": WRONG}
    failed = await AuditEntry.filter(action="administrator.login_failed").order_by("-at").first()
    assert failed is not None and (failed.after or {})["codes"] == ["invalid_credentials"]


@pytest.mark.parametrize("username", ["ops_admin\x00", "ops_\ud800admin"])
async def test_a_username_no_one_could_type_is_refused_by_the_input_boundary(
    api: Api, username: str
):
    """Text no administrator's name can hold is answered by the input boundary as for every
    argument (the field, not the account, is wrong), before anything is looked up."""
    otp, _ = await _set_up()
    result = await _login(api, _code(otp), username, PASSWORD)
    assert result["token"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("username", "INVALID")]
    assert not await AuditEntry.filter(action="administrator.login_failed").exists()


async def test_codes_of_the_neighbouring_steps_are_accepted_once_each_in_order(api: Api):
    otp, _ = await _set_up()
    for steps in (-1, 0, 1):
        assert (await _login(api, _code(otp, steps)))["token"]
    for steps in (-1, 0, 1):
        assert (await _login(api, _code(otp, steps)))["errors"] == WRONG


async def test_the_same_code_sent_twice_at_once_logs_in_once(api: Api):
    otp, _ = await _set_up()
    code = _code(otp)
    results = await asyncio.gather(*(_login(api, code) for _ in range(4)))
    assert sorted(bool(result["token"]) for result in results) == [False, False, False, True]


async def test_wrong_codes_count_as_failed_logins_and_the_account_is_throttled(api: Api):
    """After the right password with wrong codes, the shared password login's policy for repeated
    failures applies (in resolvers/accounts/logins.py: LOCKED, or RATE_LIMITED where it
    throttles), and even the right password with a fresh code is refused until it passes."""
    otp, _ = await _set_up()
    wrong = f"{(int(_code(otp)) + 1) % 1_000_000:06d}"
    answers = [(await _login(api, wrong))["errors"] for _ in range(5)]
    assert answers == [WRONG] * 5
    refused = await _login(api, _code(otp))
    assert refused["token"] is None
    assert refused["errors"][0]["code"] in {"LOCKED", "RATE_LIMITED"}


async def test_logins_from_one_address_are_rate_limited(db, settings):
    otp, _ = await _set_up()
    app = app_with_limits(settings, login="3/minute")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        api = Api(client, app.state.services.sms_sender, services=app.state.services)
        for _ in range(3):
            assert (await _login(api, "000000", "nobody_here"))["errors"] == WRONG
        result = await _login(api, _code(otp))
        await app.state.services.jobs.close()
    assert result["token"] is None and result["errors"][0]["code"] == "RATE_LIMITED"


async def test_set_up_logins_failures_and_reset_are_audited_without_secrets(api: Api):
    otp, _ = await _set_up()
    admin = await Administrator.get(username="ops_admin")
    await _login(api, _code(otp))
    await _login(api, _code(otp))  # replayed
    await _login(api, "123456", "nobody_here")
    new_otp, _ = await _set_up(reset=True)
    entries = await AuditEntry.filter(action__startswith="administrator.").order_by("at", "id")
    actions = [entry.action for entry in entries]
    assert actions == [
        "administrator.create",
        "administrator.credentials_set_up",
        "administrator.login",
        "administrator.login_failed",
        "administrator.login_failed",
        "administrator.credentials_reset",
    ]
    login, replay, unknown = entries[2], entries[3], entries[4]
    assert (login.actor_kind, login.actor_id, login.object_id) == (
        "administrator",
        admin.id,
        admin.id,
    )
    assert login.after == {"address": "127.0.0.1"}
    assert replay.actor_kind == "anonymous" and replay.object_id == admin.id
    assert replay.after == {
        "username": "ops_admin",
        "address": "127.0.0.1",
        "codes": ["invalid_credentials"],
    }
    assert unknown.object_id is None and (unknown.after or {})["username"] == "nobody_here"
    stored = await Administrator.get(id=admin.id)
    every_entry = json.dumps([[entry.before, entry.after] for entry in entries])
    for secret in (otp.secret, new_otp.secret, stored.totp_secret, stored.password_hash):
        assert secret and secret not in every_entry
    assert "totp_secret" not in every_entry and "password_hash" not in every_entry


async def test_reset_replaces_password_and_secret_and_ends_every_session(api: Api):
    old_otp, _ = await _set_up()
    session = (await _login(api, _code(old_otp, -1)))["token"]
    script_token = await issue_admin_token(await Administrator.get(username="ops_admin"))
    assert await _is_admin(api, session) and await _is_admin(api, script_token)

    new_otp, printed = await _set_up(password="Fresh5678", reset=True)
    assert "已失效" in printed and new_otp.secret != old_otp.secret
    assert not await _is_admin(api, session)
    assert not await _is_admin(api, script_token)
    assert (await _login(api, _code(old_otp), password="Fresh5678"))["errors"] == WRONG
    assert (await _login(api, _code(new_otp), password=PASSWORD))["errors"] == WRONG
    # The reset forgot the spent step of the old secret: the new secret's codes of this
    # moment are good.
    fresh = await _login(api, _code(new_otp), password="Fresh5678")
    assert fresh["errors"] == [] and await _is_admin(api, fresh["token"])


async def test_set_up_and_reset_refuse_bad_requests_and_write_nothing(db):
    await _set_up()
    before = await Administrator.all().values_list("id", "password_hash", "totp_secret")
    audit_count = await AuditEntry.all().count()
    attempts = [
        ("ops_admin", PASSWORD, False, ErrorCode.CONFLICT, "username"),  # set up already
        ("nobody_here", PASSWORD, True, ErrorCode.NOT_FOUND, "username"),  # reset of no one
        ("ops_admin", "short", True, ErrorCode.INVALID, "password"),
        ("ops_admin", "lettersonly", True, ErrorCode.INVALID, "password"),
        ("x", PASSWORD, False, ErrorCode.INVALID, "username"),
        ("y" * 31, PASSWORD, False, ErrorCode.INVALID, "username"),
    ]
    for username, password, reset, code, field in attempts:
        with pytest.raises(DomainError) as raised:
            await cli.set_up_admin(SECRET_KEY, username, password, reset=reset, out=io.StringIO())
        assert [(p.code, p.field) for p in raised.value.problems] == [(code, field)], username
    assert await Administrator.all().values_list("id", "password_hash", "totp_secret") == before
    assert await AuditEntry.all().count() == audit_count


def test_the_command_line_sets_up_and_resets(tmp_path: Path):
    """The real commands, on a SQLite file of their own: the password from standard input, the
    URI and a QR code printed, a second set-up refused, a reset accepted."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SECRET_KEY", "TEST_DATABASE_URL"}
    }
    env["VAR_DIR"] = str(tmp_path)

    def run(*args: str, password: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "graphql_api.cli", *args],
            input=password,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )

    assert run("migrate").returncode == 0
    setup = run("admin-setup", "--username", "ops_admin", "--password-stdin", password=PASSWORD)
    assert setup.returncode == 0, setup.stderr
    uri = next(line for line in setup.stdout.splitlines() if line.startswith("otpauth://"))
    assert pyotp.parse_uri(uri).secret and "█" in setup.stdout
    again = run("admin-setup", "--username", "ops_admin", "--password-stdin", password=PASSWORD)
    assert again.returncode == 1 and "admin-reset" in again.stderr
    reset = run(
        "admin-reset", "--username", "ops_admin", "--password-stdin", "--no-qr", password=PASSWORD
    )
    assert reset.returncode == 0, reset.stderr
    assert "█" not in reset.stdout and uri not in reset.stdout
