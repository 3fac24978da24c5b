"""Learner accounts: registration and claiming (注册 / 认领), login, profile, credentials."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import Gender, IdType, Learner, LearnerStatus, SubjectKind
from resolvers.accounts.cards import new_card_number
from resolvers.accounts.codes import CodePurpose, check_code, consume_code
from resolvers.accounts.logins import LoginAttempt, password_login
from resolvers.accounts.passwords import hash_password
from resolvers.accounts.sessions import issue_session
from resolvers.core import audit
from resolvers.core.actors import Actor, ActorKind, require_learner
from resolvers.core.clock import now
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.validation import FieldChecker, normalize_id_number

_PHONE_LIKE = re.compile(r"1\d{10}")
_CARD_ATTEMPTS = 5


@dataclass
class LearnerRegistration:
    name: str
    id_type: IdType
    id_number: str
    phone: str
    password: str
    code: str


@dataclass
class LearnerProfile:
    """The real-name profile fields a learner keeps (community-education template, seed 002)."""

    gender: Gender | None = None
    education_level: str = ""
    professional_title: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""
    occupation: str = ""


async def create_with_card(**values) -> Learner:
    """Create a learner with a fresh unique credit bank card number."""
    for _ in range(_CARD_ATTEMPTS):
        number = new_card_number()
        if not await Learner.exists(card_number=number):
            return await Learner.create(card_number=number, **values)
    raise RuntimeError("could not draw a free credit bank card number")


async def register_learner(data: LearnerRegistration) -> tuple[Learner, str]:
    """Register a new learner, or claim the inactive account an institution created for this ID
    number. Returns the learner and a session token."""
    checker = FieldChecker()
    name = checker.text("name", data.name, max_length=50)
    id_number = checker.id_number("idNumber", data.id_type, data.id_number)
    phone = checker.phone("phone", data.phone)
    checker.password("password", data.password)
    if not data.code.strip():
        checker.problems.add("code", ErrorCode.REQUIRED, "请输入验证码")
    checker.done()
    if await Learner.exists(phone=phone, status=LearnerStatus.ACTIVE):
        raise DomainError.of(ErrorCode.CONFLICT, "该手机号已注册", "phone")
    existing = await Learner.get_or_none(id_type=data.id_type, id_number=id_number)
    if existing is not None and existing.status == LearnerStatus.ACTIVE:
        raise DomainError.of(ErrorCode.CONFLICT, "该证件号码已注册，请直接登录", "idNumber")
    if existing is not None and existing.name != name:
        raise DomainError.of(ErrorCode.INVALID, "姓名与机构登记的学习账户不一致", "name")
    code_id = await check_code(phone, CodePurpose.REGISTER, data.code)
    password_hash = await hash_password(data.password)
    try:
        async with in_transaction():
            await consume_code(code_id)
            if existing is None:
                learner = await create_with_card(
                    name=name,
                    id_type=data.id_type,
                    id_number=id_number,
                    phone=phone,
                    password_hash=password_hash,
                    status=LearnerStatus.ACTIVE,
                    activated_at=now(),
                )
                action, before = "learner.register", None
            else:
                learner = await Learner.select_for_update().get(id=existing.id)
                if learner.status == LearnerStatus.ACTIVE:
                    raise DomainError.of(ErrorCode.CONFLICT, "该证件号码已注册", "idNumber")
                before = audit.snapshot(learner)
                learner.phone = phone
                learner.password_hash = password_hash
                learner.status = LearnerStatus.ACTIVE
                learner.activated_at = now()
                await learner.save()
                action = "learner.claim"
            actor = Actor(ActorKind.LEARNER, learner.id, learner.name)
            await audit.record(actor, action, learner, before=before, after=audit.snapshot(learner))
    except IntegrityError:
        raise DomainError.of(ErrorCode.CONFLICT, "该手机号或证件号码已注册", "idNumber") from None
    token, _ = await issue_session(SubjectKind.LEARNER, learner.id)
    return learner, token


async def find_learner_for_login(account: str) -> Learner | None:
    account = account.strip()
    if _PHONE_LIKE.fullmatch(account):
        found = await Learner.get_or_none(phone=account, status=LearnerStatus.ACTIVE)
        if found is not None:
            return found
    return await Learner.filter(
        id_number=normalize_id_number(account), status=LearnerStatus.ACTIVE
    ).first()


async def login_learner(attempt: LoginAttempt, password: str) -> str:
    """Log in by ID number or phone (身份证号、手机号均可登录)."""
    await attempt.check()
    learner = await find_learner_for_login(attempt.account)
    return await password_login(learner, password, SubjectKind.LEARNER, attempt)


async def update_profile(actor: Actor, profile: LearnerProfile) -> Learner:
    learner_id = require_learner(actor)
    checker = FieldChecker()
    values = {
        "education_level": checker.text(
            "educationLevel", profile.education_level, max_length=30, required=False
        ),
        "professional_title": checker.text(
            "professionalTitle", profile.professional_title, max_length=30, required=False
        ),
        "province": checker.text("province", profile.province, max_length=30, required=False),
        "city": checker.text("city", profile.city, max_length=30, required=False),
        "district": checker.text("district", profile.district, max_length=30, required=False),
        "address": checker.text("address", profile.address, max_length=200, required=False),
        "occupation": checker.text("occupation", profile.occupation, max_length=50, required=False),
    }
    checker.done()
    async with in_transaction():
        learner = await Learner.select_for_update().get(id=learner_id)
        before = audit.snapshot(learner)
        learner.update_from_dict({"gender": profile.gender, **values})
        await learner.save()
        await audit.record_change(actor, "learner.profile_update", learner, before)
    return learner


async def get_own_learner(actor: Actor) -> Learner:
    return await Learner.get(id=require_learner(actor))


async def learner_by_id(learner_id: uuid.UUID) -> Learner | None:
    return await Learner.get_or_none(id=learner_id)
