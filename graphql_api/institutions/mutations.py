"""Mutations of institutions: registration, login, information, review, sub-users, API tokens."""

from __future__ import annotations

import strawberry

from graphql_api.accounts.mutations import LoginInput, LoginPayload
from graphql_api.common import parse_id
from graphql_api.context import Info
from graphql_api.enums import IdType, InstitutionKind
from graphql_api.errors import FieldError, field_errors
from graphql_api.institutions.types import ApiTokenType, InstitutionType, InstitutionUserType
from graphql_api.permissions import IsAdministrator, IsInstitutionUser
from models import InstitutionUserStatus
from resolvers.accounts import api_tokens, institution_users, institutions
from resolvers.accounts.logins import LoginAttempt
from resolvers.core.errors import DomainError


@strawberry.input(description="注册人信息 with the login phone, password and SMS code.")
class RegistrantInput:
    name: str
    id_type: IdType = IdType.RESIDENT_ID
    id_number: str
    phone: str
    password: str
    code: str = strawberry.field(description="Code of purpose INSTITUTION_REGISTER.")

    def to_domain(self) -> institutions.Registrant:
        return institutions.Registrant(
            name=self.name,
            id_type=self.id_type,
            id_number=self.id_number,
            phone=self.phone,
            password=self.password,
            code=self.code,
        )


@strawberry.input(description="机构信息 (seed 003 §2.6.1).")
class InstitutionInfoInput:
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

    def to_domain(self) -> institutions.InstitutionInfo:
        return institutions.InstitutionInfo(
            name=self.name,
            credit_code=self.credit_code,
            kind=self.kind,
            legal_representative=self.legal_representative,
            contact_person=self.contact_person,
            contact_phone=self.contact_phone,
            contact_email=self.contact_email,
            postcode=self.postcode,
            address=self.address,
            business_scope=self.business_scope,
            school_type=self.school_type,
            school_code=self.school_code,
            supervising_department=self.supervising_department,
            introduction=self.introduction,
        )


@strawberry.input
class InstitutionRegisterInput:
    registrant: RegistrantInput
    institution: InstitutionInfoInput


@strawberry.type
class InstitutionPayload:
    errors: list[FieldError]
    institution: InstitutionType | None = None


@strawberry.type
class InstitutionRegisterPayload:
    errors: list[FieldError]
    institution: InstitutionType | None = None
    username: str | None = strawberry.field(default=None, description="The login account.")


@strawberry.input
class InstitutionReviewInput:
    id: strawberry.ID
    approve: bool
    note: str = strawberry.field(default="", description="Required when refusing.")


@strawberry.input
class SubUserCreateInput:
    username: str
    name: str
    phone: str
    password: str


@strawberry.input
class SubUserUpdateInput:
    id: strawberry.ID
    name: str
    phone: str


@strawberry.type
class InstitutionUserPayload:
    errors: list[FieldError]
    user: InstitutionUserType | None = None


@strawberry.type
class PasswordResetPayload:
    errors: list[FieldError]
    user: InstitutionUserType | None = None
    password: str | None = strawberry.field(
        default=None, description="The new temporary password, shown only now."
    )


@strawberry.type
class DeletePayload:
    errors: list[FieldError]
    deleted_id: strawberry.ID | None = None


@strawberry.type
class ApiTokenCreatePayload:
    errors: list[FieldError]
    api_token: ApiTokenType | None = None
    token: str | None = strawberry.field(default=None, description="Shown only now.")


@strawberry.type
class ApiTokenPayload:
    errors: list[FieldError]
    api_token: ApiTokenType | None = None


