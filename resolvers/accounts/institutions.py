"""Institutions (机构): registration (注册人信息 → 机构信息), approval, institution information."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import (
    IdType,
    Institution,
    InstitutionKind,
    InstitutionStatus,
    InstitutionUser,
    InstitutionUserStatus,
    SubjectKind,
)
from resolvers.accounts.codes import CodePurpose, check_code, consume_code
from resolvers.accounts.logins import LoginAttempt, password_login
from resolvers.accounts.passwords import hash_password, verify_password
from resolvers.core import audit
from resolvers.core.actors import Actor, ActorKind, require_admin, require_institution
from resolvers.core.clock import now
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker


@dataclass
class InstitutionInfo:
    """机构信息, as on the institution information page of seed 003 §2.6.1."""

    name: str
    credit_code: str
    kind: InstitutionKind
    legal_representative: str
    contact_person: str
    contact_phone: str
    contact_email: str
    postcode: str
    address: str
    business_scope: str
    school_type: str = ""
    school_code: str = ""
    supervising_department: str = ""
    introduction: str = ""


@dataclass
class Registrant:
    """注册人信息: the person registering, with the login phone and password."""

    name: str
    id_type: IdType
    id_number: str
    phone: str
    password: str
    code: str


def _check_info(info: InstitutionInfo, checker: FieldChecker) -> dict:
    return {
        "name": checker.text("institution.name", info.name, max_length=100),
        "credit_code": checker.credit_code("institution.creditCode", info.credit_code),
        "kind": info.kind,
        "legal_representative": checker.text(
            "institution.legalRepresentative", info.legal_representative, max_length=50
        ),
        "contact_person": checker.text(
            "institution.contactPerson", info.contact_person, max_length=50
        ),
        "contact_phone": checker.phone("institution.contactPhone", info.contact_phone),
        "contact_email": checker.email("institution.contactEmail", info.contact_email),
        "postcode": checker.postcode("institution.postcode", info.postcode),
        "address": checker.text("institution.address", info.address, max_length=200),
        "business_scope": checker.text(
            "institution.businessScope", info.business_scope, max_length=500
        ),
        "school_type": checker.text(
            "institution.schoolType", info.school_type, max_length=20, required=False
        ),
        "school_code": checker.text(
            "institution.schoolCode", info.school_code, max_length=20, required=False
        ),
        "supervising_department": checker.text(
            "institution.supervisingDepartment",
            info.supervising_department,
            max_length=100,
            required=False,
        ),
        "introduction": checker.text(
            "institution.introduction", info.introduction, max_length=2000, required=False
        ),
    }


async def register_institution(
    registrant: Registrant, info: InstitutionInfo
) -> tuple[Institution, InstitutionUser]:
    """Register an institution, pending the bank's approval, with its main user; the main
    user's login account (登录账号) is the credit code."""
    checker = FieldChecker()
    registrant_name = checker.text("registrant.name", registrant.name, max_length=50)
    registrant_id = checker.id_number(
        "registrant.idNumber", registrant.id_type, registrant.id_number
    )
    phone = checker.phone("registrant.phone", registrant.phone)
    checker.password("registrant.password", registrant.password)
    if not registrant.code.strip():
        checker.problems.add("registrant.code", ErrorCode.REQUIRED, "请输入验证码")
    values = _check_info(info, checker)
    checker.done()
    if await Institution.exists(credit_code=values["credit_code"]):
        raise DomainError.of(
            ErrorCode.CONFLICT, "该统一社会信用代码已注册", "institution.creditCode"
        )
    code_id = await check_code(
        phone, CodePurpose.INSTITUTION_REGISTER, registrant.code, "registrant.code"
    )
    password_hash = await hash_password(registrant.password)
    try:
        async with in_transaction():
            await consume_code(code_id, "registrant.code")
            institution = await Institution.create(
                registrant_name=registrant_name,
                registrant_id_type=registrant.id_type.value,
                registrant_id_number=registrant_id,
                **values,
            )
            user = await InstitutionUser.create(
                institution=institution,
                username=institution.credit_code,
                name=registrant_name,
                phone=phone,
                password_hash=password_hash,
                is_main=True,
            )
            actor = Actor(
                ActorKind.INSTITUTION_USER, user.id, user.name, institution_id=institution.id
            )
            await audit.record(
                actor, "institution.register", institution, after=audit.snapshot(institution)
            )
    except IntegrityError:
        raise DomainError.of(
            ErrorCode.CONFLICT, "该统一社会信用代码已注册", "institution.creditCode"
        ) from None
    return institution, user


