"""Institutions over HTTP: API tokens."""

from __future__ import annotations

import hashlib

from models import (
    ApiToken,
    AuditEntry,
)
from tests.institution_fixtures import (
    INSTITUTION,
    INSTITUTIONS,
    TOKEN_REVOKE,
    TOKENS,
    USER_CREATE,
    USERS,
    approved_institution,
    audit_actions,
    call,
    codes,
    create_api_token,
    create_sub_user,
    login_institution,
    sub_user_input,
    top_level_error,
    viewer,
)
from tests.institution_http_fixtures import (
    _counts,
)

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
        "id",
        "name",
        "createdAt",
        "lastUsedAt",
        "revokedAt",
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
        "institution.register",
        "institution.approve",
        "institution.register",
        "institution.approve",
        "api_token.create",
        "api_token.revoke",
    ]


async def test_a_sub_user_cannot_create_api_tokens(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    await create_sub_user(api, account.token, "teacher_a", 1)
    sub_token = await login_institution(api, "teacher_a")

    payload = await call(
        api,
        'mutation { apiTokenCreate(name: "x") { errors { field code message } token } }',
        token=sub_token,
    )

    assert codes(payload) == [(None, "NOT_ALLOWED")]
    assert await ApiToken.all().count() == 0
    assert await top_level_error(api, TOKENS, {}, sub_token) == "NOT_ALLOWED"


async def test_an_api_token_cannot_manage_users_or_tokens(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    token_id, secret = await create_api_token(api, account.token)
    await viewer(api, secret)
    before = await _counts()

    assert (
        await top_level_error(api, USER_CREATE, {"input": sub_user_input("robot_user", 1)}, secret)
        == "FORBIDDEN"
    )
    assert (
        await top_level_error(api, 'mutation { apiTokenCreate(name: "x") { token } }', {}, secret)
        == "FORBIDDEN"
    )
    assert await top_level_error(api, TOKEN_REVOKE, {"id": token_id}, secret) == "FORBIDDEN"
    assert await top_level_error(api, USERS, {}, secret) == "FORBIDDEN"

    assert await _counts() == before
    assert await ApiToken.filter(revoked_at=None).count() == 1


async def test_an_institution_keeps_at_most_twenty_live_api_tokens(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    ids = [(await create_api_token(api, account.token, f"系统{i}"))[0] for i in range(20)]

    refused = await call(
        api,
        'mutation { apiTokenCreate(name: "多余") { errors { field code message } token } }',
        token=account.token,
    )
    assert codes(refused) == [(None, "CONFLICT")]
    assert refused["token"] is None
    assert await ApiToken.all().count() == 20

    assert (await call(api, TOKEN_REVOKE, {"id": ids[0]}, account.token))["errors"] == []
    await create_api_token(api, account.token, "替换")
    assert await ApiToken.filter(revoked_at=None).count() == 20


async def test_an_api_token_needs_a_name(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    payload = await call(
        api,
        'mutation { apiTokenCreate(name: " ") { errors { field code message } token } }',
        token=account.token,
    )
    assert codes(payload) == [("name", "REQUIRED")]
    assert payload["token"] is None
    assert await ApiToken.all().count() == 0