@strawberry.type
class InstitutionMutation:
    @strawberry.mutation(
        description="Anyone: register an institution (注册人信息 then 机构信息); it waits for an "
        "administrator's approval. The login account of its main user is the credit code."
    )
    async def institution_register(
        self, info: Info, input: InstitutionRegisterInput
    ) -> InstitutionRegisterPayload:
        try:
            await info.context.services.throttle.hit("register", info.context.client_address)
            institution, user = await institutions.register_institution(
                input.registrant.to_domain(), input.institution.to_domain()
            )
        except DomainError as error:
            return InstitutionRegisterPayload(errors=field_errors(error))
        return InstitutionRegisterPayload(
            errors=[], institution=InstitutionType.from_model(institution), username=user.username
        )

    @strawberry.mutation(description="Anyone: an institution user logs in with the login account.")
    async def institution_login(self, info: Info, input: LoginInput) -> LoginPayload:
        try:
            ctx = info.context
            await ctx.services.throttle.hit("login", ctx.client_address)
            token = await institutions.login_institution_user(
                LoginAttempt(ctx.services.throttle, input.account, ctx.client_address),
                input.password,
            )
        except DomainError as error:
            return LoginPayload(errors=field_errors(error))
        return LoginPayload(errors=[], token=token)

    @strawberry.mutation(
        description="The institution's main user: edit the institution information.",
        permission_classes=[IsInstitutionUser],
    )
    async def institution_update(
        self, info: Info, input: InstitutionInfoInput
    ) -> InstitutionPayload:
        try:
            row = await institutions.update_institution(info.context.actor, input.to_domain())
        except DomainError as error:
            return InstitutionPayload(errors=field_errors(error))
        return InstitutionPayload(errors=[], institution=InstitutionType.from_model(row))

    @strawberry.mutation(
        description="Administrators: approve a pending institution or refuse it with a reason.",
        permission_classes=[IsAdministrator],
    )
    async def institution_review(
        self, info: Info, input: InstitutionReviewInput
    ) -> InstitutionPayload:
        try:
            row = await institutions.review_institution(
                info.context.actor, parse_id(input.id), input.approve, input.note
            )
        except DomainError as error:
            return InstitutionPayload(errors=field_errors(error))
        return InstitutionPayload(errors=[], institution=InstitutionType.from_model(row))

    @strawberry.mutation(
        description="The main user of an approved institution: add a sub-user.",
        permission_classes=[IsInstitutionUser],
    )
    async def institution_user_create(
        self, info: Info, input: SubUserCreateInput
    ) -> InstitutionUserPayload:
        try:
            user = await institution_users.create_sub_user(
                info.context.actor,
                institution_users.SubUserInput(
                    username=input.username,
                    name=input.name,
                    phone=input.phone,
                    password=input.password,
                ),
            )
        except DomainError as error:
            return InstitutionUserPayload(errors=field_errors(error))
        return InstitutionUserPayload(errors=[], user=InstitutionUserType.from_model(user))

    @strawberry.mutation(
        description="The main user: edit a sub-user's name and phone.",
        permission_classes=[IsInstitutionUser],
    )
    async def institution_user_update(
        self, info: Info, input: SubUserUpdateInput
    ) -> InstitutionUserPayload:
        try:
            user = await institution_users.update_sub_user(
                info.context.actor, parse_id(input.id), input.name, input.phone
            )
        except DomainError as error:
            return InstitutionUserPayload(errors=field_errors(error))
        return InstitutionUserPayload(errors=[], user=InstitutionUserType.from_model(user))

    @strawberry.mutation(
        description="The main user: disable a sub-user (停用); their sessions end.",
        permission_classes=[IsInstitutionUser],
    )
    async def institution_user_disable(
        self, info: Info, id: strawberry.ID
    ) -> InstitutionUserPayload:
        return await _set_status(info, id, InstitutionUserStatus.DISABLED)

    @strawberry.mutation(
        description="The main user: enable a disabled sub-user (启用).",
        permission_classes=[IsInstitutionUser],
    )
    async def institution_user_enable(
        self, info: Info, id: strawberry.ID
    ) -> InstitutionUserPayload:
        return await _set_status(info, id, InstitutionUserStatus.ACTIVE)

    @strawberry.mutation(
        description="The main user: reset a sub-user's password to a temporary one (重置密码).",
        permission_classes=[IsInstitutionUser],
    )
    async def institution_user_reset_password(
        self, info: Info, id: strawberry.ID
    ) -> PasswordResetPayload:
        try:
            user, password = await institution_users.reset_sub_user_password(
                info.context.actor, parse_id(id)
            )
        except DomainError as error:
            return PasswordResetPayload(errors=field_errors(error))
        return PasswordResetPayload(
            errors=[], user=InstitutionUserType.from_model(user), password=password
        )

    @strawberry.mutation(
        description="The main user: delete a sub-user.",
        permission_classes=[IsInstitutionUser],
    )
    async def institution_user_delete(self, info: Info, id: strawberry.ID) -> DeletePayload:
        try:
            await institution_users.delete_sub_user(info.context.actor, parse_id(id))
        except DomainError as error:
            return DeletePayload(errors=field_errors(error))
        return DeletePayload(errors=[], deleted_id=id)

    @strawberry.mutation(
        description="The main user of an approved institution: a token for another system.",
        permission_classes=[IsInstitutionUser],
    )
    async def api_token_create(self, info: Info, name: str) -> ApiTokenCreatePayload:
        try:
            row, token = await api_tokens.create_api_token(info.context.actor, name)
        except DomainError as error:
            return ApiTokenCreatePayload(errors=field_errors(error))
        return ApiTokenCreatePayload(errors=[], api_token=ApiTokenType.from_model(row), token=token)

    @strawberry.mutation(
        description="The main user: revoke an API token at once.",
        permission_classes=[IsInstitutionUser],
    )
    async def api_token_revoke(self, info: Info, id: strawberry.ID) -> ApiTokenPayload:
        try:
            row = await api_tokens.revoke_api_token(info.context.actor, parse_id(id))
        except DomainError as error:
            return ApiTokenPayload(errors=field_errors(error))
        return ApiTokenPayload(errors=[], api_token=ApiTokenType.from_model(row))


async def _set_status(
    info: Info, id: strawberry.ID, status: InstitutionUserStatus
) -> InstitutionUserPayload:
    try:
        user = await institution_users.set_sub_user_status(info.context.actor, parse_id(id), status)
    except DomainError as error:
        return InstitutionUserPayload(errors=field_errors(error))
    return InstitutionUserPayload(errors=[], user=InstitutionUserType.from_model(user))
