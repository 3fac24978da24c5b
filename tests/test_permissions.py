"""The permission matrix: every mutation against every kind of caller (SPEC §10).

An allowed call succeeds and changes exactly the tables it should; a refused one fails with the
expected code (top-level UNAUTHENTICATED / FORBIDDEN, or a payload error) and changes nothing at
all: every row of every table is compared before and after."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from graphql import build_schema
from strawberry.utils.str_converters import to_camel_case
from tortoise.models import Model

import models
from graphql_api.accounts.mutations import AccountMutation
from graphql_api.institutions.mutations import InstitutionMutation
from models import (
    ApiToken,
    Institution,
    InstitutionStatus,
    InstitutionUser,
    InstitutionUserStatus,
    Learner,
    SubjectKind,
    VerificationCode,
)
from resolvers.accounts.api_tokens import create_api_token
from resolvers.accounts.passwords import verify_password
from resolvers.accounts.sessions import authenticate, issue_session
from resolvers.core.actors import Actor, ActorKind
from tests.institution_fixtures import (
    FIELD_ERRORS,
    PASSWORD,
    credit_code,
    institution_info,
    login_institution,
    login_learner,
    make_institution,
    make_institution_user,
    make_learner,
    phone,
    registrant_info,
    resident_id,
    send_code,
    sub_user_input,
    viewer,
)

OK = "OK"
UNAUTHENTICATED = "UNAUTHENTICATED"  # top-level
FORBIDDEN = "FORBIDDEN"  # top-level
NOT_ALLOWED = "NOT_ALLOWED"  # payload
NOT_FOUND = "NOT_FOUND"  # payload
_TOP_LEVEL = {UNAUTHENTICATED, FORBIDDEN}

NEW_PASSWORD = "N3wPassword"
VIEWER_KIND = {
    "anonymous": "ANONYMOUS",
    "learner": "LEARNER",
    "other_learner": "LEARNER",
    "main": "INSTITUTION_USER",
    "sub": "INSTITUTION_USER",
    "other_main": "INSTITUTION_USER",
    "api_token": "API_TOKEN",
    "admin": "ADMINISTRATOR",
}


# -- the world -----------------------------------------------------------------------------------


@dataclass
class World:
    """An approved institution with its main user, an active and a disabled sub-user and an API
    token; a second approved institution; a pending one; two learners; an administrator."""

    institution: Institution
    main: InstitutionUser
    sub: InstitutionUser
    disabled_sub: InstitutionUser
    sub_session: str
    api_token_id: str
    api_token: str
    other_institution: Institution
    other_main: InstitutionUser
    pending: Institution
    learner: Learner
    other_learner: Learner
    admin_token: str
    tokens: dict[str, str | None] = field(default_factory=dict)

    def account(self, role: str) -> Learner | InstitutionUser:
        """The row of the person acting as ``role``."""
        accounts: dict[str, Learner | InstitutionUser] = {
            "learner": self.learner, "other_learner": self.other_learner, "main": self.main,
            "sub": self.sub, "other_main": self.other_main,
        }
        return accounts[role]


async def build_world(admin: str) -> World:
    institution, main = await make_institution(1)
    sub = await make_institution_user(institution, "sub_user_a", phone(1, "138"))
    disabled_sub = await make_institution_user(
        institution, "sub_user_b", phone(2, "138"), status=InstitutionUserStatus.DISABLED
    )
    sub_session, _ = await issue_session(SubjectKind.INSTITUTION_USER, sub.id)
    main_actor = Actor(ActorKind.INSTITUTION_USER, main.id, main.name,
                       institution_id=institution.id, institution_approved=True, is_main=True)
    token_row, secret = await create_api_token(main_actor, "教务系统")
    other_institution, other_main = await make_institution(2)
    pending, _ = await make_institution(3, InstitutionStatus.PENDING)
    return World(
        institution=institution, main=main, sub=sub, disabled_sub=disabled_sub,
        sub_session=sub_session, api_token_id=str(token_row.id), api_token=secret,
        other_institution=other_institution, other_main=other_main, pending=pending,
        learner=await make_learner(1), other_learner=await make_learner(2), admin_token=admin,
    )


async def token_for(api, world: World, role: str) -> str | None:
    """Log ``role`` in through the API (or use its token) and check who the API thinks it is."""
    logins: dict[str, Callable[[], Awaitable[str | None]]] = {
        "anonymous": _none,
        "learner": lambda: login_learner(api, world.learner.phone or ""),
        "other_learner": lambda: login_learner(api, world.other_learner.id_number),
        "main": lambda: login_institution(api, world.main.username),
        "sub": lambda: login_institution(api, world.sub.username),
        "other_main": lambda: login_institution(api, world.other_main.username),
        "api_token": lambda: _value(world.api_token),
        "admin": lambda: _value(world.admin_token),
    }
    token = await logins[role]()
    assert (await viewer(api, token))["kind"] == VIEWER_KIND[role]
    world.tokens[role] = token
    return token


async def _none() -> None:
    return None


async def _value(token: str) -> str:
    return token


# -- the state of every table --------------------------------------------------------------------

_MODELS: list[type[Model]] = [
    model for model in (getattr(models, name) for name in models.__all__)
    if isinstance(model, type) and issubclass(model, Model)
]


async def database_state() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary key order."""
    return {
        model._meta.db_table: await model.all().order_by(model._meta.pk_attr).values()
        for model in _MODELS
    }


