"""Mutations of accounts: codes, learner registration and login, administrator login, logout,
credentials, profile."""

from __future__ import annotations

import datetime as dt

import strawberry

from graphql_api.accounts.types import LearnerType
from graphql_api.common import same_named, shown
from graphql_api.context import Context, Info
from graphql_api.enums import CodePurpose, Gender, IdType
from graphql_api.errors import FieldError, mutate
from graphql_api.permissions import IsAccountHolder, IsAuthenticated, IsLearner
from resolvers.accounts import admins, credentials, learners
from resolvers.accounts.codes import CodePurpose as _CodePurpose
from resolvers.accounts.codes import send_code
from resolvers.accounts.logins import LoginAttempt
from resolvers.accounts.sessions import revoke_session
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.masking import mask_phone

_TO_OWN_PHONE = {_CodePurpose.CHANGE_PASSWORD, _CodePurpose.EXPORT}
_NEEDS_LOGIN = _TO_OWN_PHONE | {_CodePurpose.CHANGE_PHONE}
_ACCOUNT_HOLDERS = (ActorKind.LEARNER, ActorKind.INSTITUTION_USER)


@strawberry.input
class VerificationCodeSendInput:
    purpose: CodePurpose
    phone: str | None = strawberry.field(
        default=None,
        description="The phone to send to; omitted for codes sent to the caller's bound phone "
        "(CHANGE_PASSWORD, EXPORT).",
    )


@strawberry.type
class VerificationCodeSendPayload:
    errors: list[FieldError]
    phone: str | None = strawberry.field(default=None, description="Masked phone sent to.")
    expires_at: dt.datetime | None = None


@strawberry.input(description="立即注册: name, ID, phone, password and the SMS code.")
class LearnerRegisterInput:
    name: str
    id_type: IdType = IdType.RESIDENT_ID
    id_number: str
    phone: str
    password: str
    code: str

    def to_domain(self) -> learners.LearnerRegistration:
        return same_named(learners.LearnerRegistration, self)


@strawberry.type
class LearnerAuthPayload:
    errors: list[FieldError]
    learner: LearnerType | None = None
    token: str | None = strawberry.field(
        default=None, description="Send as `Authorization: Bearer <token>`."
    )


@strawberry.input
class LoginInput:
    account: str = strawberry.field(
        description="ID number or phone (learners); login account (institution users)."
    )
    password: str


@strawberry.type
class LoginPayload:
    errors: list[FieldError]
    token: str | None = None


@strawberry.input(description="管理员登录: login account, password and the authenticator's code.")
class AdminLoginInput:
    username: str
    password: str
    code: str = strawberry.field(
        description="The 6-digit code the authenticator app shows now (TOTP); each code is "
        "accepted once."
    )


@strawberry.type
class OkPayload:
    errors: list[FieldError]
    ok: bool = False


@strawberry.input
class PasswordChangeInput:
    old_password: str
    new_password: str
    code: str = strawberry.field(description="Code of purpose CHANGE_PASSWORD.")


@strawberry.input
class PhoneChangeInput:
    password: str
    new_phone: str
    code: str = strawberry.field(description="Code of purpose CHANGE_PHONE sent to the new phone.")


@strawberry.type
class PhoneChangePayload:
    errors: list[FieldError]
    phone: str | None = None


@strawberry.input(description="Real-name profile fields (seed 002, table 1).")
class LearnerProfileInput:
    gender: Gender | None = None
    education_level: str = ""
    professional_title: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""
    occupation: str = ""

    def to_domain(self) -> learners.LearnerProfile:
        return same_named(learners.LearnerProfile, self)


@strawberry.type
class LearnerPayload:
    errors: list[FieldError]
    learner: LearnerType | None = None


