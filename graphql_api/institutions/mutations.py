"""Mutations of institutions: registration, login, information, review, sub-users, API tokens."""

from __future__ import annotations

import strawberry

from graphql_api.accounts.mutations import LoginInput, LoginPayload
from graphql_api.common import parse_id, same_named
from graphql_api.context import Info
from graphql_api.enums import IdType, InstitutionKind
from graphql_api.errors import FieldError, mutate
from graphql_api.institutions.types import ApiTokenType, InstitutionType, InstitutionUserType
from graphql_api.permissions import IsAdministrator, IsInstitutionUser
from models import Institution, InstitutionUser, InstitutionUserStatus
from resolvers.accounts import api_tokens, institution_users, institutions
from resolvers.accounts.logins import LoginAttempt


@strawberry.input(description="注册人信息 with the login phone, password and SMS code.")
class RegistrantInput:
    name: str
    id_type: IdType = IdType.RESIDENT_ID
    id_number: str
    phone: str
    password: str
    code: str = strawberry.field(description="Code of purpose INSTITUTION_REGISTER.")

    def to_domain(self) -> institutions.Registrant:
        return same_named(institutions.Registrant, self)


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
        return same_named(institutions.InstitutionInfo, self)


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

    def to_domain(self) -> institution_users.SubUserInput:
        return same_named(institution_users.SubUserInput, self)


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
        return await mutate(
            InstitutionRegisterPayload,
            info.context.throttled(
                "register",
                lambda: institutions.register_institution(
                    input.registrant.to_domain(), input.institution.to_domain()
                ),
            ),
            lambda done: InstitutionRegisterPayload(
                errors=[],
                institution=InstitutionType.from_model(done[0]),
                username=done[1].username,
            ),
        )

    @strawberry.mutation(description="Anyone: an institution user logs in with the login account.")
    async def institution_login(self, info: Info, input: LoginInput) -> LoginPayload:
        ctx = info.context
        return await mutate(
            LoginPayload,
            ctx.throttled(
                "login",
                lambda: institutions.login_institution_user(
                    LoginAttempt(ctx.services.throttle, input.account, ctx.client_address),
                    input.password,
                ),
            ),
            lambda token: LoginPayload(errors=[], token=token),
        )

    @strawberry.mutation(
        description="The institution's main user: edit the institution information.",
        permission_classes=[IsInstitutionUser],
    )
    async def institution_update(
        self, info: Info, input: InstitutionInfoInput
    ) -> InstitutionPayload:
        return await mutate(
            InstitutionPayload,
            lambda: institutions.update_institution(info.context.actor, input.to_domain()),
            _institution,
        )

    @strawberry.mutation(
        description="Administrators: approve a pending institution or refuse it with a reason.",
        permission_classes=[IsAdministrator],
    )
    async def institution_review(
        self, info: Info, input: InstitutionReviewInput
    ) -> InstitutionPayload:
        return await mutate(
            InstitutionPayload,
            lambda: institutions.review_institution(
                info.context.actor, parse_id(input.id), input.approve, input.note
            ),
            _institution,
        )

    @strawberry.mutation(
        description="The main user of an approved institution: add a sub-user.",
        permission_classes=[IsInstitutionUser],
    )
    async def institution_user_create(
        self, info: Info, input: SubUserCreateInput
    ) -> InstitutionUserPayload:
        return await mutate(
            InstitutionUserPayload,
            lambda: institution_users.create_sub_user(info.context.actor, input.to_domain()),
            _user,
        )

    @strawberry.mutation(
        description="The main user: edit a sub-user's name and phone.",
        permission_classes=[IsInstitutionUser],
    )
    async def institution_user_update(
        self, info: Info, input: SubUserUpdateInput
    ) -> InstitutionUserPayload:
        return await mutate(
            InstitutionUserPayload,
            lambda: institution_users.update_sub_user(
                info.context.actor, parse_id(input.id), input.name, input.phone
            ),
            _user,
        )

    @strawberry.mutation(
        description="The main user: disable a sub-user (停用); their sessions end.",
        permission_classes=[IsInstitutionUser],
    )
    async def institution_user_disable(
        self, info: Info, id: strawberry.ID
    ) -> InstitutionUserPayload:
        return await mutate(
            InstitutionUserPayload,
            lambda: institution_users.set_sub_user_status(
                info.context.actor, parse_id(id), InstitutionUserStatus.DISABLED
            ),
            _user,
        )

    @strawberry.mutation(
        description="The main user: enable a disabled sub-user (启用).",
        permission_classes=[IsInstitutionUser],
    )
    async def institution_user_enable(
        self, info: Info, id: strawberry.ID
    ) -> InstitutionUserPayload:
        return await mutate(
            InstitutionUserPayload,
            lambda: institution_users.set_sub_user_status(
                info.context.actor, parse_id(id), InstitutionUserStatus.ACTIVE
            ),
            _user,
        )

    @strawberry.mutation(
        description="The main user: reset a sub-user's password to a temporary one (重置密码).",
        permission_classes=[IsInstitutionUser],
    )
    async def institution_user_reset_password(
        self, info: Info, id: strawberry.ID
    ) -> PasswordResetPayload:
        return await mutate(
            PasswordResetPayload,
            lambda: institution_users.reset_sub_user_password(info.context.actor, parse_id(id)),
            lambda done: PasswordResetPayload(
                errors=[], user=InstitutionUserType.from_model(done[0]), password=done[1]
            ),
        )

    @strawberry.mutation(
        description="The main user: delete a sub-user.",
        permission_classes=[IsInstitutionUser],
    )
    async def institution_user_delete(self, info: Info, id: strawberry.ID) -> DeletePayload:
        return await mutate(
            DeletePayload,
            lambda: institution_users.delete_sub_user(info.context.actor, parse_id(id)),
            lambda _: DeletePayload(errors=[], deleted_id=id),
        )

    @strawberry.mutation(
        description="The main user of an approved institution: a token for another system.",
        permission_classes=[IsInstitutionUser],
    )
    async def api_token_create(self, info: Info, name: str) -> ApiTokenCreatePayload:
        return await mutate(
            ApiTokenCreatePayload,
            lambda: api_tokens.create_api_token(info.context.actor, name),
            lambda done: ApiTokenCreatePayload(
                errors=[], api_token=ApiTokenType.from_model(done[0]), token=done[1]
            ),
        )

    @strawberry.mutation(
        description="The main user: revoke an API token at once.",
        permission_classes=[IsInstitutionUser],
    )
    async def api_token_revoke(self, info: Info, id: strawberry.ID) -> ApiTokenPayload:
        return await mutate(
            ApiTokenPayload,
            lambda: api_tokens.revoke_api_token(info.context.actor, parse_id(id)),
            lambda row: ApiTokenPayload(errors=[], api_token=ApiTokenType.from_model(row)),
        )


def _institution(row: Institution) -> InstitutionPayload:
    return InstitutionPayload(errors=[], institution=InstitutionType.from_model(row))


def _user(row: InstitutionUser) -> InstitutionUserPayload:
    return InstitutionUserPayload(errors=[], user=InstitutionUserType.from_model(row))
