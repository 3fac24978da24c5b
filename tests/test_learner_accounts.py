"""Learner accounts over HTTP: SMS codes, registration and claiming, login and its throttling,
logout, password and phone changes, the profile, and what the holder sees of their own account."""

from __future__ import annotations

import asyncio
import datetime as dt

from models import AuditEntry, IdType, Learner, LearnerStatus, SessionToken, VerificationCode
from resolvers.accounts.cards import is_valid_card_number
from resolvers.accounts.learners import create_with_card

NAME = "张三"
ID_NUMBER = "11010519491231002X"
OTHER_ID_NUMBER = "440524188001010014"
PHONE = "13800138000"
OTHER_PHONE = "13900139000"
PASSWORD = "abc12345"
NEW_PASSWORD = "xyz67890"

LEARNER_FIELDS = """
    id name status cardNumber idNumber phone gender educationLevel professionalTitle
    province city district address occupation activatedAt
"""
ERRORS = "errors { field code message }"

SEND_CODE = f"""
mutation($input: VerificationCodeSendInput!) {{
  verificationCodeSend(input: $input) {{ {ERRORS} phone expiresAt }}
}}"""
REGISTER = f"""
mutation($input: LearnerRegisterInput!) {{
  learnerRegister(input: $input) {{ {ERRORS} token learner {{ {LEARNER_FIELDS} }} }}
}}"""
LOGIN = f"""
mutation($input: LoginInput!) {{ learnerLogin(input: $input) {{ {ERRORS} token }} }}"""
LOGOUT = f"mutation {{ logout {{ {ERRORS} ok }} }}"
PASSWORD_CHANGE = f"""
mutation($input: PasswordChangeInput!) {{
  accountPasswordChange(input: $input) {{ {ERRORS} ok }}
}}"""
PHONE_CHANGE = f"""
mutation($input: PhoneChangeInput!) {{
  accountPhoneChange(input: $input) {{ {ERRORS} phone }}
}}"""
PROFILE_UPDATE = f"""
mutation($input: LearnerProfileInput!) {{
  learnerProfileUpdate(input: $input) {{ {ERRORS} learner {{ {LEARNER_FIELDS} }} }}
}}"""
VIEWER = f"{{ viewer {{ kind name learner {{ {LEARNER_FIELDS} }} }} }}"


# Helpers


