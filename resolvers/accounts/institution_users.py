"""An institution's sub-users (子用户): add, edit, disable, enable, reset password, delete."""

from __future__ import annotations

import secrets
import string
import uuid
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import InstitutionUser, InstitutionUserStatus, SubjectKind
from resolvers.accounts.passwords import hash_password
from resolvers.accounts.sessions import revoke_sessions_of
from resolvers.core import audit
from resolvers.core.actors import Actor, require_institution
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker, credit_code_error


@dataclass
class SubUserInput:
    username: str
    name: str
    phone: str
    password: str


async def create_sub_user(actor: Actor, data: SubUserInput) -> InstitutionUser:
    institution_id = require_institution(actor, main_user=True)
    checker = FieldChecker()
    username = checker.username("username", data.username)
    if credit_code_error(username.upper()) is None:
        # Main users log in with their credit code; a sub-user must not take one.
        checker.problems.add("username", ErrorCode.INVALID, "登录账号不能使用统一社会信用代码")
    name = checker.text("name", data.name, max_length=50)
    phone = checker.phone("phone", data.phone)
    checker.password("password", data.password)
    checker.done()
    if await InstitutionUser.exists(username=username):
        raise DomainError.of(ErrorCode.CONFLICT, "该登录账号已被使用", "username")
    password_hash = await hash_password(data.password)
    try:
        async with in_transaction():
            user = await InstitutionUser.create(
                institution_id=institution_id,
                username=username,
                name=name,
                phone=phone,
                password_hash=password_hash,
            )
            await audit.record(actor, "institution_user.create", user, after=audit.snapshot(user))
    except IntegrityError:
        raise DomainError.of(ErrorCode.CONFLICT, "该登录账号已被使用", "username") from None
    return user


async def _own_sub_user(actor: Actor, user_id: uuid.UUID) -> InstitutionUser:
    """A sub-user of the actor's institution, locked for update; never the main user."""
    institution_id = require_institution(actor, main_user=True)
    user = await InstitutionUser.select_for_update().get_or_none(
        id=user_id, institution_id=institution_id
    )
    if user is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "用户不存在", "id")
    if user.is_main:
        raise DomainError.of(ErrorCode.NOT_ALLOWED, "不能对主账号进行此操作", "id")
    return user


async def update_sub_user(
    actor: Actor, user_id: uuid.UUID, name: str, phone: str
) -> InstitutionUser:
    checker = FieldChecker()
    name = checker.text("name", name, max_length=50)
    phone = checker.phone("phone", phone)
    checker.done()
    async with in_transaction():
        user = await _own_sub_user(actor, user_id)
        before = audit.snapshot(user)
        user.name, user.phone = name, phone
        await user.save()
        await audit.record_change(actor, "institution_user.update", user, before)
    return user


async def set_sub_user_status(
    actor: Actor, user_id: uuid.UUID, status: InstitutionUserStatus
) -> InstitutionUser:
    async with in_transaction():
        user = await _own_sub_user(actor, user_id)
        if user.status == status:
            raise DomainError.of(ErrorCode.WRONG_STATE, f"该用户已是{status.label}状态", "id")
        before = audit.snapshot(user, ["status"])
        user.status = status
        await user.save()
        if status == InstitutionUserStatus.DISABLED:
            await revoke_sessions_of(SubjectKind.INSTITUTION_USER, user.id)
        action = (
            "institution_user.disable"
            if status == InstitutionUserStatus.DISABLED
            else ("institution_user.enable")
        )
        await audit.record(
            actor, action, user, before=before, after=audit.snapshot(user, ["status"])
        )
    return user


def temporary_password() -> str:
    """Ten characters with letters and digits both, for a reset password (重置密码)."""
    letters = [secrets.choice(string.ascii_letters) for _ in range(6)]
    digits = [secrets.choice(string.digits) for _ in range(4)]
    chars = letters + digits
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


async def reset_sub_user_password(actor: Actor, user_id: uuid.UUID) -> tuple[InstitutionUser, str]:
    password = temporary_password()
    password_hash = await hash_password(password)
    async with in_transaction():
        user = await _own_sub_user(actor, user_id)
        user.password_hash = password_hash
        user.failed_logins = 0
        user.locked_until = None
        await user.save()
        await revoke_sessions_of(SubjectKind.INSTITUTION_USER, user.id)
        await audit.record(actor, "institution_user.reset_password", user)
    return user, password


async def delete_sub_user(actor: Actor, user_id: uuid.UUID) -> None:
    async with in_transaction():
        user = await _own_sub_user(actor, user_id)
        await revoke_sessions_of(SubjectKind.INSTITUTION_USER, user.id)
        await audit.record(actor, "institution_user.delete", user, before=audit.snapshot(user))
        await user.delete()


async def list_users(
    actor: Actor, page: int, page_size: int, status: InstitutionUserStatus | None = None
) -> tuple[list[InstitutionUser], int]:
    institution_id = require_institution(actor, approved=False, people_only=True)
    query = InstitutionUser.filter(institution_id=institution_id)
    if status is not None:
        query = query.filter(status=status)
    return await paginate(query, page, page_size, "-is_main", "created_at")
