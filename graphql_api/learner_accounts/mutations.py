"""Mutations of 学员账户管理: add, edit and delete inactive learner accounts."""

from __future__ import annotations

import strawberry

from graphql_api.accounts.types import LearnerType
from graphql_api.achievements.mutations import parse_ids
from graphql_api.common import parse_id
from graphql_api.context import Info
from graphql_api.enums import IdType
from graphql_api.errors import FieldError, mutate
from graphql_api.permissions import IsInstitution, IsInstitutionUser
from resolvers.accounts import learner_accounts


@strawberry.input(description="增加新学员: name and ID number; the account starts inactive.")
class LearnerAccountCreateInput:
    name: str = strawberry.field(description="学员姓名")
    id_number: str = strawberry.field(description="身份证号 (证件号码)")
    id_type: IdType = IdType.RESIDENT_ID


@strawberry.input(description="修改学员: only inactive accounts the institution created.")
class LearnerAccountUpdateInput:
    id: strawberry.ID
    name: str
    id_number: str
    id_type: IdType | None = strawberry.field(default=None, description="Unchanged when null.")


@strawberry.type
class LearnerAccountPayload:
    errors: list[FieldError]
    learner: LearnerType | None = None


@strawberry.type
class LearnerAccountDeletePayload:
    errors: list[FieldError]
    deleted_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.type
class LearnerAccountMutation:
    @strawberry.mutation(
        description="Users and API tokens of an approved institution: add an inactive learner "
        "account (the person claims it on registering).",
        permission_classes=[IsInstitution],
    )
    async def learner_account_create(
        self, info: Info, input: LearnerAccountCreateInput
    ) -> LearnerAccountPayload:
        return await mutate(
            LearnerAccountPayload,
            lambda: learner_accounts.create_learner_account(
                info.context.actor, input.name, input.id_type, input.id_number
            ),
            lambda row: LearnerAccountPayload(errors=[], learner=LearnerType.from_model(row)),
        )

    @strawberry.mutation(
        description="Institution users: edit the name and ID number of an inactive account the "
        "institution created.",
        permission_classes=[IsInstitutionUser],
    )
    async def learner_account_update(
        self, info: Info, input: LearnerAccountUpdateInput
    ) -> LearnerAccountPayload:
        return await mutate(
            LearnerAccountPayload,
            lambda: learner_accounts.update_learner_account(
                info.context.actor, parse_id(input.id), input.name, input.id_number, input.id_type
            ),
            lambda row: LearnerAccountPayload(errors=[], learner=LearnerType.from_model(row)),
        )

    @strawberry.mutation(
        description="Institution users: delete inactive accounts the institution created that "
        "hold no achievement (all or none).",
        permission_classes=[IsInstitutionUser],
    )
    async def learner_account_delete(
        self, info: Info, ids: list[strawberry.ID]
    ) -> LearnerAccountDeletePayload:
        return await mutate(
            LearnerAccountDeletePayload,
            lambda: learner_accounts.delete_learner_accounts(info.context.actor, parse_ids(ids)),
            lambda deleted: LearnerAccountDeletePayload(
                errors=[],
                deleted_ids=[strawberry.ID(str(i)) for i in deleted],
            ),
        )