def changed_tables(before: dict, after: dict) -> set[str]:
    return {table for table in before if before[table] != after[table]}


# -- the cases -----------------------------------------------------------------------------------

Variables = Callable[[Any, World, str], Awaitable[dict]]
Check = Callable[[Any, World, str, dict], Awaitable[None]]


@dataclass
class Case:
    """One mutation: how to call it as a role, who may, and what success changes."""

    name: str
    query: str
    outcomes: dict[str, str]
    changes: Callable[[str], set[str]]
    variables: Variables
    check: Check | None = None


def _mutation(name: str, arguments: str, selection: str = "") -> str:
    """``mutation($a: T!) { name(a: $a) { errors {...} selection } }`` from ``"$a: T!"``."""
    passed = ", ".join(
        f"{arg}: ${arg}" for arg in re.findall(r"\$(\w+)", arguments)
    )
    header = f"({arguments})" if arguments else ""
    field_call = f"{name}({passed})" if passed else name
    return f"mutation{header} {{ {field_call} {{ {FIELD_ERRORS} {selection} }} }}"


def _fixed(variables: dict) -> Variables:
    async def make(api, world: World, role: str) -> dict:
        return variables

    return make


def _tables(*names: str) -> Callable[[str], set[str]]:
    return lambda role: set(names)


def _password_change_tables(role: str) -> set[str]:
    """The sub-user has a second session (``World.sub_session``), which a password change ends."""
    tables = _account_tables("verification_code", "audit_entry")(role)
    return tables | {"session_token"} if role == "sub" else tables


def _account_tables(*names: str) -> Callable[[str], set[str]]:
    """The acting account's own table, and ``names``."""
    return lambda role: {"learner" if "learner" in role else "institution_user", *names}


EVERYONE = ("anonymous", "learner", "main", "sub", "api_token", "admin")
ACCOUNT_HOLDERS_ONLY = {
    "anonymous": UNAUTHENTICATED, "learner": OK, "main": OK, "sub": OK,
    "api_token": FORBIDDEN, "admin": FORBIDDEN,
}
MAIN_USER_ON_A_SUB_USER = {
    "anonymous": UNAUTHENTICATED, "learner": FORBIDDEN, "main": OK, "sub": NOT_ALLOWED,
    "other_main": NOT_FOUND, "api_token": FORBIDDEN, "admin": FORBIDDEN,
}


def _everyone() -> dict[str, str]:
    return dict.fromkeys(EVERYONE, OK)


# variables


