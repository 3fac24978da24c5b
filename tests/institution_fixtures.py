"""Institutions, their users, API tokens, administrators and learners for tests.

Import what a test module needs; the ``admin_token`` fixture is in conftest.py.

Most helpers drive the GraphQL API as a client would; ``make_institution`` and ``make_learner``
write rows directly, for tests that only need the state (the permission matrix)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from models import (
    AuditEntry,
    IdType,
    Institution,
    InstitutionKind,
    InstitutionStatus,
    InstitutionUser,
    Learner,
    LearnerStatus,
)
from resolvers.accounts.learners import create_with_card
from resolvers.accounts.passwords import hash_password
from resolvers.core.validation import credit_code_check_char, resident_id_check_char

PASSWORD = "Passw0rd1"

FIELD_ERRORS = "errors { field code message }"
INSTITUTION_FIELDS = (
    "id name creditCode kind status statusLabel reviewNote reviewedAt registrantName "
    "contactPerson contactPhone contactEmail postcode address businessScope introduction"
)
USER_FIELDS = "id username name isMain status phone institution { id }"
TOKEN_FIELDS = "id name createdAt lastUsedAt revokedAt"

SEND_CODE = f"""
mutation Send($input: VerificationCodeSendInput!) {{
  verificationCodeSend(input: $input) {{ {FIELD_ERRORS} phone expiresAt }}
}}"""
REGISTER = f"""
mutation Register($input: InstitutionRegisterInput!) {{
  institutionRegister(input: $input) {{
    {FIELD_ERRORS} institution {{ {INSTITUTION_FIELDS} }} username
  }}
}}"""
LOGIN = f"""
mutation Login($input: LoginInput!) {{
  institutionLogin(input: $input) {{ {FIELD_ERRORS} token }}
}}"""
LEARNER_LOGIN = f"""
mutation Login($input: LoginInput!) {{
  learnerLogin(input: $input) {{ {FIELD_ERRORS} token }}
}}"""
REVIEW = f"""
mutation Review($input: InstitutionReviewInput!) {{
  institutionReview(input: $input) {{ {FIELD_ERRORS} institution {{ {INSTITUTION_FIELDS} }} }}
}}"""
UPDATE = f"""
mutation Update($input: InstitutionInfoInput!) {{
  institutionUpdate(input: $input) {{ {FIELD_ERRORS} institution {{ {INSTITUTION_FIELDS} }} }}
}}"""
USER_CREATE = f"""
mutation Create($input: SubUserCreateInput!) {{
  institutionUserCreate(input: $input) {{ {FIELD_ERRORS} user {{ {USER_FIELDS} }} }}
}}"""
USER_UPDATE = f"""
mutation Update($input: SubUserUpdateInput!) {{
  institutionUserUpdate(input: $input) {{ {FIELD_ERRORS} user {{ {USER_FIELDS} }} }}
}}"""
USER_DISABLE = f"""
mutation Disable($id: ID!) {{
  institutionUserDisable(id: $id) {{ {FIELD_ERRORS} user {{ {USER_FIELDS} }} }}
}}"""
USER_ENABLE = f"""
mutation Enable($id: ID!) {{
  institutionUserEnable(id: $id) {{ {FIELD_ERRORS} user {{ {USER_FIELDS} }} }}
}}"""
USER_RESET_PASSWORD = f"""
mutation Reset($id: ID!) {{
  institutionUserResetPassword(id: $id) {{ {FIELD_ERRORS} user {{ {USER_FIELDS} }} password }}
}}"""
USER_DELETE = f"""
mutation Delete($id: ID!) {{
  institutionUserDelete(id: $id) {{ {FIELD_ERRORS} deletedId }}
}}"""
TOKEN_CREATE = f"""
mutation Create($name: String!) {{
  apiTokenCreate(name: $name) {{ {FIELD_ERRORS} apiToken {{ {TOKEN_FIELDS} }} token }}
}}"""
TOKEN_REVOKE = f"""
mutation Revoke($id: ID!) {{
  apiTokenRevoke(id: $id) {{ {FIELD_ERRORS} apiToken {{ {TOKEN_FIELDS} }} }}
}}"""
VIEWER = f"""
{{ viewer {{ kind name administratorUsername
    institutionUser {{ {USER_FIELDS} }}
    institution {{ id name status }} }} }}"""
INSTITUTION = f"query One($id: ID!) {{ institution(id: $id) {{ {INSTITUTION_FIELDS} }} }}"
INSTITUTIONS = f"""
query List($status: InstitutionStatus, $name: String, $page: Int! = 1, $pageSize: Int! = 20) {{
  institutions(status: $status, name: $name, page: $page, pageSize: $pageSize) {{
    totalCount page pageSize items {{ {INSTITUTION_FIELDS} }}
  }}
}}"""
USERS = f"""
query Users($status: InstitutionUserStatus, $page: Int! = 1, $pageSize: Int! = 20) {{
  institutionUsers(status: $status, page: $page, pageSize: $pageSize) {{
    totalCount page pageSize items {{ {USER_FIELDS} }}
  }}
}}"""
TOKENS = f"{{ apiTokens {{ {TOKEN_FIELDS} }} }}"
AUDIT_LOG = """
query Audit($action: String, $objectId: ID, $actorId: ID, $page: Int! = 1, $pageSize: Int! = 50) {
  auditLog(action: $action, objectId: $objectId, actorId: $actorId, page: $page,
           pageSize: $pageSize) {
    totalCount
    items { id at actorKind actorId actorLabel institutionId action objectType objectId
            before after }
  }
}"""


# -- valid identifiers ---------------------------------------------------------------------------


def credit_code(n: int) -> str:
    """A valid unified social credit code (GB 32100), different for every ``n``."""
    first17 = f"91320100MA{n:07d}"
    return first17 + credit_code_check_char(first17)


def resident_id(n: int, birth: str = "19900101") -> str:
    """A valid resident ID number (GB 11643), different for every ``n``."""
    first17 = f"320102{birth}{n:03d}"
    return first17 + resident_id_check_char(first17)


def phone(n: int, prefix: str = "139") -> str:
    """``phone(1)`` is ``13900000001``, shown masked as ``139****0001``."""
    return f"{prefix}{n:08d}"


def masked(number: str) -> str:
    return f"{number[:3]}****{number[-4:]}"


# -- calling the API -----------------------------------------------------------------------------


def only(data: dict) -> Any:
    """The value of the single root field of a response's ``data``."""
    (value,) = data.values()
    return value