def problems(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def send_code(
    api, purpose: str = "REGISTER", phone: str | None = PHONE, token: str | None = None
) -> dict:
    variables = {"input": {"purpose": purpose, "phone": phone}}
    return (await api.gql(SEND_CODE, variables, token=token))["verificationCodeSend"]


async def let_a_minute_pass(phone: str) -> None:
    """Age the codes sent to ``phone`` so that the one-a-minute limit allows another send."""
    codes = await VerificationCode.filter(phone=phone)
    for code in codes:
        code.created_at -= dt.timedelta(minutes=2)
        await code.save(update_fields=["created_at"])


async def fresh_code(
    api,
    purpose: str = "REGISTER",
    phone: str | None = PHONE,
    token: str | None = None,
    to: str = PHONE,
) -> str:
    """Send a code (a minute after any earlier one) and read it from the SMS sent to ``to``."""
    await let_a_minute_pass(to)
    payload = await send_code(api, purpose, phone, token)
    assert payload["errors"] == []
    return api.last_code(to)


async def register(
    api,
    *,
    name: str = NAME,
    id_number: str = ID_NUMBER,
    phone: str = PHONE,
    password: str = PASSWORD,
    code: str | None = None,
    id_type: str = "RESIDENT_ID",
) -> dict:
    """Register (sending a code first unless one is given); returns the payload."""
    if code is None:
        code = await fresh_code(api, phone=phone, to=phone)
    variables = {
        "input": {
            "name": name,
            "idType": id_type,
            "idNumber": id_number,
            "phone": phone,
            "password": password,
            "code": code,
        }
    }
    return (await api.gql(REGISTER, variables))["learnerRegister"]


async def registered(api, **kwargs) -> tuple[dict, str]:
    """A registered learner and their token."""
    payload = await register(api, **kwargs)
    assert payload["errors"] == []
    return payload["learner"], payload["token"]


async def login(api, account: str, password: str = PASSWORD) -> dict:
    variables = {"input": {"account": account, "password": password}}
    return (await api.gql(LOGIN, variables))["learnerLogin"]


async def viewer(api, token: str | None) -> dict:
    return (await api.gql(VIEWER, token=token or ""))["viewer"]


async def change_password(
    api, token: str, code: str, old: str = PASSWORD, new: str = NEW_PASSWORD
) -> dict:
    variables = {"input": {"oldPassword": old, "newPassword": new, "code": code}}
    return (await api.gql(PASSWORD_CHANGE, variables, token=token))["accountPasswordChange"]


async def change_phone(
    api, token: str, new_phone: str, code: str, password: str = PASSWORD
) -> dict:
    variables = {"input": {"password": password, "newPhone": new_phone, "code": code}}
    return (await api.gql(PHONE_CHANGE, variables, token=token))["accountPhoneChange"]


async def update_profile(api, token: str, **values) -> dict:
    return (await api.gql(PROFILE_UPDATE, {"input": values}, token=token))["learnerProfileUpdate"]


async def code_row(phone: str = PHONE) -> VerificationCode:
    row = await VerificationCode.filter(phone=phone).order_by("-created_at").first()
    assert row is not None, f"no code was sent to {phone}"
    return row


# Registration


async def test_register_gives_a_token_that_works(api):
    payload = await register(api)
    assert payload["errors"] == []
    assert payload["token"].startswith("cbs_")
    me = await viewer(api, payload["token"])
    assert me["kind"] == "LEARNER"
    assert me["name"] == NAME
    assert me["learner"]["id"] == payload["learner"]["id"]
    assert me["learner"]["status"] == "ACTIVE"
    assert me["learner"]["activatedAt"] is not None
    assert me["learner"]["cardNumber"] == payload["learner"]["cardNumber"]


async def test_register_draws_a_valid_unique_card_number(api):
    first, _ = await registered(api)
    second, _ = await registered(api, id_number=OTHER_ID_NUMBER, phone=OTHER_PHONE)
    for learner in (first, second):
        assert len(learner["cardNumber"]) == 16
        assert learner["cardNumber"].isdigit()
        assert is_valid_card_number(learner["cardNumber"])
    assert first["cardNumber"] != second["cardNumber"]


async def test_register_writes_the_learner_and_an_audit_entry(api):
    learner, _ = await registered(api)
    row = await Learner.get(id=learner["id"])
    assert (row.name, row.id_number, row.phone, row.status) == (
        NAME,
        ID_NUMBER,
        PHONE,
        LearnerStatus.ACTIVE,
    )
    assert row.password_hash and PASSWORD not in row.password_hash
    entries = await AuditEntry.filter(action="learner.register")
    assert len(entries) == 1
    assert str(entries[0].object_id) == learner["id"]
    assert entries[0].actor_kind == "learner"
    assert str(entries[0].actor_id) == learner["id"]
    assert entries[0].after["id_number"] == ID_NUMBER
    assert "password_hash" not in entries[0].after


async def test_register_uses_up_the_code(api):
    await registered(api)
    assert (await code_row()).used_at is not None


async def test_register_normalises_lowercase_x(api):
    learner, token = await registered(api, id_number=ID_NUMBER.lower())
    assert (await Learner.get(id=learner["id"])).id_number == ID_NUMBER
    assert (await viewer(api, token))["learner"]["idNumber"] == ID_NUMBER


async def test_register_answers_the_holder_with_whole_id_and_phone(api):
    """The schema says the holder sees them whole; the registering person is the holder."""
    learner, _ = await registered(api)
    assert learner["idNumber"] == ID_NUMBER
    assert learner["phone"] == PHONE


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


# Verification codes


async def test_send_code_answers_masked_phone_and_expiry(api):
    payload = await send_code(api)
    assert payload["errors"] == []
    assert payload["phone"] == "138****8000"
    expires = dt.datetime.fromisoformat(payload["expiresAt"])
    assert expires.utcoffset() == dt.timedelta(0)  # machine-readable times are UTC
    assert dt.timedelta(minutes=4) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=5)
    code = api.last_code(PHONE)
    assert len(code) == 6 and code.isdigit()
    row = await code_row()
    assert (row.purpose, row.attempts, row.used_at) == ("register", 0, None)
    assert code not in row.code_hash


