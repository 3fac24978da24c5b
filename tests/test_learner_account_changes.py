"""Learner accounts over HTTP: password and phone changes, the profile, and what the holder sees
of their own account."""

from __future__ import annotations

from models import AuditEntry, Learner, SessionToken
from tests.learner_account_fixtures import (
    ID_NUMBER,
    LOGOUT,
    NEW_PASSWORD,
    OTHER_ID_NUMBER,
    OTHER_PHONE,
    PASSWORD,
    PASSWORD_CHANGE,
    PHONE,
    PROFILE_UPDATE,
    change_password,
    change_phone,
    code_row,
    fresh_code,
    let_a_minute_pass,
    login,
    problems,
    registered,
    send_code,
    update_profile,
    viewer,
)

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
