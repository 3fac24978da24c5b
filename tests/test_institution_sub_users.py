"""Institutions over HTTP: sub-users."""

from __future__ import annotations

import re

import pytest

from models import (
    AuditEntry,
    InstitutionUser,
    InstitutionUserStatus,
)
from tests.institution_fixtures import (
    PASSWORD,
    USER_CREATE,
    USER_DELETE,
    USER_DISABLE,
    USER_ENABLE,
    USER_RESET_PASSWORD,
    USER_UPDATE,
    USERS,
    approved_institution,
    call,
    codes,
    create_sub_user,
    credit_code,
    login_institution,
    login_payload,
    phone,
    register_institution,
    sub_user_input,
    top_level_error,
    viewer,
)
from tests.institution_http_fixtures import (
    _counts,
    _user,
)

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
        api,
        USER_CREATE,
        {"input": sub_user_input("ab", 1, phone="12345", password="short", name="")},
        account.token,
    )
    assert sorted(codes(payload)) == [
        ("name", "REQUIRED"),
        ("password", "INVALID"),
        ("phone", "INVALID"),
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
        api,
        USER_UPDATE,
        {"input": {"id": user["id"], "name": "李老师", "phone": phone(7, "186")}},
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
        {"status": "active"},
        {"status": "disabled"},
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
        main.status,
        main.password_hash,
        main.name,
    )


SUB_USER_MUTATIONS = [
    ("create", USER_CREATE, lambda target: {"input": sub_user_input("newcomer", 9)}),
    (
        "update",
        USER_UPDATE,
        lambda target: {"input": {"id": target, "name": "改", "phone": phone(8)}},
    ),
    ("disable", USER_DISABLE, lambda target: {"id": target}),
    ("enable", USER_ENABLE, lambda target: {"id": target}),
    ("reset", USER_RESET_PASSWORD, lambda target: {"id": target}),
    ("delete", USER_DELETE, lambda target: {"id": target}),
]


async def _users_state() -> list[tuple]:
    return (
        await InstitutionUser.all()
        .order_by("username")
        .values_list("username", "name", "phone", "status", "password_hash", "updated_at")
    )


@pytest.mark.parametrize(
    ("query", "variables"),
    [case[1:] for case in SUB_USER_MUTATIONS],
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
    ("query", "variables"),
    [case[1:] for case in SUB_USER_MUTATIONS[1:]],
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