def codes(payload: dict) -> list[tuple[str | None, str]]:
    """The (field, code) pairs of a payload's errors, every message checked to be non-empty."""
    assert all(error["message"] for error in payload["errors"]), payload["errors"]
    return [(error["field"], error["code"]) for error in payload["errors"]]


async def call(api, query: str, variables: dict | None = None, token: str | None = None) -> Any:
    """The payload of a mutation (or the result of a query) that must not fail at the top level."""
    return only(await api.gql(query, variables, token=token))


async def top_level_error(
    api, query: str, variables: dict | None = None, token: str | None = None
) -> str:
    """The ``extensions.code`` of the one top-level error a request must fail with."""
    response = await api.post(query, variables, token)
    body = response.json()
    assert response.status_code == 200, body
    assert len(body.get("errors") or []) == 1, body
    return body["errors"][0]["extensions"]["code"]


OK = "OK"
TOP_LEVEL = {"UNAUTHENTICATED", "FORBIDDEN"}


async def check_outcome(
    api,
    query: str,
    data: dict,
    token: str | None,
    expected: str,
    rows: Callable[[], Awaitable[Any]],
    role: str = "",
) -> None:
    """One cell of a permission table: the call as this caller succeeds (``OK``), fails at the
    top level (UNAUTHENTICATED / FORBIDDEN) or with one payload error of code ``expected``; a
    refused call leaves ``rows()`` (the tables it could write) as they were."""
    before = await rows()
    if expected in TOP_LEVEL:
        assert await top_level_error(api, query, data, token) == expected, role
    else:
        payload = await call(api, query, data, token)
        if expected == OK:
            assert payload["errors"] == [], (role, payload)
            return
        assert [code for _, code in codes(payload)] == [expected], (role, payload)
    assert await rows() == before, role


