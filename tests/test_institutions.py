"""Institutions: registration, review, information, sub-users, API tokens and the audit log."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re

import pytest

from models import (
    ApiToken,
    AuditEntry,
    Institution,
    InstitutionStatus,
    InstitutionUser,
    InstitutionUserStatus,
    VerificationCode,
)
from resolvers.core.clock import beijing
from tests.institution_fixtures import (
    AUDIT_LOG,
    INSTITUTION,
    INSTITUTIONS,
    PASSWORD,
    TOKEN_REVOKE,
    TOKENS,
    UPDATE,
    USER_CREATE,
    USER_DELETE,
    USER_DISABLE,
    USER_ENABLE,
    USER_RESET_PASSWORD,
    USER_UPDATE,
    USERS,
    approve,
    approved_institution,
    audit_actions,
    call,
    codes,
    create_api_token,
    create_sub_user,
    credit_code,
    institution_info,
    login_institution,
    login_learner,
    login_payload,
    make_learner,
    phone,
    register_institution,
    register_payload,
    registrant_info,
    resident_id,
    review,
    send_code,
    sub_user_input,
    top_level_error,
    viewer,
)


async def _counts() -> tuple[int, int, int]:
    return (
        await Institution.all().count(),
        await InstitutionUser.all().count(),
        await AuditEntry.all().count(),
    )


async def _user(username: str) -> InstitutionUser:
    return await InstitutionUser.get(username=username)


# -- registration --------------------------------------------------------------------------------


async def test_register_creates_a_pending_institution_with_its_main_user(api):
    number = phone(1)
    code = await send_code(api, number)

    payload = await register_payload(
        api, registrant_info(1, code), institution_info(1, introduction="百年老校")
    )

    assert payload["errors"] == []
    assert payload["username"] == credit_code(1)
    shown = payload["institution"]
    assert shown["status"] == "PENDING"
    assert shown["statusLabel"] == "待审核"
    assert shown["creditCode"] == credit_code(1)
    assert shown["registrantName"] == "张注册1"
    assert shown["introduction"] == "百年老校"
    assert shown["reviewedAt"] is None

    institution = await Institution.get(id=shown["id"])
    assert institution.status == InstitutionStatus.PENDING
    assert institution.registrant_id_number == resident_id(1)
    assert institution.registrant_id_type == "resident_id"
    main = await InstitutionUser.get(institution_id=institution.id)
    assert (main.username, main.name, main.phone, main.is_main) == (
        credit_code(1), "张注册1", number, True
    )
    assert main.status == InstitutionUserStatus.ACTIVE
    assert PASSWORD not in main.password_hash

    entry = await AuditEntry.get(action="institution.register")
    assert entry.object_type == "Institution"
    assert entry.object_id == institution.id
    assert entry.institution_id == institution.id
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == (
        "institution_user", main.id, "张注册1"
    )
    assert entry.before is None
    assert entry.after["credit_code"] == credit_code(1)
    assert entry.after["status"] == "pending"
    assert "password_hash" not in entry.after
    assert await VerificationCode.filter(phone=number).exclude(used_at=None).count() == 1


def _broken_credit_code() -> str:
    good = credit_code(1)
    return good[:17] + ("0" if good[17] != "0" else "1")


def _broken_resident_id() -> str:
    good = resident_id(1)
    return good[:17] + ("0" if good[17] != "0" else "1")


BAD_REGISTRATIONS = [
    ("credit code check char", {}, {"creditCode": _broken_credit_code()},
     "institution.creditCode", "INVALID"),
    ("credit code with the letter O", {}, {"creditCode": "91320100MA0000O01X"},
     "institution.creditCode", "INVALID"),
    ("email", {}, {"contactEmail": "contact.school.edu.cn"}, "institution.contactEmail", "INVALID"),
    ("postcode", {}, {"postcode": "21000"}, "institution.postcode", "INVALID"),
    ("contact phone", {}, {"contactPhone": "02583592000"}, "institution.contactPhone", "INVALID"),
    ("missing legal representative", {}, {"legalRepresentative": "  "},
     "institution.legalRepresentative", "REQUIRED"),
    ("missing name", {}, {"name": ""}, "institution.name", "REQUIRED"),
    ("name too long", {}, {"name": "学" * 101}, "institution.name", "TOO_LONG"),
    ("registrant ID check digit", {"idNumber": _broken_resident_id()}, {},
     "registrant.idNumber", "INVALID"),
    ("registrant ID length", {"idNumber": "32010219900101"}, {}, "registrant.idNumber", "INVALID"),
    ("registrant password without digits", {"password": "onlyletters"}, {},
     "registrant.password", "INVALID"),
    ("missing registrant name", {"name": ""}, {}, "registrant.name", "REQUIRED"),
]


@pytest.mark.parametrize(
    ("registrant_overrides", "info_overrides", "field", "code"),
    [case[1:] for case in BAD_REGISTRATIONS],
    ids=[case[0] for case in BAD_REGISTRATIONS],
)
async def test_register_rejects_bad_input_field_by_field(
    api, registrant_overrides, info_overrides, field, code
):
    sms_code = await send_code(api, phone(1))

    payload = await register_payload(
        api,
        registrant_info(1, sms_code, **registrant_overrides),
        institution_info(1, **info_overrides),
    )

    assert codes(payload) == [(field, code)]
    assert payload["institution"] is None
    assert await _counts() == (0, 0, 0)
    # The code was not spent: the corrected registration goes through with it.
    fixed = await register_payload(api, registrant_info(1, sms_code), institution_info(1))
    assert fixed["errors"] == []
    assert await _counts() == (1, 1, 1)


async def test_register_reports_every_bad_field_at_once(api):
    sms_code = await send_code(api, phone(1))
    payload = await register_payload(
        api,
        registrant_info(1, sms_code, idNumber="123"),
        institution_info(1, contactEmail="x", postcode="x", creditCode="x"),
    )
    assert sorted(codes(payload)) == [
        ("institution.contactEmail", "INVALID"),
        ("institution.creditCode", "INVALID"),
        ("institution.postcode", "INVALID"),
        ("registrant.idNumber", "INVALID"),
    ]
    assert await _counts() == (0, 0, 0)


async def test_register_without_a_required_graphql_field_fails_before_anything_is_written(api):
    sms_code = await send_code(api, phone(1))
    info = institution_info(1)
    del info["businessScope"]
    variables = {"input": {"registrant": registrant_info(1, sms_code), "institution": info}}
    response = await api.post(
        "mutation($input: InstitutionRegisterInput!) "
        "{ institutionRegister(input: $input) { errors { code } } }",
        variables,
    )
    body = response.json()
    assert body.get("data") is None
    assert "businessScope" in body["errors"][0]["message"]
    assert await _counts() == (0, 0, 0)


async def test_register_refuses_a_credit_code_already_registered(api):
    first = await register_institution(api, 1)
    before = await _counts()
    sms_code = await send_code(api, phone(2))

    # Same code typed in lower case by a second registrant: still the same institution.
    payload = await register_payload(
        api, registrant_info(2, sms_code), institution_info(2, creditCode=first.credit_code.lower())
    )

    assert codes(payload) == [("institution.creditCode", "CONFLICT")]
    assert await _counts() == before == (1, 1, 1)


async def test_register_refuses_a_wrong_sms_code(api):
    real = await send_code(api, phone(1))
    wrong = "000000" if real != "000000" else "111111"

    payload = await register_payload(api, registrant_info(1, wrong), institution_info(1))

    assert codes(payload) == [("registrant.code", "CODE_INVALID")]
    assert await _counts() == (0, 0, 0)
    code_row = await VerificationCode.get(phone=phone(1))
    assert (code_row.attempts, code_row.used_at) == (1, None)


async def test_register_without_a_sent_code_is_refused(api):
    payload = await register_payload(api, registrant_info(1, "123456"), institution_info(1))
    assert codes(payload) == [("registrant.code", "CODE_EXPIRED")]
    assert await _counts() == (0, 0, 0)


async def test_a_registration_code_works_only_once(api):
    sms_code = await send_code(api, phone(1))
    assert (await register_payload(api, registrant_info(1, sms_code), institution_info(1)))[
        "errors"
    ] == []
    again = await register_payload(api, registrant_info(1, sms_code), institution_info(2))
    assert codes(again) == [("registrant.code", "CODE_EXPIRED")]
    assert await _counts() == (1, 1, 1)


# -- review by an administrator ------------------------------------------------------------------


async def test_admin_approves_a_pending_institution(api, admin_token):
    account = await register_institution(api, 1)

    shown = await approve(api, admin_token, account.id)

    assert shown["statusLabel"] == "已通过"
    assert shown["reviewedAt"] is not None
    assert shown["reviewedAt"].endswith("+00:00")
    institution = await Institution.get(id=account.id)
    assert institution.status == InstitutionStatus.APPROVED
    assert institution.reviewed_at is not None


async def test_admin_refuses_only_with_a_note(api, admin_token):
    account = await register_institution(api, 1)

    no_note = await review(api, admin_token, account.id, False, "   ")
    assert codes(no_note) == [("note", "REQUIRED")]
    assert (await Institution.get(id=account.id)).status == InstitutionStatus.PENDING

    refused = await review(api, admin_token, account.id, False, "营业执照不清晰")
    assert refused["errors"] == []
    assert refused["institution"]["status"] == "REJECTED"
    assert refused["institution"]["reviewNote"] == "营业执照不清晰"
    institution = await Institution.get(id=account.id)
    assert (institution.status, institution.review_note) == (
        InstitutionStatus.REJECTED, "营业执照不清晰"
    )


@pytest.mark.parametrize("first", [True, False], ids=["approved", "refused"])
async def test_reviewing_an_institution_twice_is_wrong_state(api, admin_token, first):
    account = await register_institution(api, 1)
    assert (await review(api, admin_token, account.id, first, "不符合条件"))["errors"] == []
    audit_before = await AuditEntry.all().count()

    again = await review(api, admin_token, account.id, not first, "改判")

    assert codes(again) == [("id", "WRONG_STATE")]
    institution = await Institution.get(id=account.id)
    expected = InstitutionStatus.APPROVED if first else InstitutionStatus.REJECTED
    assert institution.status == expected
    assert await AuditEntry.all().count() == audit_before


async def test_two_administrators_reviewing_at_once_leave_exactly_one_decision(api, admin_token):
    account = await register_institution(api, 1)

    results = await asyncio.gather(
        review(api, admin_token, account.id, True),
        review(api, admin_token, account.id, False, "材料不全"),
    )

    outcomes = sorted(tuple(codes(payload)) for payload in results)
    assert outcomes == [(), (("id", "WRONG_STATE"),)]
    winner = next(payload for payload in results if not payload["errors"])
    institution = await Institution.get(id=account.id)
    assert institution.status.value.upper() == winner["institution"]["status"]
    decisions = await AuditEntry.filter(action__in=["institution.approve", "institution.reject"])
    assert len(decisions) == 1


async def test_reviewing_an_unknown_or_malformed_id(api, admin_token):
    unknown = await review(api, admin_token, "00000000-0000-4000-8000-000000000000", True)
    assert codes(unknown) == [("id", "NOT_FOUND")]
    malformed = await review(api, admin_token, "not-a-uuid", True)
    assert codes(malformed) == [("id", "INVALID")]


async def test_admin_lists_institutions_by_status_and_name(api, admin_token):
    first = await register_institution(api, 1, name="南京开放大学")
    await register_institution(api, 2, name="苏州职业学院")
    await register_institution(api, 3, name="南京工业职业技术大学")
    await approve(api, admin_token, first.id)

    everything = await call(api, INSTITUTIONS, {}, admin_token)
    assert everything["totalCount"] == 3
    assert [i["name"] for i in everything["items"]] == [
        "南京开放大学", "苏州职业学院", "南京工业职业技术大学"
    ]
    pending = await call(api, INSTITUTIONS, {"status": "PENDING"}, admin_token)
    assert [i["name"] for i in pending["items"]] == ["苏州职业学院", "南京工业职业技术大学"]
    nanjing = await call(api, INSTITUTIONS, {"name": "南京"}, admin_token)
    assert nanjing["totalCount"] == 2
    second_page = await call(api, INSTITUTIONS, {"page": 2, "pageSize": 2}, admin_token)
    assert (second_page["totalCount"], len(second_page["items"])) == (3, 1)
    response = await api.post(INSTITUTIONS, {"pageSize": 101}, admin_token)
    assert response.json()["errors"][0]["extensions"] == {"code": "INVALID", "field": "pageSize"}


# -- before approval -----------------------------------------------------------------------------


@pytest.mark.parametrize("refused", [False, True], ids=["pending", "refused"])
async def test_an_unapproved_institution_logs_in_and_sees_itself_but_adds_no_one(
    api, admin_token, refused
):
    account = await register_institution(api, 1)
    if refused:
        assert (await review(api, admin_token, account.id, False, "材料不全"))["errors"] == []
    token = await login_institution(api, account.username)

    me = await viewer(api, token)
    assert me["kind"] == "INSTITUTION_USER"
    assert me["institution"] == {
        "id": account.id, "name": account.name, "status": "REJECTED" if refused else "PENDING"
    }
    assert me["institutionUser"]["isMain"] is True
    assert (await call(api, INSTITUTION, {"id": account.id}, token))["creditCode"] == (
        account.credit_code
    )

    added = await call(api, USER_CREATE, {"input": sub_user_input("teacher1", 1)}, token)
    assert codes(added) == [(None, "NOT_APPROVED")]
    assert added["user"] is None
    minted = await call(api, "mutation { apiTokenCreate(name: \"x\") { errors { field code "
                        "message } token } }", token=token)
    assert codes(minted) == [(None, "NOT_APPROVED")]
    assert await InstitutionUser.all().count() == 1
    assert await ApiToken.all().count() == 0


# -- institution information ---------------------------------------------------------------------


async def test_main_user_updates_the_institution_information(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    info = institution_info(1, name="江苏测试职业学院", contactEmail="office@jstest.edu.cn",
                            introduction="更新后的简介")

    payload = await call(api, UPDATE, {"input": info}, account.token)

    assert payload["errors"] == []
    assert payload["institution"]["name"] == "江苏测试职业学院"
    assert payload["institution"]["status"] == "APPROVED"
    institution = await Institution.get(id=account.id)
    assert (institution.name, institution.contact_email, institution.introduction) == (
        "江苏测试职业学院", "office@jstest.edu.cn", "更新后的简介"
    )
    entry = await AuditEntry.get(action="institution.update")
    assert entry.before == {"name": "江苏测试学院1", "contact_email": "contact1@school1.edu.cn",
                            "introduction": ""}
    assert entry.after == {"name": "江苏测试职业学院", "contact_email": "office@jstest.edu.cn",
                           "introduction": "更新后的简介"}
    assert entry.object_id == institution.id


async def test_the_credit_code_cannot_change(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    audit_before = await AuditEntry.all().count()

    payload = await call(
        api, UPDATE, {"input": institution_info(1, creditCode=credit_code(9), name="改名")},
        account.token,
    )

    assert codes(payload) == [("institution.creditCode", "NOT_ALLOWED")]
    institution = await Institution.get(id=account.id)
    assert (institution.credit_code, institution.name) == (credit_code(1), "江苏测试学院1")
    assert await AuditEntry.all().count() == audit_before


async def test_update_validates_fields_like_registration(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    payload = await call(
        api, UPDATE, {"input": institution_info(1, postcode="2100001", contactEmail="@")},
        account.token,
    )
    assert sorted(codes(payload)) == [
        ("institution.contactEmail", "INVALID"), ("institution.postcode", "INVALID")
    ]
    assert (await Institution.get(id=account.id)).postcode == "210000"


async def test_a_pending_institution_may_correct_its_information(api):
    account = await register_institution(api, 1)
    token = await login_institution(api, account.username)
    payload = await call(api, UPDATE, {"input": institution_info(1, address="新地址")}, token)
    assert payload["errors"] == []
    assert (await Institution.get(id=account.id)).address == "新地址"


async def test_another_institution_is_not_found(api, admin_token):
    mine = await approved_institution(api, admin_token, 1)
    theirs = await approved_institution(api, admin_token, 2)
    response = await api.post(INSTITUTION, {"id": theirs.id}, mine.token)
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    # An administrator sees any institution.
    assert (await call(api, INSTITUTION, {"id": theirs.id}, admin_token))["name"] == theirs.name


# -- sub-users -----------------------------------------------------------------------------------


async def test_main_user_adds_a_sub_user_who_can_log_in(api, admin_token):
    account = await approved_institution(api, admin_token, 1)

    user = await create_sub_user(api, account.token, "teacher_li", 1)

    assert user["username"] == "teacher_li"
    assert user["name"] == "子用户1"
    assert user["isMain"] is False
    assert user["status"] == "ACTIVE"
    assert user["phone"] == "138****0001"
    assert user["institution"] == {"id": account.id}
    row = await _user("teacher_li")
    assert (str(row.institution_id), row.phone, row.is_main) == (account.id, phone(1, "138"), False)
    entry = await AuditEntry.get(action="institution_user.create")
    assert entry.object_id == row.id
    assert str(entry.institution_id) == account.id
    assert entry.actor_id == (await _user(account.username)).id
    assert entry.after["username"] == "teacher_li"
    assert "password_hash" not in entry.after

    token = await login_institution(api, "teacher_li")
    me = await viewer(api, token)
    assert me["kind"] == "INSTITUTION_USER"
    assert me["name"] == "子用户1"
    assert me["institutionUser"]["id"] == user["id"]
    assert me["institution"]["id"] == account.id


async def test_the_main_user_may_type_the_credit_code_in_lower_case(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    await create_sub_user(api, account.token, "teacher_li", 1)

    token = await login_institution(api, account.username.lower())
    assert (await viewer(api, token))["institutionUser"]["isMain"] is True
    refused = await login_payload(api, "TEACHER_LI")
    assert codes(refused) == [(None, "INVALID_CREDENTIALS")]


async def test_sub_user_usernames_are_unique_across_institutions(api, admin_token):
    first = await approved_institution(api, admin_token, 1)
    second = await approved_institution(api, admin_token, 2)
    await create_sub_user(api, first.token, "teacher_li", 1)
    before = await _counts()

    same = await call(api, USER_CREATE, {"input": sub_user_input("teacher_li", 2)}, second.token)
    main_name = await call(
        api, USER_CREATE, {"input": sub_user_input(first.username, 3)}, second.token
    )

    assert codes(same) == [("username", "CONFLICT")]
    assert codes(main_name) == [("username", "INVALID")]  # a credit code is never a sub-user
    assert await _counts() == before


@pytest.mark.parametrize("spelling", [str.upper, str.lower], ids=["upper", "lower"])
async def test_a_sub_user_cannot_squat_the_login_account_of_an_institution(
    api, admin_token, spelling
):
    """Main users log in with their credit code: a sub-user named like one would block that
    institution's registration."""
    account = await approved_institution(api, admin_token, 1)

    payload = await call(
        api, USER_CREATE, {"input": sub_user_input(spelling(credit_code(5)), 1)}, account.token
    )

    assert codes(payload) == [("username", "INVALID")]
    assert await InstitutionUser.all().count() == 1
    fifth = await register_institution(api, 5)
    assert fifth.username == credit_code(5)


