"""Institutions over HTTP: the institution's own information."""

from __future__ import annotations

from models import (
    AuditEntry,
    Institution,
)
from tests.institution_fixtures import (
    INSTITUTION,
    UPDATE,
    approved_institution,
    call,
    codes,
    credit_code,
    institution_info,
    login_institution,
    register_institution,
)

# -- institution information ---------------------------------------------------------------------


async def test_main_user_updates_the_institution_information(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    info = institution_info(
        1, name="江苏测试职业学院", contactEmail="office@jstest.edu.cn", introduction="更新后的简介"
    )

    payload = await call(api, UPDATE, {"input": info}, account.token)

    assert payload["errors"] == []
    assert payload["institution"]["name"] == "江苏测试职业学院"
    assert payload["institution"]["status"] == "APPROVED"
    institution = await Institution.get(id=account.id)
    assert (institution.name, institution.contact_email, institution.introduction) == (
        "江苏测试职业学院",
        "office@jstest.edu.cn",
        "更新后的简介",
    )
    entry = await AuditEntry.get(action="institution.update")
    assert entry.before == {
        "name": "江苏测试学院1",
        "contact_email": "contact1@school1.edu.cn",
        "introduction": "",
    }
    assert entry.after == {
        "name": "江苏测试职业学院",
        "contact_email": "office@jstest.edu.cn",
        "introduction": "更新后的简介",
    }
    assert entry.object_id == institution.id


async def test_the_credit_code_cannot_change(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    audit_before = await AuditEntry.all().count()

    payload = await call(
        api,
        UPDATE,
        {"input": institution_info(1, creditCode=credit_code(9), name="改名")},
        account.token,
    )

    assert codes(payload) == [("institution.creditCode", "NOT_ALLOWED")]
    institution = await Institution.get(id=account.id)
    assert (institution.credit_code, institution.name) == (credit_code(1), "江苏测试学院1")
    assert await AuditEntry.all().count() == audit_before


async def test_update_validates_fields_like_registration(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    payload = await call(
        api,
        UPDATE,
        {"input": institution_info(1, postcode="2100001", contactEmail="@")},
        account.token,
    )
    assert sorted(codes(payload)) == [
        ("institution.contactEmail", "INVALID"),
        ("institution.postcode", "INVALID"),
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