async def send_code(
    api, number: str, purpose: str = "INSTITUTION_REGISTER", token: str | None = None
) -> str:
    """Send a code of ``purpose`` to ``number`` and read it from the fake SMS sender."""
    payload = await call(api, SEND_CODE, {"input": {"purpose": purpose, "phone": number}}, token)
    assert payload["errors"] == [], payload
    assert payload["phone"] == masked(number)
    return api.last_code(number)


# -- institutions --------------------------------------------------------------------------------


@dataclass
class InstitutionAccount:
    """An institution as its main user knows it."""

    id: str
    credit_code: str
    name: str
    phone: str
    password: str = PASSWORD
    token: str | None = None

    @property
    def username(self) -> str:
        """The main user's login account (登录账号) is the credit code."""
        return self.credit_code


def institution_info(n: int = 1, **overrides: Any) -> dict:
    """A valid ``InstitutionInfoInput``."""
    info = {
        "name": f"江苏测试学院{n}",
        "creditCode": credit_code(n),
        "kind": "SCHOOL",
        "legalRepresentative": "王法人",
        "contactPerson": "李联系",
        "contactPhone": phone(n, "151"),
        "contactEmail": f"contact{n}@school{n}.edu.cn",
        "postcode": "210000",
        "address": "南京市鼓楼区北京西路1号",
        "businessScope": "高等职业教育",
    }
    info.update(overrides)
    return info


def registrant_info(n: int = 1, code: str = "", **overrides: Any) -> dict:
    """A valid ``RegistrantInput`` whose phone is ``phone(n)``."""
    registrant = {
        "name": f"张注册{n}",
        "idType": "RESIDENT_ID",
        "idNumber": resident_id(n),
        "phone": phone(n),
        "password": PASSWORD,
        "code": code,
    }
    registrant.update(overrides)
    return registrant


async def register_payload(api, registrant: dict, info: dict) -> dict:
    return await call(api, REGISTER, {"input": {"registrant": registrant, "institution": info}})


async def register_institution(api, n: int = 1, **info_overrides: Any) -> InstitutionAccount:
    """Register institution ``n`` through the API (code sent to ``phone(n)``); it is pending."""
    number = phone(n)
    code = await send_code(api, number)
    payload = await register_payload(
        api, registrant_info(n, code), institution_info(n, **info_overrides)
    )
    assert payload["errors"] == [], payload
    institution = payload["institution"]
    assert payload["username"] == institution["creditCode"]
    return InstitutionAccount(
        id=institution["id"],
        credit_code=institution["creditCode"],
        name=institution["name"],
        phone=number,
    )


async def login_payload(api, account: str, password: str = PASSWORD) -> dict:
    return await call(api, LOGIN, {"input": {"account": account, "password": password}})


async def login_institution(api, account: str, password: str = PASSWORD) -> str:
    """A session token of an institution user."""
    payload = await login_payload(api, account, password)
    assert payload["errors"] == [], payload
    assert payload["token"].startswith("cbs_")
    return payload["token"]


async def review(api, admin_token: str, institution_id: str, approve: bool, note: str = "") -> dict:
    variables = {"input": {"id": institution_id, "approve": approve, "note": note}}
    return await call(api, REVIEW, variables, admin_token)


async def approve(api, admin_token: str, institution_id: str) -> dict:
    """Approve a pending institution; returns it."""
    payload = await review(api, admin_token, institution_id, True)
    assert payload["errors"] == [], payload
    assert payload["institution"]["status"] == "APPROVED"
    return payload["institution"]


