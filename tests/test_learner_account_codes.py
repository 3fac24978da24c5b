"""Learner accounts over HTTP: SMS verification codes."""

from __future__ import annotations

import asyncio
import datetime as dt

from models import AuditEntry, Learner, VerificationCode
from tests.learner_account_fixtures import (
    NEW_PASSWORD,
    OTHER_ID_NUMBER,
    OTHER_PHONE,
    PHONE,
    SEND_CODE,
    change_password,
    code_row,
    fresh_code,
    let_a_minute_pass,
    login,
    problems,
    register,
    registered,
    send_code,
)

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
