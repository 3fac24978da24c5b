"""Administrators keep the taxonomy: add, rename, deactivate subtypes and terms (audited)."""

from __future__ import annotations

import strawberry

from graphql_api.common import parse_id
from graphql_api.context import Info
from graphql_api.enums import DetailSchema, TermKind
from graphql_api.errors import FieldError, field_errors
from graphql_api.permissions import IsAdministrator
from graphql_api.taxonomy.types import AchievementSubtypeType, TaxonomyTermType
from resolvers.catalogue import taxonomy
from resolvers.core.errors import DomainError


@strawberry.input(description="A new 成果子类型.")
class AchievementSubtypeAddInput:
    code: str = strawberry.field(description="Lower-case letters, digits and _, e.g. `mooc`.")
    category: str = strawberry.field(description="The code of its 成果类型.")
    label: str
    detail_schema: DetailSchema
    restricted: bool = False
    synced_only: bool = False


@strawberry.input
class AchievementSubtypeRenameInput:
    code: str
    label: str


@strawberry.input(description="Deactivate (停用) or reactivate a subtype.")
class AchievementSubtypeSetActiveInput:
    code: str
    active: bool


@strawberry.input(description="A new value of a term list.")
class TaxonomyTermAddInput:
    kind: TermKind
    code: str = strawberry.field(description="Lower-case letters, digits and _.")
    label: str
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required for the learning levels, which hang in a chain."
    )


@strawberry.input
class TaxonomyTermRenameInput:
    id: strawberry.ID
    label: str


@strawberry.input(description="Deactivate (停用) or reactivate a term.")
class TaxonomyTermSetActiveInput:
    id: strawberry.ID
    active: bool


@strawberry.type
class AchievementSubtypePayload:
    errors: list[FieldError]
    subtype: AchievementSubtypeType | None = None


@strawberry.type
class TaxonomyTermPayload:
    errors: list[FieldError]
    term: TaxonomyTermType | None = None


@strawberry.type
class TaxonomyMutation:
    @strawberry.mutation(
        description="Administrators: add a 成果子类型.", permission_classes=[IsAdministrator]
    )
    async def achievement_subtype_add(
        self, info: Info, input: AchievementSubtypeAddInput
    ) -> AchievementSubtypePayload:
        data = taxonomy.SubtypeInput(
            code=input.code,
            category=input.category,
            label=input.label,
            detail_schema=input.detail_schema,
            restricted=input.restricted,
            synced_only=input.synced_only,
        )
        try:
            row = await taxonomy.add_subtype(info.context.actor, data)
        except DomainError as error:
            return AchievementSubtypePayload(errors=field_errors(error))
        return AchievementSubtypePayload(errors=[], subtype=AchievementSubtypeType.from_model(row))

    @strawberry.mutation(
        description="Administrators: rename a 成果子类型.", permission_classes=[IsAdministrator]
    )
    async def achievement_subtype_rename(
        self, info: Info, input: AchievementSubtypeRenameInput
    ) -> AchievementSubtypePayload:
        try:
            row = await taxonomy.rename_subtype(info.context.actor, input.code, input.label)
        except DomainError as error:
            return AchievementSubtypePayload(errors=field_errors(error))
        return AchievementSubtypePayload(errors=[], subtype=AchievementSubtypeType.from_model(row))

    @strawberry.mutation(
        description="Administrators: deactivate a 成果子类型 (no new entries) or reactivate it.",
        permission_classes=[IsAdministrator],
    )
    async def achievement_subtype_set_active(
        self, info: Info, input: AchievementSubtypeSetActiveInput
    ) -> AchievementSubtypePayload:
        try:
            row = await taxonomy.set_subtype_active(info.context.actor, input.code, input.active)
        except DomainError as error:
            return AchievementSubtypePayload(errors=field_errors(error))
        return AchievementSubtypePayload(errors=[], subtype=AchievementSubtypeType.from_model(row))

    @strawberry.mutation(
        description="Administrators: add a value to a term list.",
        permission_classes=[IsAdministrator],
    )
    async def taxonomy_term_add(
        self, info: Info, input: TaxonomyTermAddInput
    ) -> TaxonomyTermPayload:
        try:
            data = taxonomy.TermInput(
                kind=input.kind,
                code=input.code,
                label=input.label,
                parent_id=parse_id(input.parent_id, "parentId") if input.parent_id else None,
            )
            row = await taxonomy.add_term(info.context.actor, data)
        except DomainError as error:
            return TaxonomyTermPayload(errors=field_errors(error))
        return TaxonomyTermPayload(errors=[], term=TaxonomyTermType.from_model(row))

    @strawberry.mutation(
        description="Administrators: rename a term; saved achievements keep their old label.",
        permission_classes=[IsAdministrator],
    )
    async def taxonomy_term_rename(
        self, info: Info, input: TaxonomyTermRenameInput
    ) -> TaxonomyTermPayload:
        try:
            row = await taxonomy.rename_term(info.context.actor, parse_id(input.id), input.label)
        except DomainError as error:
            return TaxonomyTermPayload(errors=field_errors(error))
        return TaxonomyTermPayload(errors=[], term=TaxonomyTermType.from_model(row))

    @strawberry.mutation(
        description="Administrators: deactivate a term (new entries cannot choose it) or "
        "reactivate it.",
        permission_classes=[IsAdministrator],
    )
    async def taxonomy_term_set_active(
        self, info: Info, input: TaxonomyTermSetActiveInput
    ) -> TaxonomyTermPayload:
        try:
            row = await taxonomy.set_term_active(
                info.context.actor, parse_id(input.id), input.active
            )
        except DomainError as error:
            return TaxonomyTermPayload(errors=field_errors(error))
        return TaxonomyTermPayload(errors=[], term=TaxonomyTermType.from_model(row))