async def approved_institution(api, admin_token: str, n: int = 1) -> InstitutionAccount:
    """Institution ``n``, registered, approved, its main user logged in (``.token``)."""
    account = await register_institution(api, n)
    await approve(api, admin_token, account.id)
    account.token = await login_institution(api, account.username)
    return account


def sub_user_input(username: str, n: int, **overrides: Any) -> dict:
    """A valid ``SubUserCreateInput`` whose phone is ``phone(n, "138")``."""
    data = {
        "username": username,
        "name": f"子用户{n}",
        "phone": phone(n, "138"),
        "password": PASSWORD,
    }
    data.update(overrides)
    return data


async def create_sub_user(api, main_token: str, username: str, n: int = 1) -> dict:
    """Add a sub-user through the API; returns the ``InstitutionUser``."""
    payload = await call(api, USER_CREATE, {"input": sub_user_input(username, n)}, main_token)
    assert payload["errors"] == [], payload
    return payload["user"]


async def create_api_token(api, main_token: str, name: str = "教务系统") -> tuple[str, str]:
    """A new API token: its id and the secret, shown only now."""
    payload = await call(api, TOKEN_CREATE, {"name": name}, main_token)
    assert payload["errors"] == [], payload
    return payload["apiToken"]["id"], payload["token"]


async def viewer(api, token: str | None) -> dict:
    return await call(api, VIEWER, token=token)


async def audit_actions() -> list[str]:
    """Every audit action recorded so far, oldest first."""
    return [entry.action for entry in await AuditEntry.all().order_by("at", "id")]


# -- rows written directly -----------------------------------------------------------------------

_hashes: dict[str, str] = {}


async def password_hash(password: str = PASSWORD) -> str:
    """The Argon2 hash of ``password``, computed once per test session."""
    if password not in _hashes:
        _hashes[password] = await hash_password(password)
    return _hashes[password]


async def make_institution(
    n: int, status: InstitutionStatus = InstitutionStatus.APPROVED
) -> tuple[Institution, InstitutionUser]:
    """Institution ``n`` and its main user (login ``credit_code(n)``, password ``PASSWORD``)."""
    info = institution_info(n)
    institution = await Institution.create(
        name=info["name"],
        credit_code=info["creditCode"],
        kind=InstitutionKind.SCHOOL,
        legal_representative=info["legalRepresentative"],
        contact_person=info["contactPerson"],
        contact_phone=info["contactPhone"],
        contact_email=info["contactEmail"],
        postcode=info["postcode"],
        address=info["address"],
        business_scope=info["businessScope"],
        registrant_name=f"张注册{n}",
        registrant_id_type=IdType.RESIDENT_ID.value,
        registrant_id_number=resident_id(n),
        status=status,
    )
    main = await make_institution_user(institution, info["creditCode"], phone(n), is_main=True)
    return institution, main


async def make_institution_user(
    institution: Institution, username: str, number: str, *, is_main: bool = False, **values: Any
) -> InstitutionUser:
    return await InstitutionUser.create(
        institution=institution,
        username=username,
        name=f"用户{username[-4:]}",
        phone=number,
        password_hash=await password_hash(),
        is_main=is_main,
        **values,
    )


async def make_learner(n: int, name: str | None = None) -> Learner:
    """An active learner: ID number ``resident_id(n, "19950505")``, phone ``phone(n, "137")``,
    password ``PASSWORD``."""
    return await create_with_card(
        name=name or f"学员{n}",
        id_type=IdType.RESIDENT_ID,
        id_number=resident_id(n, "19950505"),
        phone=phone(n, "137"),
        password_hash=await password_hash(),
        status=LearnerStatus.ACTIVE,
        activated_at=dt.datetime.now(dt.UTC),
    )


async def login_learner(api, account: str, password: str = PASSWORD) -> str:
    payload = await call(api, LEARNER_LOGIN, {"input": {"account": account, "password": password}})
    assert payload["errors"] == [], payload
    return payload["token"]


# -- fixtures ------------------------------------------------------------------------------------