async def login_institution_user(attempt: LoginAttempt, password: str) -> str:
    """Log in by login account (登录账号); a main user's credit code in any letter case."""
    await attempt.check()  # before the password of a disabled user is compared below
    account = attempt.account.strip()
    user = await InstitutionUser.get_or_none(username=account)
    if user is None and account.upper() != account:
        user = await InstitutionUser.get_or_none(username=account.upper(), is_main=True)
    if user is not None and user.status == InstitutionUserStatus.DISABLED:
        if await verify_password(user.password_hash, password):
            raise DomainError.of(ErrorCode.DISABLED, "该账号已停用，请联系机构主账号")
        user = None
    return await password_login(user, password, SubjectKind.INSTITUTION_USER, attempt)


async def update_institution(actor: Actor, info: InstitutionInfo) -> Institution:
    """The main user edits the institution information; the credit code cannot change."""
    institution_id = require_institution(actor, main_user=True, approved=False)
    checker = FieldChecker()
    values = _check_info(info, checker)
    checker.done()
    async with in_transaction():
        institution = await Institution.select_for_update().get(id=institution_id)
        if values.pop("credit_code") != institution.credit_code:
            raise DomainError.of(
                ErrorCode.NOT_ALLOWED, "统一社会信用代码不能修改", "institution.creditCode"
            )
        before = audit.snapshot(institution)
        institution.update_from_dict(values)
        await institution.save()
        await audit.record_change(actor, "institution.update", institution, before)
    return institution


async def review_institution(
    actor: Actor, institution_id: uuid.UUID, approve: bool, note: str = ""
) -> Institution:
    """An administrator approves an institution, or refuses it with a reason (审核)."""
    require_admin(actor)
    checker = FieldChecker()
    note = checker.text("note", note, max_length=500, required=not approve)
    checker.done()
    async with in_transaction():
        institution = await Institution.select_for_update().get_or_none(id=institution_id)
        if institution is None:
            raise DomainError.of(ErrorCode.NOT_FOUND, "机构不存在", "id")
        if institution.status != InstitutionStatus.PENDING:
            raise DomainError.of(
                ErrorCode.WRONG_STATE, f"机构状态为{institution.status.label}，不能审核", "id"
            )
        before = audit.snapshot(institution, ["status", "review_note"])
        institution.status = InstitutionStatus.APPROVED if approve else InstitutionStatus.REJECTED
        institution.review_note = note
        institution.reviewed_at = now()
        await institution.save()
        await audit.record(
            actor,
            "institution.approve" if approve else "institution.reject",
            institution,
            before=before,
            after=audit.snapshot(institution, ["status", "review_note"]),
            institution_id=institution.id,
        )
    return institution


async def visible_institution(actor: Actor, institution_id: uuid.UUID) -> Institution:
    """An institution as its own users or an administrator may see it."""
    if not actor.is_admin:
        own = require_institution(actor, approved=False)
        if own != institution_id:
            raise DomainError.of(ErrorCode.NOT_FOUND, "机构不存在", "id")
    institution = await Institution.get_or_none(id=institution_id)
    if institution is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "机构不存在", "id")
    return institution


async def list_institutions(
    actor: Actor,
    *,
    page: int,
    page_size: int,
    status: InstitutionStatus | None = None,
    name: str | None = None,
) -> tuple[list[Institution], int]:
    require_admin(actor)
    query = Institution.all()
    if status is not None:
        query = query.filter(status=status)
    if name:
        query = query.filter(name__icontains=name.strip())
    return await paginate(query, page, page_size, "created_at")
