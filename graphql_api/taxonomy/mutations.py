"""Administrators keep the taxonomy: add, rename, deactivate subtypes and terms (audited)."""

from __future__ import annotations

import strawberry

from graphql_api.common import parse_id, same_named
from graphql_api.context import Info
from graphql_api.enums import DetailSchema, TermKind
from graphql_api.errors import FieldError, mutate
from graphql_api.permissions import IsAdministrator
from graphql_api.taxonomy.types import AchievementSubtypeType, TaxonomyTermType
from models import TaxonomyTerm
from resolvers.catalogue import taxonomy


@strawberry.input(description="A new 成果子类型.")
class AchievementSubtypeAddInput:
    code: str = strawberry.field(description="Lower-case letters, digits and _, e.g. `mooc`.")
    category: str = strawberry.field(description="The code of its 成果类型.")
    label: str
    detail_schema: DetailSchema
    restricted: bool = False
    synced_only: bool = False

    def to_domain(self) -> taxonomy.SubtypeInput:
        return same_named(taxonomy.SubtypeInput, self)


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

    def to_domain(self) -> taxonomy.TermInput:
        return same_named(
            taxonomy.TermInput,
            self,
            parent_id=parse_id(self.parent_id, "parentId") if self.parent_id else None,
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
        return await mutate(
            AchievementSubtypePayload,
            lambda: taxonomy.add_subtype(info.context.actor, input.to_domain()),
            lambda row: AchievementSubtypePayload(
                errors=[], subtype=AchievementSubtypeType.from_model(row)
            ),
        )

    @strawberry.mutation(
        description="Administrators: rename a 成果子类型.", permission_classes=[IsAdministrator]
    )
    async def achievement_subtype_rename(
        self, info: Info, input: AchievementSubtypeRenameInput
    ) -> AchievementSubtypePayload:
        return await mutate(
            AchievementSubtypePayload,
            lambda: taxonomy.rename_subtype(info.context.actor, input.code, input.label),
            lambda row: AchievementSubtypePayload(
                errors=[], subtype=AchievementSubtypeType.from_model(row)
            ),
        )

    @strawberry.mutation(
        description="Administrators: deactivate a 成果子类型 (no new entries) or reactivate it.",
        permission_classes=[IsAdministrator],
    )
    async def achievement_subtype_set_active(
        self, info: Info, input: AchievementSubtypeSetActiveInput
    ) -> AchievementSubtypePayload:
        return await mutate(
            AchievementSubtypePayload,
            lambda: taxonomy.set_subtype_active(info.context.actor, input.code, input.active),
            lambda row: AchievementSubtypePayload(
                errors=[], subtype=AchievementSubtypeType.from_model(row)
            ),
        )

    @strawberry.mutation(
        description="Administrators: add a value to a term list.",
        permission_classes=[IsAdministrator],
    )
    async def taxonomy_term_add(
        self, info: Info, input: TaxonomyTermAddInput
    ) -> TaxonomyTermPayload:
        return await mutate(
            TaxonomyTermPayload,
            lambda: taxonomy.add_term(info.context.actor, input.to_domain()),
            _term,
        )

    @strawberry.mutation(
        description="Administrators: rename a term; saved achievements keep their old label.",
        permission_classes=[IsAdministrator],
    )
    async def taxonomy_term_rename(
        self, info: Info, input: TaxonomyTermRenameInput
    ) -> TaxonomyTermPayload:
        return await mutate(
            TaxonomyTermPayload,
            lambda: taxonomy.rename_term(info.context.actor, parse_id(input.id), input.label),
            _term,
        )

    @strawberry.mutation(
        description="Administrators: deactivate a term (new entries cannot choose it) or "
        "reactivate it.",
        permission_classes=[IsAdministrator],
    )
    async def taxonomy_term_set_active(
        self, info: Info, input: TaxonomyTermSetActiveInput
    ) -> TaxonomyTermPayload:
        return await mutate(
            TaxonomyTermPayload,
            lambda: taxonomy.set_term_active(info.context.actor, parse_id(input.id), input.active),
            _term,
        )


def _term(row: TaxonomyTerm) -> TaxonomyTermPayload:
    return TaxonomyTermPayload(errors=[], term=TaxonomyTermType.from_model(row))
