"""Queries of the taxonomy: open to anyone, as every form needs them."""

from __future__ import annotations

import strawberry

from graphql_api.common import parse_id
from graphql_api.context import Info
from graphql_api.enums import TermKind
from graphql_api.taxonomy.types import (
    AchievementCategoryType,
    AchievementSubtypeType,
    TaxonomyTermType,
)
from resolvers.catalogue import taxonomy


@strawberry.type
class TaxonomyQuery:
    @strawberry.field(description="Anyone: the 成果类型, in display order.")
    async def achievement_categories(self, info: Info) -> list[AchievementCategoryType]:
        return [AchievementCategoryType.from_model(r) for r in await taxonomy.list_categories()]

    @strawberry.field(
        description="Anyone: the 成果子类型 (of one category), in display order; deactivated "
        "ones only when asked."
    )
    async def achievement_subtypes(
        self, info: Info, category: str | None = None, include_inactive: bool = False
    ) -> list[AchievementSubtypeType]:
        rows = await taxonomy.list_subtypes(category, include_inactive)
        return [AchievementSubtypeType.from_model(r) for r in rows]

    @strawberry.field(
        description="Anyone: the values of a term list (or of every list), in display order; "
        "deactivated ones only when asked."
    )
    async def taxonomy_terms(
        self,
        info: Info,
        kind: TermKind | None = None,
        include_inactive: bool = False,
        parent_id: strawberry.ID | None = None,
    ) -> list[TaxonomyTermType]:
        parent = parse_id(parent_id, "parentId") if parent_id is not None else None
        rows = await taxonomy.list_terms(kind, include_inactive, parent)
        return [TaxonomyTermType.from_model(r) for r in rows]
