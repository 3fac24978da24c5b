"""转换办法 mutations: save, publish, withdraw, edit, delete, take down."""

from __future__ import annotations

import uuid

import strawberry

from graphql_api.common import parse_id
from graphql_api.context import Info
from graphql_api.conversion.types.policies import ConversionPolicyType
from graphql_api.errors import FieldError, mutate
from graphql_api.permissions import (
    IsAdministrator,
    IsInstitutionUser,
)
from models import ConversionPolicy
from resolvers.conversion import policies


@strawberry.input(description="上传转换办法: 【保存】 (publish false) or 【发布】 (publish true).")
class ConversionPolicyCreateInput:
    name: str = strawberry.field(description="转换办法名称, at most 100 characters.")
    file_id: strawberry.ID | None = strawberry.field(
        default=None, description="The stamped policy, a PDF uploaded with fileUpload."
    )
    publish: bool = strawberry.field(default=False, description="Publish at once (【发布】).")
    pledge_accepted: bool = strawberry.field(
        default=False,
        description="本人郑重承诺…: required on the user's first publication, recorded then.",
    )


@strawberry.input(description="修改转换办法, while unpublished or off the shelf.")
class ConversionPolicyUpdateInput:
    id: strawberry.ID
    name: str = strawberry.field(description="转换办法名称, at most 100 characters.")
    file_id: strawberry.ID | None = strawberry.field(
        default=None, description="A newly uploaded PDF; null keeps the current file."
    )


@strawberry.type
class ConversionPolicyPayload:
    errors: list[FieldError]
    policy: ConversionPolicyType | None = None


@strawberry.type
class ConversionPolicyDeletePayload:
    errors: list[FieldError]
    deleted_id: strawberry.ID | None = None


def _policy(row: ConversionPolicy) -> ConversionPolicyPayload:
    return ConversionPolicyPayload(errors=[], policy=ConversionPolicyType.from_model(row))


def _file_id(value: strawberry.ID | None) -> uuid.UUID | None:
    return parse_id(value, "fileId") if value is not None else None


@strawberry.type
class ConversionPolicyMutation:
    @strawberry.mutation(
        description="Institution users: 上传转换办法, saved unpublished or published at once; "
        "publishing is refused while another policy of the institution is published.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_policy_create(
        self, info: Info, input: ConversionPolicyCreateInput
    ) -> ConversionPolicyPayload:
        return await mutate(
            ConversionPolicyPayload,
            lambda: policies.create_policy(
                info.context.actor,
                input.name,
                _file_id(input.file_id),
                publish=input.publish,
                pledge_accepted=input.pledge_accepted,
            ),
            _policy,
        )

    @strawberry.mutation(
        description="Institution users: 修改, the name and optionally the file of an unpublished "
        "or off-shelf policy.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_policy_update(
        self, info: Info, input: ConversionPolicyUpdateInput
    ) -> ConversionPolicyPayload:
        return await mutate(
            ConversionPolicyPayload,
            lambda: policies.update_policy(
                info.context.actor, parse_id(input.id), input.name, _file_id(input.file_id)
            ),
            _policy,
        )

    @strawberry.mutation(
        description="Institution users: 删除 an unpublished or off-shelf policy.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_policy_delete(
        self, info: Info, id: strawberry.ID
    ) -> ConversionPolicyDeletePayload:
        return await mutate(
            ConversionPolicyDeletePayload,
            lambda: policies.delete_policy(info.context.actor, parse_id(id)),
            lambda key: ConversionPolicyDeletePayload(
                errors=[], deleted_id=strawberry.ID(str(key))
            ),
        )

    @strawberry.mutation(
        description="Institution users: 发布 an unpublished or off-shelf policy on the portal; "
        "refused (CONFLICT) while another policy of the institution is published. The user's "
        "first publication needs pledgeAccepted.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_policy_publish(
        self, info: Info, id: strawberry.ID, pledge_accepted: bool = False
    ) -> ConversionPolicyPayload:
        return await mutate(
            ConversionPolicyPayload,
            lambda: policies.publish_policy(info.context.actor, parse_id(id), pledge_accepted),
            _policy,
        )

    @strawberry.mutation(
        description="Institution users: 撤销发布, the published policy leaves the portal and is "
        "unpublished again.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_policy_withdraw(
        self, info: Info, id: strawberry.ID
    ) -> ConversionPolicyPayload:
        return await mutate(
            ConversionPolicyPayload,
            lambda: policies.withdraw_policy(info.context.actor, parse_id(id)),
            _policy,
        )

    @strawberry.mutation(
        description="Administrators: 下架 a published policy with a reason (at most 500 "
        "characters); the institution is told.",
        permission_classes=[IsAdministrator],
    )
    async def conversion_policy_take_down(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> ConversionPolicyPayload:
        return await mutate(
            ConversionPolicyPayload,
            lambda: policies.take_down_policy(info.context.actor, parse_id(id), reason),
            _policy,
        )