async def _new_learner(api, world: World, role: str) -> dict:
    number = phone(60, "136")
    code = await send_code(api, number, "REGISTER")
    return {"input": {"name": "新学员", "idNumber": resident_id(60, "19880808"), "phone": number,
                      "password": PASSWORD, "code": code}}


async def _new_institution(api, world: World, role: str) -> dict:
    code = await send_code(api, phone(80))
    return {"input": {"registrant": registrant_info(80, code), "institution": institution_info(80)}}


async def _password_change(api, world: World, role: str) -> dict:
    code = "000000"
    if ACCOUNT_HOLDERS_ONLY.get(role) == OK:
        await _send_as(api, world, role, {"purpose": "CHANGE_PASSWORD"})
        code = api.last_code(world.account(role).phone)
    return {"input": {"oldPassword": PASSWORD, "newPassword": NEW_PASSWORD, "code": code}}


async def _phone_change(api, world: World, role: str) -> dict:
    new_phone, code = phone(70, "135"), "000000"
    if ACCOUNT_HOLDERS_ONLY.get(role) == OK:
        await _send_as(api, world, role, {"purpose": "CHANGE_PHONE", "phone": new_phone})
        code = api.last_code(new_phone)
    return {"input": {"password": PASSWORD, "newPhone": new_phone, "code": code}}


def _on_sub_user(attribute: str = "sub") -> Variables:
    async def make(api, world: World, role: str) -> dict:
        return {"id": str(getattr(world, attribute).id)}

    return make


async def _sub_user_update(api, world: World, role: str) -> dict:
    return {"input": {"id": str(world.sub.id), "name": "改名", "phone": phone(9, "186")}}


async def _pending(api, world: World, role: str) -> dict:
    return {"input": {"id": str(world.pending.id), "approve": True}}


async def _world_token(api, world: World, role: str) -> dict:
    return {"id": world.api_token_id}


# checks


async def _code_sent_to(number: str, purpose: str) -> None:
    assert await VerificationCode.filter(phone=number, purpose=purpose, used_at=None).count() == 1


async def _check_register_code(api, world: World, role: str, payload: dict) -> None:
    assert payload["phone"] == "136****0050"
    await _code_sent_to(phone(50, "136"), "register")


async def _check_own_code(api, world: World, role: str, payload: dict) -> None:
    number = world.account(role).phone or ""
    assert payload["phone"] == f"{number[:3]}****{number[-4:]}"
    await _code_sent_to(number, "change_password")


async def _check_new_phone_code(api, world: World, role: str, payload: dict) -> None:
    await _code_sent_to(phone(71, "135"), "change_phone")


async def _check_learner_registered(api, world: World, role: str, payload: dict) -> None:
    learner = await Learner.get(id_number=resident_id(60, "19880808"))
    assert (learner.name, learner.status.value) == ("新学员", "active")
    assert learner.phone == phone(60, "136")
    assert payload["token"]


async def _check_logged_in(api, world: World, role: str, payload: dict) -> None:
    assert payload["token"].startswith("cbs_")
    assert (await viewer(api, payload["token"]))["kind"] in ("LEARNER", "INSTITUTION_USER")


async def _check_logged_out(api, world: World, role: str, payload: dict) -> None:
    assert payload["ok"] is True
    assert (await viewer(api, world.tokens[role]))["kind"] == "ANONYMOUS"


async def _check_password_changed(api, world: World, role: str, payload: dict) -> None:
    assert payload["ok"] is True
    row = await type(world.account(role)).get(id=world.account(role).id)
    assert await verify_password(row.password_hash, NEW_PASSWORD)
    assert (await viewer(api, world.tokens[role]))["kind"] == VIEWER_KIND[role]
    if role == "sub":
        assert (await authenticate(world.sub_session)).kind == ActorKind.ANONYMOUS


async def _check_phone_changed(api, world: World, role: str, payload: dict) -> None:
    assert payload["phone"] == phone(70, "135")
    account = world.account(role)
    assert (await type(account).get(id=account.id)).phone == payload["phone"]