@strawberry.type
class AccountMutation:
    @strawberry.mutation(
        description="Anyone for REGISTER and INSTITUTION_REGISTER; a logged-in learner or "
        "institution user for the others. One send a minute and ten a day per phone."
    )
    async def verification_code_send(
        self, info: Info, input: VerificationCodeSendInput
    ) -> VerificationCodeSendPayload:
        return await mutate(
            VerificationCodeSendPayload,
            info.context.throttled("send_code", lambda: _send_code(info.context, input)),
            lambda sent: VerificationCodeSendPayload(
                errors=[], phone=mask_phone(sent[0]), expires_at=shown(sent[1])
            ),
        )

    @strawberry.mutation(
        description="Anyone: register a learner account, or claim the inactive account an "
        "institution created for this ID number, keeping its achievements."
    )
    async def learner_register(self, info: Info, input: LearnerRegisterInput) -> LearnerAuthPayload:
        return await mutate(
            LearnerAuthPayload,
            info.context.throttled(
                "register", lambda: learners.register_learner(input.to_domain())
            ),
            lambda done: LearnerAuthPayload(
                errors=[], learner=LearnerType.from_model(done[0], holder=True), token=done[1]
            ),
        )

    @strawberry.mutation(description="Anyone: a learner logs in with ID number or phone.")
    async def learner_login(self, info: Info, input: LoginInput) -> LoginPayload:
        ctx = info.context
        return await mutate(
            LoginPayload,
            ctx.throttled(
                "login",
                lambda: learners.login_learner(
                    LoginAttempt(ctx.services.throttle, input.account, ctx.client_address),
                    input.password,
                ),
            ),
            lambda token: LoginPayload(errors=[], token=token),
        )

    @strawberry.mutation(
        description="Any logged-in person: end the current session.",
        permission_classes=[IsAuthenticated],
    )
    async def logout(self, info: Info) -> OkPayload:
        return await mutate(
            OkPayload,
            lambda: _logout(info.context.actor),
            lambda _: OkPayload(errors=[], ok=True),
        )

    @strawberry.mutation(
        description="A learner or institution user: old password, new password and a code sent "
        "to the bound phone. Other sessions are ended.",
        permission_classes=[IsAccountHolder],
    )
    async def account_password_change(self, info: Info, input: PasswordChangeInput) -> OkPayload:
        return await mutate(
            OkPayload,
            lambda: credentials.change_password(
                info.context.actor, input.old_password, input.new_password, input.code
            ),
            lambda _: OkPayload(errors=[], ok=True),
        )

    @strawberry.mutation(
        description="A learner or institution user: login password, new phone and a code sent "
        "to the new phone.",
        permission_classes=[IsAccountHolder],
    )
    async def account_phone_change(self, info: Info, input: PhoneChangeInput) -> PhoneChangePayload:
        return await mutate(
            PhoneChangePayload,
            lambda: credentials.change_phone(
                info.context.actor, input.password, input.new_phone, input.code
            ),
            lambda phone: PhoneChangePayload(errors=[], phone=phone),
        )

    @strawberry.mutation(
        description="A learner: update the real-name profile fields.",
        permission_classes=[IsLearner],
    )
    async def learner_profile_update(
        self, info: Info, input: LearnerProfileInput
    ) -> LearnerPayload:
        return await mutate(
            LearnerPayload,
            lambda: learners.update_profile(info.context.actor, input.to_domain()),
            lambda learner: LearnerPayload(errors=[], learner=LearnerType.from_model(learner)),
        )


async def _send_code(ctx: Context, input: VerificationCodeSendInput) -> tuple[str, dt.datetime]:
    """The code sent: to the caller's bound phone for its own purposes, else to the given phone;
    the phone and when the code expires."""
    if input.purpose in _NEEDS_LOGIN and ctx.actor.kind not in _ACCOUNT_HOLDERS:
        if ctx.actor.kind == ActorKind.ANONYMOUS:
            raise DomainError.of(ErrorCode.NOT_AUTHENTICATED, "请先登录")
        raise DomainError.of(ErrorCode.NOT_ALLOWED, "该账户没有绑定手机，不能获取此验证码")
    if input.purpose in _TO_OWN_PHONE:
        return await credentials.send_code_to_own_phone(
            ctx.actor, input.purpose, ctx.services.sms_sender
        )
    phone = input.phone or ""
    return phone, await send_code(phone, input.purpose, ctx.services.sms_sender)


async def _logout(actor: Actor) -> None:
    """End the actor's session; an API token has none and is revoked by the main user."""
    if actor.session_id is None:
        raise DomainError.of(ErrorCode.NOT_ALLOWED, "接口令牌请由机构主账号撤销")
    await revoke_session(actor.session_id)


@strawberry.type
class AdminLoginMutation:
    @strawberry.mutation(
        description="Anyone: an administrator logs in with password and TOTP code, both set up "
        "from the command line. A wrong password, a wrong or spent code and an unknown account "
        "all get INVALID_CREDENTIALS."
    )
    async def admin_login(self, info: Info, input: AdminLoginInput) -> LoginPayload:
        ctx = info.context
        return await mutate(
            LoginPayload,
            ctx.throttled(
                "login",
                lambda: admins.login_administrator(
                    LoginAttempt(ctx.services.throttle, input.username, ctx.client_address),
                    input.password,
                    input.code,
                    secret_key=ctx.services.settings.secret_key,
                ),
            ),
            lambda token: LoginPayload(errors=[], token=token),
        )