async def test_wrong_code_writes_nothing(api):
    await send_code(api)
    right = api.last_code(PHONE)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    payload = await register(api, code=wrong)
    assert problems(payload) == [("code", "CODE_INVALID")]
    assert payload["token"] is None
    assert await Learner.all().count() == 0
    assert await AuditEntry.all().count() == 0
    row = await code_row()
    assert (row.attempts, row.used_at) == (1, None)


async def test_expired_code(api):
    await send_code(api)
    code = api.last_code(PHONE)
    await VerificationCode.filter(phone=PHONE).update(
        expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    )
    payload = await register(api, code=code)
    assert problems(payload) == [("code", "CODE_EXPIRED")]
    assert await Learner.all().count() == 0


async def test_code_of_another_purpose_does_not_register(api):
    _, token = await registered(api, id_number=OTHER_ID_NUMBER, phone=OTHER_PHONE)
    code = await fresh_code(api, "CHANGE_PHONE", PHONE, token=token)
    payload = await register(api, code=code)
    assert problems(payload) == [("code", "CODE_EXPIRED")]
    assert await Learner.filter(phone=PHONE).count() == 0


async def test_code_for_another_phone_does_not_register(api):
    await send_code(api, phone=OTHER_PHONE)
    code = api.last_code(OTHER_PHONE)
    payload = await register(api, code=code)
    assert problems(payload) == [("code", "CODE_EXPIRED")]


async def test_used_code_cannot_be_reused(api):
    _, token = await registered(api)
    code = await fresh_code(api, "CHANGE_PASSWORD", None, token=token)
    assert (await change_password(api, token, code))["errors"] == []
    payload = await change_password(api, token, code, old=NEW_PASSWORD, new="again12345")
    assert problems(payload) == [("code", "CODE_EXPIRED")]
    assert problems(await login(api, PHONE, "again12345")) == [(None, "INVALID_CREDENTIALS")]


async def test_right_code_refused_after_five_wrong_tries(api):
    await send_code(api)
    right = api.last_code(PHONE)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert problems(await register(api, code=wrong)) == [("code", "CODE_INVALID")]
    payload = await register(api, code=right)
    assert problems(payload) == [("code", "CODE_INVALID")]
    assert payload["errors"][0]["message"] == "验证码错误次数过多，请重新获取"
    assert await Learner.all().count() == 0


async def test_concurrent_wrong_codes_count_every_try(api):
    await send_code(api)
    right = api.last_code(PHONE)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    results = await asyncio.gather(*(register(api, code=wrong) for _ in range(6)))
    assert all(problems(r) == [("code", "CODE_INVALID")] for r in results)
    assert (await code_row()).attempts == 5
    assert problems(await register(api, code=right)) == [("code", "CODE_INVALID")]
    assert await Learner.all().count() == 0


async def test_a_new_code_gets_fresh_tries(api):
    await send_code(api)
    right = api.last_code(PHONE)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(5):
        await register(api, code=wrong)
    payload = await register(api)
    assert payload["errors"] == []


async def test_second_send_within_a_minute_is_rate_limited(api):
    assert (await send_code(api))["errors"] == []
    payload = await send_code(api)
    assert problems(payload) == [("phone", "RATE_LIMITED")]
    assert payload["phone"] is None
    assert len(api.sms.sent) == 1
    assert await VerificationCode.all().count() == 1


async def test_send_after_a_minute_is_allowed(api):
    await send_code(api)
    await let_a_minute_pass(PHONE)
    assert (await send_code(api))["errors"] == []
    assert len(api.sms.sent) == 2


async def _insert_codes(phone: str, count: int, age: dt.timedelta) -> None:
    sent_at = dt.datetime.now(dt.UTC) - age
    for _ in range(count):
        row = await VerificationCode.create(
            phone=phone, purpose="register", code_hash="0" * 64, expires_at=sent_at
        )
        row.created_at = sent_at
        await row.save(update_fields=["created_at"])


async def test_ten_codes_a_day(api):
    await _insert_codes(PHONE, 10, dt.timedelta(hours=2))
    payload = await send_code(api)
    assert problems(payload) == [("phone", "RATE_LIMITED")]
    assert payload["errors"][0]["message"] == "该手机号今日获取验证码次数已达上限"
    assert api.sms.sent == []


