"""Institutions over HTTP: registration, review by an administrator, and what an institution
may do before approval."""

from __future__ import annotations

import asyncio

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
from tests.institution_fixtures import (
    INSTITUTION,
    INSTITUTIONS,
    PASSWORD,
    USER_CREATE,
    approve,
    call,
    codes,
    credit_code,
    institution_info,
    login_institution,
    phone,
    register_institution,
    register_payload,
    registrant_info,
    resident_id,
    review,
    send_code,
    sub_user_input,
    viewer,
)
from tests.institution_http_fixtures import (
    _counts,
)

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
        credit_code(1),
        "张注册1",
        number,
        True,
    )
    assert main.status == InstitutionUserStatus.ACTIVE
    assert PASSWORD not in main.password_hash

    entry = await AuditEntry.get(action="institution.register")
    assert entry.object_type == "Institution"
    assert entry.object_id == institution.id
    assert entry.institution_id == institution.id
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == (
        "institution_user",
        main.id,
        "张注册1",
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
    (
        "credit code check char",
        {},
        {"creditCode": _broken_credit_code()},
        "institution.creditCode",
        "INVALID",
    ),
    (
        "credit code with the letter O",
        {},
        {"creditCode": "91320100MA0000O01X"},
        "institution.creditCode",
        "INVALID",
    ),
    ("email", {}, {"contactEmail": "contact.school.edu.cn"}, "institution.contactEmail", "INVALID"),
    ("postcode", {}, {"postcode": "21000"}, "institution.postcode", "INVALID"),
    ("contact phone", {}, {"contactPhone": "02583592000"}, "institution.contactPhone", "INVALID"),
    (
        "missing legal representative",
        {},
        {"legalRepresentative": "  "},
        "institution.legalRepresentative",
        "REQUIRED",
    ),
    ("missing name", {}, {"name": ""}, "institution.name", "REQUIRED"),
    ("name too long", {}, {"name": "学" * 101}, "institution.name", "TOO_LONG"),
    (
        "registrant ID check digit",
        {"idNumber": _broken_resident_id()},
        {},
        "registrant.idNumber",
        "INVALID",
    ),
    ("registrant ID length", {"idNumber": "32010219900101"}, {}, "registrant.idNumber", "INVALID"),
    (
        "registrant password without digits",
        {"password": "onlyletters"},
        {},
        "registrant.password",
        "INVALID",
    ),
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
        InstitutionStatus.REJECTED,
        "营业执照不清晰",
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
        "南京开放大学",
        "苏州职业学院",
        "南京工业职业技术大学",
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
        "id": account.id,
        "name": account.name,
        "status": "REJECTED" if refused else "PENDING",
    }
    assert me["institutionUser"]["isMain"] is True
    assert (await call(api, INSTITUTION, {"id": account.id}, token))["creditCode"] == (
        account.credit_code
    )

    added = await call(api, USER_CREATE, {"input": sub_user_input("teacher1", 1)}, token)
    assert codes(added) == [(None, "NOT_APPROVED")]
    assert added["user"] is None
    minted = await call(
        api,
        'mutation { apiTokenCreate(name: "x") { errors { field code message } token } }',
        token=token,
    )
    assert codes(minted) == [(None, "NOT_APPROVED")]
    assert await InstitutionUser.all().count() == 1
    assert await ApiToken.all().count() == 0