async def _check_profile(api, world: World, role: str, payload: dict) -> None:
    acting = world.account(role)
    bystander = world.other_learner if role == "learner" else world.learner
    assert (await Learner.get(id=acting.id)).occupation == "教师"
    assert (await Learner.get(id=bystander.id)).occupation == ""


async def _check_institution_registered(api, world: World, role: str, payload: dict) -> None:
    assert payload["username"] == credit_code(80)
    institution = await Institution.get(credit_code=credit_code(80))
    assert institution.status == InstitutionStatus.PENDING


async def _check_institution_updated(api, world: World, role: str, payload: dict) -> None:
    assert (await Institution.get(id=world.institution.id)).name == "改名学院"


async def _check_reviewed(api, world: World, role: str, payload: dict) -> None:
    assert (await Institution.get(id=world.pending.id)).status == InstitutionStatus.APPROVED


async def _check_user_created(api, world: World, role: str, payload: dict) -> None:
    user = await InstitutionUser.get(username="new_user")
    own = {"main": world.institution, "other_main": world.other_institution}[role]
    assert user.institution_id == own.id
    assert user.is_main is False


async def _check_sub_updated(api, world: World, role: str, payload: dict) -> None:
    assert (await InstitutionUser.get(id=world.sub.id)).name == "改名"


async def _check_sub_disabled(api, world: World, role: str, payload: dict) -> None:
    row = await InstitutionUser.get(id=world.sub.id)
    assert row.status == InstitutionUserStatus.DISABLED
    assert (await authenticate(world.sub_session)).kind == ActorKind.ANONYMOUS


async def _check_sub_enabled(api, world: World, role: str, payload: dict) -> None:
    row = await InstitutionUser.get(id=world.disabled_sub.id)
    assert row.status == InstitutionUserStatus.ACTIVE


async def _check_password_reset(api, world: World, role: str, payload: dict) -> None:
    row = await InstitutionUser.get(id=world.sub.id)
    assert await verify_password(row.password_hash, payload["password"])
    assert (await authenticate(world.sub_session)).kind == ActorKind.ANONYMOUS


async def _check_sub_deleted(api, world: World, role: str, payload: dict) -> None:
    assert payload["deletedId"] == str(world.sub.id)
    assert not await InstitutionUser.exists(id=world.sub.id)
    assert (await authenticate(world.sub_session)).kind == ActorKind.ANONYMOUS


async def _check_token_created(api, world: World, role: str, payload: dict) -> None:
    assert (await viewer(api, payload["token"]))["kind"] == "API_TOKEN"
    assert await ApiToken.filter(institution_id=world.institution.id).count() == 2


async def _check_token_revoked(api, world: World, role: str, payload: dict) -> None:
    assert (await viewer(api, world.api_token))["kind"] == "ANONYMOUS"


SEND_CODE_TO = _mutation(
    "verificationCodeSend", "$input: VerificationCodeSendInput!", "phone expiresAt"
)


async def _send_as(api, world: World, role: str, send_input: dict) -> None:
    """Send a code as ``role``, which must succeed."""
    response = await api.post(SEND_CODE_TO, {"input": send_input}, world.tokens[role])
    body = response.json()
    assert not body.get("errors") and body["data"]["verificationCodeSend"]["errors"] == [], body


def _send(purpose: str, number: str | None) -> dict:
    return {"input": {"purpose": purpose, "phone": number}}