async def test_ninth_and_tenth_code_of_a_day_are_sent(api):
    await _insert_codes(PHONE, 9, dt.timedelta(hours=2))
    assert (await send_code(api))["errors"] == []
    await let_a_minute_pass(PHONE)
    assert problems(await send_code(api)) == [("phone", "RATE_LIMITED")]


async def test_codes_older_than_a_day_do_not_count(api):
    await _insert_codes(PHONE, 10, dt.timedelta(hours=25))
    assert (await send_code(api))["errors"] == []


async def test_invalid_phone_gets_a_field_error(api):
    payload = await send_code(api, phone="1380013800")
    assert problems(payload) == [("phone", "INVALID")]
    assert api.sms.sent == []
    assert await VerificationCode.all().count() == 0


async def test_missing_phone_gets_a_field_error(api):
    payload = await send_code(api, phone=None)
    assert problems(payload) == [("phone", "INVALID")]
    assert api.sms.sent == []


async def test_anonymous_cannot_send_a_code_to_own_phone(api):
    response = await api.post(SEND_CODE, {"input": {"purpose": "CHANGE_PASSWORD"}})
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert api.sms.sent == []


# Bad registration input: a field error each, nothing written


async def _assert_nothing_registered(expected_learners: int = 0) -> None:
    assert await Learner.all().count() == expected_learners
    assert await AuditEntry.filter(action="learner.register").count() == expected_learners
    assert (await code_row()).used_at is None


async def test_malformed_id_number(api):
    payload = await register(api, id_number="1101051949123")
    assert problems(payload) == [("idNumber", "INVALID")]
    await _assert_nothing_registered()


async def test_id_number_with_wrong_check_digit(api):
    payload = await register(api, id_number="110105194912310021")
    assert problems(payload) == [("idNumber", "INVALID")]
    assert payload["errors"][0]["message"] == "居民身份证号校验位不正确"
    await _assert_nothing_registered()


async def test_weak_password(api):
    payload = await register(api, password="12345678")
    assert problems(payload) == [("password", "INVALID")]
    await _assert_nothing_registered()


async def test_too_long_name(api):
    payload = await register(api, name="张" * 51)
    assert problems(payload) == [("name", "TOO_LONG")]
    await _assert_nothing_registered()


async def test_every_bad_field_is_reported_at_once(api):
    payload = await register(api, name=" ", id_number="123", password="short", code=" ")
    assert problems(payload) == [
        ("name", "REQUIRED"),
        ("idNumber", "INVALID"),
        ("password", "INVALID"),
        ("code", "REQUIRED"),
    ]


async def test_passport_registration(api):
    learner, _ = await registered(api, id_type="PASSPORT", id_number="e12345678")
    row = await Learner.get(id=learner["id"])
    assert (row.id_type, row.id_number) == (IdType.PASSPORT, "E12345678")


async def test_duplicate_id_number(api):
    await registered(api)
    payload = await register(api, phone=OTHER_PHONE)
    assert problems(payload) == [("idNumber", "CONFLICT")]
    assert payload["token"] is None
    assert await Learner.all().count() == 1
    assert (await code_row(OTHER_PHONE)).used_at is None


async def test_duplicate_phone(api):
    await registered(api)
    payload = await register(api, id_number=OTHER_ID_NUMBER)
    assert problems(payload) == [("phone", "CONFLICT")]
    assert payload["token"] is None
    assert await Learner.all().count() == 1
    assert (await code_row()).used_at is None


# Claiming an account an institution created


async def _inactive_learner(name: str = NAME) -> Learner:
    return await create_with_card(
        name=name,
        id_type=IdType.RESIDENT_ID,
        id_number=ID_NUMBER,
        status=LearnerStatus.INACTIVE,
        created_by_institution=None,
    )


