"""GraphQL types of the taxonomy: 成果类型, 成果子类型 and the term lists."""

from __future__ import annotations

import uuid

import strawberry

from graphql_api.context import Info
from graphql_api.enums import DetailSchema, TermKind
from models import AchievementCategory as CategoryModel
from models import AchievementSubtype as SubtypeModel
from models import TaxonomyTerm as TermModel


@strawberry.type(name="AchievementCategory", description="成果类型: 学历成果, 非学历成果 …")
class AchievementCategoryType:
    code: str
    label: str

    @classmethod
    def from_model(cls, row: CategoryModel) -> AchievementCategoryType:
        return cls(code=row.code, label=row.label)


@strawberry.type(
    name="AchievementSubtype",
    description="成果子类型, with the typed fields it carries and who may deposit it.",
)
class AchievementSubtypeType:
    code: str
    label: str
    category: str = strawberry.field(description="The code of its 成果类型.")
    detail_schema: DetailSchema = strawberry.field(
        description="Which member of AchievementDetailsInput its entries fill in."
    )
    restricted: bool = strawberry.field(
        description="Depositing it needs the bank's authorisation of the institution."
    )
    synced_only: bool = strawberry.field(
        description="It arrives by synchronisation from its platform (1+X), never by hand."
    )
    active: bool

    @strawberry.field
    def detail_schema_label(self) -> str:
        return self.detail_schema.label

    @strawberry.field(description="The label of its 成果类型.")
    async def category_label(self, info: Info) -> str:
        category = await info.context.loaders.category_by_code.load(self.category)
        return category.label if category else ""

    @classmethod
    def from_model(cls, row: SubtypeModel) -> AchievementSubtypeType:
        return cls(
            code=row.code,
            label=row.label,
            category=row.category_id,
            detail_schema=row.detail_schema,
            restricted=row.restricted,
            synced_only=row.synced_only,
            active=row.active,
        )


@strawberry.type(name="TaxonomyTerm", description="One value of a term list (层次 本科 …).")
class TaxonomyTermType:
    id: strawberry.ID
    kind: TermKind
    code: str = strawberry.field(description="What inputs pass, e.g. `bachelor`.")
    label: str
    active: bool
    parent_id: strawberry.ID | None
    _parent_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    def kind_label(self) -> str:
        return self.kind.label

    @strawberry.field(description="The term it hangs under (the community-education chain).")
    async def parent(self, info: Info) -> TaxonomyTermType | None:
        if self._parent_id is None:
            return None
        row = await info.context.loaders.term_by_id.load(self._parent_id)
        return TaxonomyTermType.from_model(row) if row else None

    @classmethod
    def from_model(cls, row: TermModel) -> TaxonomyTermType:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            code=row.code,
            label=row.label,
            active=row.active,
            parent_id=strawberry.ID(str(row.parent_id)) if row.parent_id else None,
            _parent_id=row.parent_id,
        )
