"""GraphQL types of catalogue entries, as institutions, administrators and the public see them."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import strawberry

from graphql_api.achievements.details import AchievementDetails, details_to_graphql
from graphql_api.common import shown
from graphql_api.context import Info
from graphql_api.enums import RecognitionStatus
from graphql_api.institutions.types import InstitutionType
from models import InstitutionAchievement, SubtypeAuthorisation


async def _category_label(info: Info, code: str) -> str:
    category = await info.context.loaders.category_by_code.load(code)
    return category.label if category else ""


async def _subtype_label(info: Info, code: str) -> str:
    subtype = await info.context.loaders.subtype_by_code.load(code)
    return subtype.label if subtype else ""


async def _details(info: Info, subtype_code: str, stored: dict[str, Any]) -> Any:
    subtype = await info.context.loaders.subtype_by_code.load(subtype_code)
    assert subtype is not None  # subtypes are never deleted (RESTRICT)
    return details_to_graphql(subtype.detail_schema, stored)


async def _institution_name(info: Info, institution_id: uuid.UUID) -> str:
    institution = await info.context.loaders.institution_by_id.load(institution_id)
    return institution.name if institution else ""


@strawberry.type(
    name="CatalogueEntry",
    description="机构成果: a catalogue entry as its institution and administrators see it. "
    "Immutable once saved (已保存成果不可修改，可删除后新增).",
)
class CatalogueEntryType:
    id: strawberry.ID
    name: str = strawberry.field(description="成果名称")
    category: str = strawberry.field(description="成果类型 code")
    subtype: str = strawberry.field(description="成果子类型 code")
    issuer_name: str = strawberry.field(description="颁证机构")
    introduction: str = strawberry.field(description="成果简介")
    recognition_status: RecognitionStatus = strawberry.field(description="认定状态")
    credits: Decimal | None = strawberry.field(description="学分银行学分, once recognised.")
    recognition_note: str = strawberry.field(description="Why the bank refused recognition.")
    recognised_at: dt.datetime | None
    created_at: dt.datetime = strawberry.field(description="入库时间")
    institution_id: strawberry.ID
    _institution_id: strawberry.Private[uuid.UUID]
    _entry_id: strawberry.Private[uuid.UUID]
    _details: strawberry.Private[dict]

    @strawberry.field
    def recognition_status_label(self) -> str:
        return self.recognition_status.label

    @strawberry.field
    async def category_label(self, info: Info) -> str:
        return await _category_label(info, self.category)

    @strawberry.field
    async def subtype_label(self, info: Info) -> str:
        return await _subtype_label(info, self.subtype)

    @strawberry.field(description="成果附属信息, typed by the subtype.")
    async def details(self, info: Info) -> AchievementDetails:
        return await _details(info, self.subtype, self._details)

    @strawberry.field
    async def institution(self, info: Info) -> InstitutionType:
        row = await info.context.loaders.institution_by_id.load(self._institution_id)
        assert row is not None  # institutions with entries are never deleted (RESTRICT)
        return InstitutionType.from_model(row)

    @strawberry.field(
        description="获证学员数量: learner achievements of it, neither withdrawn nor refused."
    )
    async def holders_count(self, info: Info) -> int:
        return await info.context.loaders.holders_count_by_catalogue_entry.load(self._entry_id)

    @strawberry.field(
        description="关联转换规则 (条): conversion rules with it as a source or a target — its "
        "institution's own in every state, other institutions' when published."
    )
    async def rules_count(self, info: Info) -> int:
        return await info.context.loaders.rules.count_by_catalogue_entry.load(self._entry_id)

    @classmethod
    def from_model(cls, row: InstitutionAchievement) -> CatalogueEntryType:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            category=row.category_id,
            subtype=row.subtype_id,
            issuer_name=row.issuer_name,
            introduction=row.introduction,
            recognition_status=row.recognition_status,
            credits=row.credits,
            recognition_note=row.recognition_note,
            recognised_at=shown(row.recognised_at),
            created_at=shown(row.created_at),  # type: ignore[arg-type]
            institution_id=strawberry.ID(str(row.institution_id)),
            _institution_id=row.institution_id,
            _entry_id=row.id,
            _details=row.details,
        )


@strawberry.type(
    name="PublicCatalogueEntry",
    description="A recognised catalogue entry as anyone may see it, without internal fields.",
)
class PublicCatalogueEntryType:
    id: strawberry.ID
    name: str
    category: str
    subtype: str
    issuer_name: str
    introduction: str
    credits: Decimal = strawberry.field(description="学分银行学分")
    recognised_at: dt.datetime | None
    _institution_id: strawberry.Private[uuid.UUID]
    _details: strawberry.Private[dict]

    @strawberry.field
    async def category_label(self, info: Info) -> str:
        return await _category_label(info, self.category)

    @strawberry.field
    async def subtype_label(self, info: Info) -> str:
        return await _subtype_label(info, self.subtype)

    @strawberry.field(description="The institution that keeps it.")
    async def institution_name(self, info: Info) -> str:
        return await _institution_name(info, self._institution_id)

    @strawberry.field
    async def details(self, info: Info) -> AchievementDetails:
        return await _details(info, self.subtype, self._details)

    @classmethod
    def from_model(cls, row: InstitutionAchievement) -> PublicCatalogueEntryType:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            category=row.category_id,
            subtype=row.subtype_id,
            issuer_name=row.issuer_name,
            introduction=row.introduction,
            credits=row.credits,  # type: ignore[arg-type]
            recognised_at=shown(row.recognised_at),
            _institution_id=row.institution_id,
            _details=row.details,
        )


@strawberry.type(
    name="SubtypeAuthorisation",
    description="授权: an institution may deposit a restricted subtype.",
)
class SubtypeAuthorisationType:
    id: strawberry.ID
    institution_id: strawberry.ID
    subtype: str
    granted_at: dt.datetime
    _institution_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def subtype_label(self, info: Info) -> str:
        return await _subtype_label(info, self.subtype)

    @strawberry.field
    async def institution_name(self, info: Info) -> str:
        return await _institution_name(info, self._institution_id)

    @classmethod
    def from_model(cls, row: SubtypeAuthorisation) -> SubtypeAuthorisationType:
        return cls(
            id=strawberry.ID(str(row.id)),
            institution_id=strawberry.ID(str(row.institution_id)),
            subtype=row.subtype_id,
            granted_at=shown(row.granted_at),  # type: ignore[arg-type]
            _institution_id=row.institution_id,
        )