async def test_claim_keeps_the_account(api):
    inactive = await _inactive_learner()
    learner, token = await registered(api)
    assert learner["id"] == str(inactive.id)
    assert learner["cardNumber"] == inactive.card_number
    assert learner["status"] == "ACTIVE"
    row = await Learner.get(id=inactive.id)
    assert (row.status, row.phone) == (LearnerStatus.ACTIVE, PHONE)
    assert await Learner.all().count() == 1
    assert (await viewer(api, token))["learner"]["id"] == str(inactive.id)
    claim = await AuditEntry.get(action="learner.claim")
    assert claim.before["status"] == "inactive"
    assert claim.after["status"] == "active"
    assert await AuditEntry.filter(action="learner.register").count() == 0


async def test_claim_with_another_name_is_refused(api):
    inactive = await _inactive_learner()
    payload = await register(api, name="李四")
    assert problems(payload) == [("name", "INVALID")]
    assert payload["token"] is None
    row = await Learner.get(id=inactive.id)
    assert (row.status, row.phone, row.password_hash) == (LearnerStatus.INACTIVE, None, None)
    assert await Learner.all().count() == 1
    assert await AuditEntry.all().count() == 0
    assert (await code_row()).used_at is None


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


# Password change


async def test_change_password(api):
    _, token = await registered(api)
    other = (await login(api, PHONE))["token"]
    await let_a_minute_pass(PHONE)
    sent = await send_code(api, "CHANGE_PASSWORD", None, token)
    assert sent["errors"] == []
    assert sent["phone"] == "138****8000"
    code = api.last_code(PHONE)
    assert "修改密码" in api.sms.last_text(PHONE)

    assert await change_password(api, token, code) == {"errors": [], "ok": True}
    assert (await viewer(api, token))["kind"] == "LEARNER"
    assert (await viewer(api, other))["kind"] == "ANONYMOUS"
    assert problems(await login(api, PHONE)) == [(None, "INVALID_CREDENTIALS")]
    assert (await login(api, PHONE, NEW_PASSWORD))["errors"] == []
    assert await AuditEntry.filter(action="account.password_change").count() == 1


async def test_change_password_needs_the_old_password(api):
    _, token = await registered(api)
    code = await fresh_code(api, "CHANGE_PASSWORD", None, token=token)
    payload = await change_password(api, token, code, old="wrong1234")
    assert problems(payload) == [("oldPassword", "INVALID_CREDENTIALS")]
    assert payload["ok"] is False
    assert (await login(api, PHONE))["errors"] == []
    assert (await code_row()).used_at is None


async def test_change_password_needs_the_code(api):
    _, other_token = await registered(api, id_number=OTHER_ID_NUMBER, phone=OTHER_PHONE)
    _, token = await registered(api)
    register_code = api.last_code(PHONE)
    assert problems(await change_password(api, token, register_code)) == [("code", "CODE_EXPIRED")]
    await fresh_code(api, "CHANGE_PASSWORD", None, token=other_token, to=OTHER_PHONE)
    foreign_code = api.last_code(OTHER_PHONE)
    assert problems(await change_password(api, token, foreign_code)) == [("code", "CODE_EXPIRED")]
    assert (await login(api, PHONE))["errors"] == []


async def test_change_password_with_wrong_code(api):
    _, token = await registered(api)
    code = await fresh_code(api, "CHANGE_PASSWORD", None, token=token)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert problems(await change_password(api, token, wrong)) == [("code", "CODE_INVALID")]
    assert (await login(api, PHONE))["errors"] == []


async def test_change_password_refuses_a_weak_new_password(api):
    _, token = await registered(api)
    code = await fresh_code(api, "CHANGE_PASSWORD", None, token=token)
    payload = await change_password(api, token, code, new="password")
    assert problems(payload) == [("newPassword", "INVALID")]
    assert (await code_row()).used_at is None


async def test_anonymous_password_change_is_unauthenticated(api):
    variables = {"input": {"oldPassword": PASSWORD, "newPassword": NEW_PASSWORD, "code": "1"}}
    response = await api.post(PASSWORD_CHANGE, variables)
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert body["errors"][0]["path"] == ["accountPasswordChange"]


async def test_revoked_session_cannot_change_password(api):
    _, token = await registered(api)
    await api.gql(LOGOUT, token=token)
    variables = {"input": {"oldPassword": PASSWORD, "newPassword": NEW_PASSWORD, "code": "1"}}
    body = (await api.post(PASSWORD_CHANGE, variables, token=token)).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# Phone change


