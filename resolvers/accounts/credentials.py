"""Changing a password or the bound phone (修改密码 / 更换手机号), and codes to one's own phone."""

from __future__ import annotations

import datetime as dt

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import InstitutionUser, Learner, SubjectKind
from notifications.sms import SmsSender
from resolvers.accounts.codes import CodePurpose, check_code, consume_code, send_code
from resolvers.accounts.passwords import hash_password, verify_password
from resolvers.accounts.sessions import revoke_sessions_of
from resolvers.core import audit
from resolvers.core.actors import Actor, ActorKind, require_authenticated
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.validation import FieldChecker

_ACCOUNT_MODELS: dict[ActorKind, tuple[type[Learner] | type[InstitutionUser], SubjectKind]] = {
    ActorKind.LEARNER: (Learner, SubjectKind.LEARNER),
    ActorKind.INSTITUTION_USER: (InstitutionUser, SubjectKind.INSTITUTION_USER),
}


def _account_model(actor: Actor) -> tuple[type[Learner] | type[InstitutionUser], SubjectKind]:
    require_authenticated(actor)
    if actor.kind not in _ACCOUNT_MODELS:
        raise DomainError.of(ErrorCode.NOT_ALLOWED, "该账户没有登录密码和绑定手机")
    return _ACCOUNT_MODELS[actor.kind]


async def send_code_to_own_phone(
    actor: Actor, purpose: CodePurpose, sender: SmsSender
) -> tuple[str, dt.datetime]:
    """Send a code to the actor's bound phone; returns the masked-for-display phone and expiry."""
    model, _ = _account_model(actor)
    account = await model.get(id=actor.id)
    if not account.phone:
        raise DomainError.of(ErrorCode.WRONG_STATE, "账户未绑定手机号")
    return account.phone, await send_code(account.phone, purpose, sender)


async def change_password(actor: Actor, old_password: str, new_password: str, code: str) -> None:
    model, kind = _account_model(actor)
    checker = FieldChecker()
    checker.password("newPassword", new_password)
    checker.done()
    account = await model.get(id=actor.id)
    if not await verify_password(account.password_hash, old_password):
        raise DomainError.of(ErrorCode.INVALID_CREDENTIALS, "原始密码不正确", "oldPassword")
    if not account.phone:
        raise DomainError.of(ErrorCode.WRONG_STATE, "账户未绑定手机号", "code")
    code_id = await check_code(account.phone, CodePurpose.CHANGE_PASSWORD, code)
    password_hash = await hash_password(new_password)
    async with in_transaction():
        await consume_code(code_id)
        await model.filter(id=account.id).update(password_hash=password_hash)
        await revoke_sessions_of(kind, account.id, keep=actor.session_id)
        await audit.record(actor, "account.password_change", account)


async def change_phone(actor: Actor, password: str, new_phone: str, code: str) -> str:
    model, _ = _account_model(actor)
    checker = FieldChecker()
    new_phone = checker.phone("newPhone", new_phone)
    checker.done()
    account = await model.get(id=actor.id)
    if not await verify_password(account.password_hash, password):
        raise DomainError.of(ErrorCode.INVALID_CREDENTIALS, "登录密码不正确", "password")
    if new_phone == account.phone:
        raise DomainError.of(ErrorCode.INVALID, "新手机号与当前绑定的手机号相同", "newPhone")
    if model is Learner and await Learner.exists(phone=new_phone):
        raise DomainError.of(ErrorCode.CONFLICT, "该手机号已被其他账户绑定", "newPhone")
    code_id = await check_code(new_phone, CodePurpose.CHANGE_PHONE, code)
    try:
        async with in_transaction():
            await consume_code(code_id)
            before = audit.snapshot(account, ["phone"])
            await model.filter(id=account.id).update(phone=new_phone)
            await audit.record(
                actor, "account.phone_change", account, before=before, after={"phone": new_phone}
            )
    except IntegrityError:
        raise DomainError.of(ErrorCode.CONFLICT, "该手机号已被其他账户绑定", "newPhone") from None
    return new_phone