CASES = [
    Case(
        "verificationCodeSend REGISTER", SEND_CODE_TO, _everyone(),
        _tables("verification_code"), _fixed(_send("REGISTER", phone(50, "136"))),
        _check_register_code,
    ),
    Case(
        "verificationCodeSend CHANGE_PASSWORD", SEND_CODE_TO,
        {**ACCOUNT_HOLDERS_ONLY, "api_token": NOT_ALLOWED, "admin": NOT_ALLOWED},
        _tables("verification_code"), _fixed(_send("CHANGE_PASSWORD", None)), _check_own_code,
    ),
    Case(
        "verificationCodeSend CHANGE_PHONE", SEND_CODE_TO,
        {**ACCOUNT_HOLDERS_ONLY, "api_token": NOT_ALLOWED, "admin": NOT_ALLOWED},
        _tables("verification_code"), _fixed(_send("CHANGE_PHONE", phone(71, "135"))),
        _check_new_phone_code,
    ),
    Case(
        "learnerRegister",
        _mutation("learnerRegister", "$input: LearnerRegisterInput!", "token learner { id }"),
        _everyone(), _tables("learner", "verification_code", "audit_entry", "session_token"),
        _new_learner, _check_learner_registered,
    ),
    Case(
        "learnerLogin", _mutation("learnerLogin", "$input: LoginInput!", "token"), _everyone(),
        _tables("session_token"),
        _fixed({"input": {"account": phone(1, "137"), "password": PASSWORD}}), _check_logged_in,
    ),
    Case(
        "logout", _mutation("logout", "", "ok"),
        {"anonymous": UNAUTHENTICATED, "learner": OK, "main": OK, "sub": OK,
         "api_token": NOT_ALLOWED, "admin": OK},
        _tables("session_token"), _fixed({}), _check_logged_out,
    ),
    Case(
        "accountPasswordChange",
        _mutation("accountPasswordChange", "$input: PasswordChangeInput!", "ok"),
        ACCOUNT_HOLDERS_ONLY, _password_change_tables, _password_change, _check_password_changed,
    ),
    Case(
        "accountPhoneChange",
        _mutation("accountPhoneChange", "$input: PhoneChangeInput!", "phone"),
        ACCOUNT_HOLDERS_ONLY, _account_tables("verification_code", "audit_entry"),
        _phone_change, _check_phone_changed,
    ),
    Case(
        "learnerProfileUpdate",
        _mutation("learnerProfileUpdate", "$input: LearnerProfileInput!", "learner { id }"),
        {"anonymous": UNAUTHENTICATED, "learner": OK, "other_learner": OK, "main": FORBIDDEN,
         "sub": FORBIDDEN, "api_token": FORBIDDEN, "admin": FORBIDDEN},
        _tables("learner", "audit_entry"), _fixed({"input": {"occupation": "教师"}}),
        _check_profile,
    ),
    Case(
        "institutionRegister",
        _mutation("institutionRegister", "$input: InstitutionRegisterInput!", "username"),
        _everyone(), _tables("institution", "institution_user", "verification_code", "audit_entry"),
        _new_institution, _check_institution_registered,
    ),
    Case(
        "institutionLogin", _mutation("institutionLogin", "$input: LoginInput!", "token"),
        _everyone(), _tables("session_token"),
        _fixed({"input": {"account": credit_code(1), "password": PASSWORD}}), _check_logged_in,
    ),
    Case(
        "institutionUpdate",
        _mutation("institutionUpdate", "$input: InstitutionInfoInput!", "institution { id }"),
        # The other institution's main user sends our credit code: refused, nothing changes.
        {"anonymous": UNAUTHENTICATED, "learner": FORBIDDEN, "main": OK, "sub": NOT_ALLOWED,
         "other_main": NOT_ALLOWED, "api_token": FORBIDDEN, "admin": FORBIDDEN},
        _tables("institution", "audit_entry"),
        _fixed({"input": institution_info(1, name="改名学院")}), _check_institution_updated,
    ),
    Case(
        "institutionReview",
        _mutation("institutionReview", "$input: InstitutionReviewInput!", "institution { id }"),
        {"anonymous": UNAUTHENTICATED, "learner": FORBIDDEN, "main": FORBIDDEN,
         "sub": FORBIDDEN, "api_token": FORBIDDEN, "admin": OK},
        _tables("institution", "audit_entry"), _pending, _check_reviewed,
    ),
    Case(
        "institutionUserCreate",
        _mutation("institutionUserCreate", "$input: SubUserCreateInput!", "user { id }"),
        # The other main user may add a user, but to their own institution.
        {**MAIN_USER_ON_A_SUB_USER, "other_main": OK},
        _tables("institution_user", "audit_entry"),
        _fixed({"input": sub_user_input("new_user", 9)}), _check_user_created,
    ),
    Case(
        "institutionUserUpdate",
        _mutation("institutionUserUpdate", "$input: SubUserUpdateInput!", "user { id }"),
        MAIN_USER_ON_A_SUB_USER, _tables("institution_user", "audit_entry"),
        _sub_user_update, _check_sub_updated,
    ),
    Case(
        "institutionUserDisable", _mutation("institutionUserDisable", "$id: ID!", "user { id }"),
        MAIN_USER_ON_A_SUB_USER, _tables("institution_user", "audit_entry", "session_token"),
        _on_sub_user(), _check_sub_disabled,
    ),
    Case(
        "institutionUserEnable", _mutation("institutionUserEnable", "$id: ID!", "user { id }"),
        MAIN_USER_ON_A_SUB_USER, _tables("institution_user", "audit_entry"),
        _on_sub_user("disabled_sub"), _check_sub_enabled,
    ),
    Case(
        "institutionUserResetPassword",
        _mutation("institutionUserResetPassword", "$id: ID!", "password"),
        MAIN_USER_ON_A_SUB_USER, _tables("institution_user", "audit_entry", "session_token"),
        _on_sub_user(), _check_password_reset,
    ),
    Case(
        "institutionUserDelete", _mutation("institutionUserDelete", "$id: ID!", "deletedId"),
        MAIN_USER_ON_A_SUB_USER, _tables("institution_user", "audit_entry", "session_token"),
        _on_sub_user(), _check_sub_deleted,
    ),
    Case(
        "apiTokenCreate", _mutation("apiTokenCreate", "$name: String!", "token"),
        {"anonymous": UNAUTHENTICATED, "learner": FORBIDDEN, "main": OK, "sub": NOT_ALLOWED,
         "api_token": FORBIDDEN, "admin": FORBIDDEN},
        _tables("api_token", "audit_entry"), _fixed({"name": "数据中心"}), _check_token_created,
    ),
    Case(
        "apiTokenRevoke", _mutation("apiTokenRevoke", "$id: ID!", "apiToken { revokedAt }"),
        MAIN_USER_ON_A_SUB_USER, _tables("api_token", "audit_entry"),
        _world_token, _check_token_revoked,
    ),
]