async def test_change_phone(api):
    learner, token = await registered(api)
    sent = await send_code(api, "CHANGE_PHONE", OTHER_PHONE, token)
    assert sent["errors"] == []
    assert sent["phone"] == "139****9000"
    code = api.last_code(OTHER_PHONE)
    payload = await change_phone(api, token, OTHER_PHONE, code)
    assert payload == {"errors": [], "phone": OTHER_PHONE}
    assert (await viewer(api, token))["learner"]["phone"] == OTHER_PHONE
    assert (await Learner.get(id=learner["id"])).phone == OTHER_PHONE
    assert (await login(api, OTHER_PHONE))["errors"] == []
    assert problems(await login(api, PHONE)) == [(None, "INVALID_CREDENTIALS")]
    entry = await AuditEntry.get(action="account.phone_change")
    assert (entry.before, entry.after) == ({"phone": PHONE}, {"phone": OTHER_PHONE})


async def test_change_phone_needs_the_password(api):
    _, token = await registered(api)
    await send_code(api, "CHANGE_PHONE", OTHER_PHONE, token)
    payload = await change_phone(api, token, OTHER_PHONE, api.last_code(OTHER_PHONE), "no12345678")
    assert problems(payload) == [("password", "INVALID_CREDENTIALS")]
    assert payload["phone"] is None
    assert (await Learner.get(phone=PHONE)).id_number == ID_NUMBER


async def test_change_phone_needs_a_code_sent_to_the_new_phone(api):
    _, token = await registered(api)
    old_phone_code = await fresh_code(api, "CHANGE_PHONE", PHONE, token=token)
    payload = await change_phone(api, token, OTHER_PHONE, old_phone_code)
    assert problems(payload) == [("code", "CODE_EXPIRED")]
    assert (await Learner.get(id_number=ID_NUMBER)).phone == PHONE


async def test_change_phone_to_a_taken_phone(api):
    await registered(api, id_number=OTHER_ID_NUMBER, phone=OTHER_PHONE)
    _, token = await registered(api)
    code = await fresh_code(api, "CHANGE_PHONE", OTHER_PHONE, token=token, to=OTHER_PHONE)
    payload = await change_phone(api, token, OTHER_PHONE, code)
    assert problems(payload) == [("newPhone", "CONFLICT")]
    assert (await Learner.get(id_number=ID_NUMBER)).phone == PHONE


async def test_change_phone_to_an_invalid_phone(api):
    _, token = await registered(api)
    payload = await change_phone(api, token, "12345", "000000")
    assert problems(payload) == [("newPhone", "INVALID")]


# Profile


async def test_update_profile(api):
    _, token = await registered(api)
    values = {
        "gender": "FEMALE",
        "educationLevel": "本科",
        "professionalTitle": "工程师",
        "province": "江苏省",
        "city": "南京市",
        "district": "鼓楼区",
        "address": "北京西路15号",
        "occupation": "教师",
    }
    payload = await update_profile(api, token, **values)
    assert payload["errors"] == []
    me = (await viewer(api, token))["learner"]
    assert {key: me[key] for key in values} == values
    entry = await AuditEntry.get(action="learner.profile_update")
    assert entry.before["occupation"] == ""
    assert entry.after["occupation"] == "教师"
    assert entry.after["gender"] == "female"


async def test_update_profile_with_a_too_long_field(api):
    _, token = await registered(api)
    payload = await update_profile(api, token, address="路" * 201, city="南京市")
    assert problems(payload) == [("address", "TOO_LONG")]
    assert payload["learner"] is None
    me = (await viewer(api, token))["learner"]
    assert (me["address"], me["city"]) == ("", "")


async def test_anonymous_profile_update_is_unauthenticated(api):
    body = (await api.post(PROFILE_UPDATE, {"input": {"city": "南京市"}})).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# What the holder sees


async def test_holder_sees_whole_id_number_and_phone(api):
    _, token = await registered(api)
    me = (await viewer(api, token))["learner"]
    assert me["idNumber"] == ID_NUMBER
    assert me["phone"] == PHONE


async def test_session_rows_store_only_a_digest(api):
    _, token = await registered(api)
    sessions = await SessionToken.all()
    assert len(sessions) == 1
    assert token not in sessions[0].token_hash