async def test_sub_user_input_is_checked_field_by_field(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    payload = await call(
        api, USER_CREATE,
        {"input": sub_user_input("ab", 1, phone="12345", password="short", name="")},
        account.token,
    )
    assert sorted(codes(payload)) == [
        ("name", "REQUIRED"), ("password", "INVALID"), ("phone", "INVALID"),
        ("username", "INVALID"),
    ]
    assert await InstitutionUser.all().count() == 1


async def test_users_are_listed_main_first_with_masked_phones(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    await create_sub_user(api, account.token, "teacher_b", 1)
    second = await create_sub_user(api, account.token, "teacher_a", 2)
    await call(api, USER_DISABLE, {"id": second["id"]}, account.token)

    listed = await call(api, USERS, {}, account.token)

    assert listed["totalCount"] == 3
    assert [(u["username"], u["isMain"], u["phone"]) for u in listed["items"]] == [
        (account.username, True, "139****0001"),
        ("teacher_b", False, "138****0001"),
        ("teacher_a", False, "138****0002"),
    ]
    disabled = await call(api, USERS, {"status": "DISABLED"}, account.token)
    assert [u["username"] for u in disabled["items"]] == ["teacher_a"]
    page_two = await call(api, USERS, {"page": 2, "pageSize": 2}, account.token)
    assert [u["username"] for u in page_two["items"]] == ["teacher_a"]
    # A sub-user sees the same list.
    sub_token = await login_institution(api, "teacher_b")
    assert (await call(api, USERS, {}, sub_token))["totalCount"] == 3


async def test_main_user_edits_a_sub_user(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    user = await create_sub_user(api, account.token, "teacher_li", 1)

    payload = await call(
        api, USER_UPDATE, {"input": {"id": user["id"], "name": "李老师", "phone": phone(7, "186")}},
        account.token,
    )

    assert payload["errors"] == []
    assert (payload["user"]["name"], payload["user"]["phone"]) == ("李老师", "186****0007")
    row = await _user("teacher_li")
    assert (row.name, row.phone) == ("李老师", phone(7, "186"))
    entry = await AuditEntry.get(action="institution_user.update")
    assert entry.before == {"name": "子用户1", "phone": phone(1, "138")}
    assert entry.after == {"name": "李老师", "phone": phone(7, "186")}

    bad = await call(
        api, USER_UPDATE, {"input": {"id": user["id"], "name": " ", "phone": "1"}}, account.token
    )
    assert sorted(codes(bad)) == [("name", "REQUIRED"), ("phone", "INVALID")]
    assert (await _user("teacher_li")).name == "李老师"


async def test_disabling_a_sub_user_ends_their_sessions_until_enabled(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    user = await create_sub_user(api, account.token, "teacher_li", 1)
    sub_token = await login_institution(api, "teacher_li")
    assert (await viewer(api, sub_token))["kind"] == "INSTITUTION_USER"

    disabled = await call(api, USER_DISABLE, {"id": user["id"]}, account.token)

    assert disabled["errors"] == []
    assert disabled["user"]["status"] == "DISABLED"
    assert (await viewer(api, sub_token))["kind"] == "ANONYMOUS"
    assert await top_level_error(api, USERS, {}, sub_token) == "UNAUTHENTICATED"
    assert codes(await login_payload(api, "teacher_li")) == [(None, "DISABLED")]
    assert codes(await login_payload(api, "teacher_li", "Wrong1234")) == [
        (None, "INVALID_CREDENTIALS")
    ]
    again = await call(api, USER_DISABLE, {"id": user["id"]}, account.token)
    assert codes(again) == [("id", "WRONG_STATE")]

    enabled = await call(api, USER_ENABLE, {"id": user["id"]}, account.token)

    assert enabled["errors"] == []
    assert enabled["user"]["status"] == "ACTIVE"
    assert (await _user("teacher_li")).status == InstitutionUserStatus.ACTIVE
    assert (await viewer(api, sub_token))["kind"] == "ANONYMOUS"  # the old session stays ended
    new_token = await login_institution(api, "teacher_li")
    assert (await viewer(api, new_token))["kind"] == "INSTITUTION_USER"
    disable_entry = await AuditEntry.get(action="institution_user.disable")
    assert (disable_entry.before, disable_entry.after) == (
        {"status": "active"}, {"status": "disabled"}
    )
    assert await AuditEntry.filter(action="institution_user.enable").count() == 1
    assert codes(await call(api, USER_ENABLE, {"id": user["id"]}, account.token)) == [
        ("id", "WRONG_STATE")
    ]


async def test_resetting_a_sub_user_password(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    user = await create_sub_user(api, account.token, "teacher_li", 1)
    old_session = await login_institution(api, "teacher_li")

    payload = await call(api, USER_RESET_PASSWORD, {"id": user["id"]}, account.token)

    assert payload["errors"] == []
    temporary = payload["password"]
    assert re.fullmatch(r"[A-Za-z0-9]{10}", temporary)
    assert re.search(r"\d", temporary) and re.search(r"[A-Za-z]", temporary)
    assert payload["user"]["id"] == user["id"]
    assert codes(await login_payload(api, "teacher_li", PASSWORD)) == [
        (None, "INVALID_CREDENTIALS")
    ]
    assert (await viewer(api, old_session))["kind"] == "ANONYMOUS"
    new_session = await login_institution(api, "teacher_li", temporary)
    assert (await viewer(api, new_session))["institutionUser"]["username"] == "teacher_li"
    entry = await AuditEntry.get(action="institution_user.reset_password")
    assert entry.object_id == (await _user("teacher_li")).id
    assert temporary not in str(entry.before) + str(entry.after)


async def test_deleting_a_sub_user(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    user = await create_sub_user(api, account.token, "teacher_li", 1)
    sub_token = await login_institution(api, "teacher_li")

    payload = await call(api, USER_DELETE, {"id": user["id"]}, account.token)

    assert payload == {"errors": [], "deletedId": user["id"]}
    assert not await InstitutionUser.exists(username="teacher_li")
    assert (await viewer(api, sub_token))["kind"] == "ANONYMOUS"
    assert codes(await login_payload(api, "teacher_li")) == [(None, "INVALID_CREDENTIALS")]
    entry = await AuditEntry.get(action="institution_user.delete")
    assert entry.before["username"] == "teacher_li"
    assert str(entry.object_id) == user["id"]
    again = await call(api, USER_DELETE, {"id": user["id"]}, account.token)
    assert codes(again) == [("id", "NOT_FOUND")]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (USER_DISABLE, lambda main_id: {"id": main_id}),
        (USER_RESET_PASSWORD, lambda main_id: {"id": main_id}),
        (USER_DELETE, lambda main_id: {"id": main_id}),
        (USER_UPDATE, lambda main_id: {"input": {"id": main_id, "name": "x", "phone": phone(5)}}),
    ],
    ids=["disable", "reset", "delete", "update"],
)
async def test_the_main_user_is_not_managed_as_a_sub_user(api, admin_token, query, variables):
    account = await approved_institution(api, admin_token, 1)
    main = await _user(account.username)

    payload = await call(api, query, variables(str(main.id)), account.token)

    assert codes(payload) == [("id", "NOT_ALLOWED")]
    after = await _user(account.username)
    assert (after.status, after.password_hash, after.name) == (
        main.status, main.password_hash, main.name
    )


SUB_USER_MUTATIONS = [
    ("create", USER_CREATE, lambda target: {"input": sub_user_input("newcomer", 9)}),
    ("update", USER_UPDATE,
     lambda target: {"input": {"id": target, "name": "改", "phone": phone(8)}}),
    ("disable", USER_DISABLE, lambda target: {"id": target}),
    ("enable", USER_ENABLE, lambda target: {"id": target}),
    ("reset", USER_RESET_PASSWORD, lambda target: {"id": target}),
    ("delete", USER_DELETE, lambda target: {"id": target}),
]


async def _users_state() -> list[tuple]:
    return await InstitutionUser.all().order_by("username").values_list(
        "username", "name", "phone", "status", "password_hash", "updated_at"
    )


@pytest.mark.parametrize(
    ("query", "variables"), [case[1:] for case in SUB_USER_MUTATIONS],
    ids=[case[0] for case in SUB_USER_MUTATIONS],
)
async def test_a_sub_user_cannot_manage_sub_users(api, admin_token, query, variables):
    account = await approved_institution(api, admin_token, 1)
    await create_sub_user(api, account.token, "teacher_a", 1)
    target = await create_sub_user(api, account.token, "teacher_b", 2)
    sub_token = await login_institution(api, "teacher_a")
    before = (await _users_state(), await AuditEntry.all().count())

    payload = await call(api, query, variables(target["id"]), sub_token)

    assert codes(payload) == [(None, "NOT_ALLOWED")]
    assert (await _users_state(), await AuditEntry.all().count()) == before


@pytest.mark.parametrize(
    ("query", "variables"), [case[1:] for case in SUB_USER_MUTATIONS[1:]],
    ids=[case[0] for case in SUB_USER_MUTATIONS[1:]],
)
async def test_another_institution_cannot_touch_our_sub_users(api, admin_token, query, variables):
    ours = await approved_institution(api, admin_token, 1)
    theirs = await approved_institution(api, admin_token, 2)
    target = await create_sub_user(api, ours.token, "teacher_a", 1)
    before = (await _users_state(), await AuditEntry.all().count())

    payload = await call(api, query, variables(target["id"]), theirs.token)

    assert codes(payload) == [("id", "NOT_FOUND")]
    assert (await _users_state(), await AuditEntry.all().count()) == before


# -- API tokens ----------------------------------------------------------------------------------


async def test_an_api_token_is_shown_once_and_acts_for_its_institution(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    other = await approved_institution(api, admin_token, 2)

    token_id, secret = await create_api_token(api, account.token, "教务系统")

    assert secret.startswith("cba_") and len(secret) > 40
    row = await ApiToken.get(id=token_id)
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(await AuditEntry.filter(action="api_token.create").values())
    type_fields = await call(api, '{ __type(name: "ApiToken") { fields { name } } }')
    assert {f["name"] for f in type_fields["fields"]} == {
        "id", "name", "createdAt", "lastUsedAt", "revokedAt"
    }

    me = await viewer(api, secret)
    assert me["kind"] == "API_TOKEN"
    assert me["name"] == f"{account.name} / 教务系统"
    assert me["institution"]["id"] == account.id
    assert me["institutionUser"] is None
    assert (await call(api, INSTITUTION, {"id": account.id}, secret))["name"] == account.name
    assert await top_level_error(api, INSTITUTION, {"id": other.id}, secret) == "NOT_FOUND"
    assert await top_level_error(api, INSTITUTIONS, {}, secret) == "FORBIDDEN"

    listed = await call(api, TOKENS, token=account.token)
    assert [(t["id"], t["name"], t["revokedAt"]) for t in listed] == [(token_id, "教务系统", None)]
    assert listed[0]["lastUsedAt"] is not None


async def test_a_revoked_api_token_stops_working_at_once(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    other = await approved_institution(api, admin_token, 2)
    token_id, secret = await create_api_token(api, account.token)
    assert (await viewer(api, secret))["kind"] == "API_TOKEN"

    not_theirs = await call(api, TOKEN_REVOKE, {"id": token_id}, other.token)
    assert codes(not_theirs) == [("id", "NOT_FOUND")]
    assert (await viewer(api, secret))["kind"] == "API_TOKEN"

    payload = await call(api, TOKEN_REVOKE, {"id": token_id}, account.token)

    assert payload["errors"] == []
    assert payload["apiToken"]["revokedAt"] is not None
    assert (await viewer(api, secret))["kind"] == "ANONYMOUS"
    assert await top_level_error(api, INSTITUTION, {"id": account.id}, secret) == (
        "UNAUTHENTICATED"
    )
    assert (await ApiToken.get(id=token_id)).revoked_at is not None
    assert codes(await call(api, TOKEN_REVOKE, {"id": token_id}, account.token)) == [
        ("id", "WRONG_STATE")
    ]
    assert await audit_actions() == [
        "administrator.create",
        "institution.register", "institution.approve",
        "institution.register", "institution.approve",
        "api_token.create", "api_token.revoke",
    ]


async def test_a_sub_user_cannot_create_api_tokens(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    await create_sub_user(api, account.token, "teacher_a", 1)
    sub_token = await login_institution(api, "teacher_a")

    payload = await call(api, "mutation { apiTokenCreate(name: \"x\") { errors { field code "
                         "message } token } }", token=sub_token)

    assert codes(payload) == [(None, "NOT_ALLOWED")]
    assert await ApiToken.all().count() == 0
    assert await top_level_error(api, TOKENS, {}, sub_token) == "NOT_ALLOWED"


async def test_an_api_token_cannot_manage_users_or_tokens(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    token_id, secret = await create_api_token(api, account.token)
    await viewer(api, secret)
    before = await _counts()

    assert await top_level_error(
        api, USER_CREATE, {"input": sub_user_input("robot_user", 1)}, secret
    ) == "FORBIDDEN"
    assert await top_level_error(
        api, "mutation { apiTokenCreate(name: \"x\") { token } }", {}, secret
    ) == "FORBIDDEN"
    assert await top_level_error(api, TOKEN_REVOKE, {"id": token_id}, secret) == "FORBIDDEN"
    assert await top_level_error(api, USERS, {}, secret) == "FORBIDDEN"

    assert await _counts() == before
    assert await ApiToken.filter(revoked_at=None).count() == 1


async def test_an_institution_keeps_at_most_twenty_live_api_tokens(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    ids = [(await create_api_token(api, account.token, f"系统{i}"))[0] for i in range(20)]

    refused = await call(api, "mutation { apiTokenCreate(name: \"多余\") { errors { field code "
                         "message } token } }", token=account.token)
    assert codes(refused) == [(None, "CONFLICT")]
    assert refused["token"] is None
    assert await ApiToken.all().count() == 20

    assert (await call(api, TOKEN_REVOKE, {"id": ids[0]}, account.token))["errors"] == []
    await create_api_token(api, account.token, "替换")
    assert await ApiToken.filter(revoked_at=None).count() == 20


async def test_an_api_token_needs_a_name(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    payload = await call(api, "mutation { apiTokenCreate(name: \" \") { errors { field code "
                         "message } token } }", token=account.token)
    assert codes(payload) == [("name", "REQUIRED")]
    assert payload["token"] is None
    assert await ApiToken.all().count() == 0


# -- the audit log -------------------------------------------------------------------------------


async def test_the_audit_log_shows_the_approval_before_and_after(api, admin_token):
    account = await register_institution(api, 1)
    other = await register_institution(api, 2)
    await approve(api, admin_token, account.id)
    await review(api, admin_token, other.id, False, "资质不符")
    admin_id = (await viewer(api, admin_token))["administratorUsername"]
    assert admin_id == "admin"

    institution_log = await call(api, AUDIT_LOG, {"action": "institution."}, admin_token)
    assert institution_log["totalCount"] == 4
    assert [e["action"] for e in institution_log["items"]] == [
        "institution.reject", "institution.approve", "institution.register",
        "institution.register",
    ]

    approvals = await call(api, AUDIT_LOG, {"action": "institution.approve"}, admin_token)
    (entry,) = approvals["items"]
    assert entry["objectId"] == account.id
    assert entry["objectType"] == "Institution"
    assert entry["institutionId"] == account.id
    assert (entry["actorKind"], entry["actorLabel"]) == ("administrator", "管理员")
    assert entry["before"] == {"status": "pending", "review_note": ""}
    assert entry["after"] == {"status": "approved", "review_note": ""}

    refusal = (await call(api, AUDIT_LOG, {"action": "institution.reject"}, admin_token))["items"]
    assert refusal[0]["after"] == {"status": "rejected", "review_note": "资质不符"}

    by_object = await call(api, AUDIT_LOG, {"objectId": other.id}, admin_token)
    assert [e["action"] for e in by_object["items"]] == [
        "institution.reject", "institution.register"
    ]
    by_actor = await call(api, AUDIT_LOG, {"actorId": entry["actorId"]}, admin_token)
    assert by_actor["totalCount"] == 2
    nothing = await call(api, AUDIT_LOG, {"action": "learner."}, admin_token)
    assert nothing == {"totalCount": 0, "items": []}
    timed = """query($since: DateTime, $until: DateTime) {
      auditLog(since: $since, until: $until, action: "institution.") { totalCount } }"""
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    assert (await call(api, timed, {"since": future}, admin_token))["totalCount"] == 0
    assert (await call(api, timed, {"until": future}, admin_token))["totalCount"] == 4
    # Times come back in UTC; fed back in, or typed as Beijing time without an offset, they
    # select the same entries.
    assert entry["at"].endswith("+00:00")
    assert (await call(api, timed, {"since": entry["at"]}, admin_token))["totalCount"] == 2
    local = beijing(dt.datetime.fromisoformat(entry["at"])).replace(tzinfo=None).isoformat()
    assert (await call(api, timed, {"since": local}, admin_token))["totalCount"] == 2
    assert (await call(api, timed, {"until": local}, admin_token))["totalCount"] == 2


async def test_audit_log_rejects_a_malformed_object_id(api, admin_token):
    response = await api.post(AUDIT_LOG, {"objectId": "nope"}, admin_token)
    assert response.json()["errors"][0]["extensions"] == {"code": "INVALID", "field": "objectId"}


async def test_only_administrators_read_the_audit_log_and_the_institution_list(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    await create_sub_user(api, account.token, "teacher_a", 1)
    sub_token = await login_institution(api, "teacher_a")
    _, api_token = await create_api_token(api, account.token)

    learner = await make_learner(1)
    learner_token = await login_learner(api, learner.phone)

    for token in (account.token, sub_token, api_token, learner_token):
        assert await top_level_error(api, AUDIT_LOG, {}, token) == "FORBIDDEN"
        assert await top_level_error(api, INSTITUTIONS, {}, token) == "FORBIDDEN"
    assert await top_level_error(api, INSTITUTION, {"id": account.id}, learner_token) == (
        "FORBIDDEN"
    )
    assert await top_level_error(api, AUDIT_LOG, {}, None) == "UNAUTHENTICATED"
    assert await top_level_error(api, INSTITUTIONS, {}, None) == "UNAUTHENTICATED"
    assert (await call(api, AUDIT_LOG, {}, admin_token))["totalCount"] == 5