PAIRS = [(case, role) for case in CASES for role in case.outcomes]


def test_every_account_and_institution_mutation_is_in_the_matrix():
    """Accounts and institutions are covered here; each later domain keeps its own matrix."""
    schema = build_schema((Path(__file__).parent.parent / "schema.graphql").read_text())
    assert schema.mutation_type is not None
    domain = {
        field.python_name
        for cls in (AccountMutation, InstitutionMutation)
        for field in cls.__strawberry_definition__.fields
    }
    names = {to_camel_case(name) for name in domain}
    assert names <= set(schema.mutation_type.fields)
    covered = {case.name.split()[0] for case in CASES}
    assert names == covered


@pytest.mark.parametrize(
    ("case", "role"), PAIRS, ids=[f"{case.name}-{role}" for case, role in PAIRS]
)
async def test_permission(api, admin_token, case: Case, role: str):
    world = await build_world(admin_token)
    token = await token_for(api, world, role)
    variables = await case.variables(api, world, role)
    expected = case.outcomes[role]
    before = await database_state()

    response = await api.post(case.query, variables, token)

    body = response.json()
    assert response.status_code == 200, body
    after = await database_state()
    root = case.name.split()[0]
    if expected in _TOP_LEVEL:
        assert body["data"] is None, body
        assert [e["extensions"]["code"] for e in body["errors"]] == [expected], body
    else:
        assert not body.get("errors"), body
        payload = body["data"][root]
        if expected == OK:
            assert payload["errors"] == [], payload
        else:
            assert [e["code"] for e in payload["errors"]] == [expected], payload
    if expected == OK:
        assert changed_tables(before, after) == case.changes(role)
        assert case.check is not None
        await case.check(api, world, role, payload)
    else:
        assert changed_tables(before, after) == set()
