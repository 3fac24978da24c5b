"""GraphQL types of conversion rules (转换规则): as institutions and administrators see them, and
as anyone sees a published one on the portal. Sources, targets, their catalogue entries, the
institution and the file resolve through the request's DataLoaders."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import strawberry

from graphql_api.catalogue.types import CatalogueEntryType, PublicCatalogueEntryType
from graphql_api.common import shown
from graphql_api.context import Info
from graphql_api.institutions.types import InstitutionType
from models import (
    ConversionRule,
    ConversionRuleSource,
    ConversionRuleTarget,
    InstitutionAchievement,
    RuleStatus,
    RuleType,
    TargetKind,
)
from resolvers.conversion.rule_queries import RuleScope
from resolvers.core.files import sign_download

# Registered as GraphQL enums; annotations use the model classes themselves (mypy accepts them).
strawberry.enum(RuleType, name="ConversionRuleType", description="转换规则类型")
strawberry.enum(RuleStatus, name="ConversionRuleStatus", description="转换规则状态")
strawberry.enum(TargetKind, name="ConversionTargetKind", description="目标成果的种类")
strawberry.enum(
    RuleScope,
    name="ConversionRuleScope",
    description="转换规则管理 tabs: 我发布的转换规则 (MINE) / 与我相关的转换规则 (RELATED)",
)

PORTAL_FILE = "/portal/files/{id}"


async def _institution_name(info: Info, institution_id: uuid.UUID) -> str:
    institution = await info.context.loaders.institution_by_id.load(institution_id)
    return institution.name if institution else ""


@strawberry.type(name="ExemptModule", description="免考模块: a part the learner need not sit.")
class ExemptModuleType:
    name: str
    credits: Decimal


@strawberry.type(name="ConversionRuleFile", description="上传转换规则: the stamped PDF.")
class RuleFileType:
    id: strawberry.ID
    filename: str
    url: str | None = strawberry.field(
        description="A published rule's file: `/portal/files/<id>`, for anyone. Otherwise a link "
        "valid five minutes for the rule's institution and administrators, fetched with the "
        "same Authorization header; null for anyone else."
    )


async def _file(info: Info, row: ConversionRule) -> RuleFileType | None:
    if row.file_id is None:
        return None
    stored = await info.context.loaders.stored_file_by_id.load(row.file_id)
    if stored is None:
        return None
    actor = info.context.actor
    url: str | None = None
    if row.status == RuleStatus.PUBLISHED:
        url = PORTAL_FILE.format(id=stored.id)
    elif actor.is_admin or (
        actor.acts_for_institution and actor.institution_id == row.institution_id
    ):
        url = sign_download(stored.id, actor, info.context.services.settings.secret_key)
    return RuleFileType(id=strawberry.ID(str(stored.id)), filename=stored.filename, url=url)


# -- sources and targets -------------------------------------------------------------------------


@strawberry.interface(name="ConversionRuleSourceFields", description="源成果")
class RuleSourceFields:
    catalogue_entry_id: strawberry.ID
    _entry: strawberry.Private[InstitutionAchievement]


@strawberry.type(name="ConversionRuleSource", description="源成果: a learner must hold every one.")
class RuleSourceType(RuleSourceFields):
    @strawberry.field
    def catalogue_entry(self) -> CatalogueEntryType:
        return CatalogueEntryType.from_model(self._entry)

    @classmethod
    def from_model(cls, row: ConversionRuleSource, entry: InstitutionAchievement) -> RuleSourceType:
        return cls(catalogue_entry_id=strawberry.ID(str(row.catalogue_entry_id)), _entry=entry)


@strawberry.type(name="PublicConversionRuleSource", description="源成果, as anyone sees it.")
class PublicRuleSourceType(RuleSourceFields):
    @strawberry.field
    def catalogue_entry(self) -> PublicCatalogueEntryType:
        return PublicCatalogueEntryType.from_model(self._entry)

    @classmethod
    def from_model(
        cls, row: ConversionRuleSource, entry: InstitutionAchievement
    ) -> PublicRuleSourceType:
        return cls(catalogue_entry_id=strawberry.ID(str(row.catalogue_entry_id)), _entry=entry)


@strawberry.interface(name="ConversionRuleTargetFields", description="目标成果")
class RuleTargetFields:
    kind: TargetKind = strawberry.field(description="专业 / 课程 / 非学历成果")
    catalogue_entry_id: strawberry.ID
    exempt_modules: list[ExemptModuleType] = strawberry.field(
        description="免考模块 of a non-academic target; empty for majors and courses."
    )
    _entry: strawberry.Private[InstitutionAchievement]

    @strawberry.field
    def kind_label(self) -> str:
        return self.kind.label


def _modules(row: ConversionRuleTarget) -> list[ExemptModuleType]:
    return [
        ExemptModuleType(name=module["name"], credits=Decimal(module["credits"]))
        for module in row.exempt_modules
    ]


@strawberry.type(name="ConversionRuleTarget", description="目标成果, of the rule's institution.")
class RuleTargetType(RuleTargetFields):
    @strawberry.field
    def catalogue_entry(self) -> CatalogueEntryType:
        return CatalogueEntryType.from_model(self._entry)

    @classmethod
    def from_model(cls, row: ConversionRuleTarget, entry: InstitutionAchievement) -> RuleTargetType:
        return cls(
            kind=row.kind,
            catalogue_entry_id=strawberry.ID(str(row.catalogue_entry_id)),
            exempt_modules=_modules(row),
            _entry=entry,
        )


@strawberry.type(name="PublicConversionRuleTarget", description="目标成果, as anyone sees it.")
class PublicRuleTargetType(RuleTargetFields):
    @strawberry.field
    def catalogue_entry(self) -> PublicCatalogueEntryType:
        return PublicCatalogueEntryType.from_model(self._entry)

    @classmethod
    def from_model(
        cls, row: ConversionRuleTarget, entry: InstitutionAchievement
    ) -> PublicRuleTargetType:
        return cls(
            kind=row.kind,
            catalogue_entry_id=strawberry.ID(str(row.catalogue_entry_id)),
            exempt_modules=_modules(row),
            _entry=entry,
        )


# -- rules ---------------------------------------------------------------------------------------


@strawberry.interface(
    name="ConversionRuleFields", description="What every view of a conversion rule shows."
)
class RuleFields:
    id: strawberry.ID
    code: str = strawberry.field(description="规则编码: YYYYMMDD + the day's 4-digit number.")
    rule_type: RuleType
    status: RuleStatus
    description: str = strawberry.field(description="转换说明")
    published_at: dt.datetime | None = strawberry.field(description="Last published.")
    _row: strawberry.Private[ConversionRule]

    @strawberry.field
    def rule_type_label(self) -> str:
        return self.rule_type.label

    @strawberry.field
    def status_label(self) -> str:
        return self.status.label

    @strawberry.field(description="机构: the institution that grants the targets.")
    async def institution_name(self, info: Info) -> str:
        return await _institution_name(info, self._row.institution_id)

    @strawberry.field(description="本转换规则的解释权归<机构>所有。")
    async def interpretation_note(self, info: Info) -> str:
        name = await _institution_name(info, self._row.institution_id)
        return f"本转换规则的解释权归{name}所有。"

    @strawberry.field(description="上传转换规则 (PDF), once attached.")
    async def file(self, info: Info) -> RuleFileType | None:
        return await _file(info, self._row)


def _shown_fields(rule: ConversionRule) -> dict[str, Any]:
    """The fields every view of a rule shows (``RuleFields``)."""
    return {
        "id": strawberry.ID(str(rule.id)),
        "code": rule.code,
        "rule_type": rule.rule_type,
        "status": rule.status,
        "description": rule.description,
        "published_at": shown(rule.published_at),
        "_row": rule,
    }


@strawberry.type(
    name="ConversionRule",
    description="转换规则 as its institution, administrators and institutions whose entries it "
    "uses see it.",
)
class ConversionRuleType(RuleFields):
    created_at: dt.datetime
    updated_at: dt.datetime
    taken_down_reason: str = strawberry.field(description="Why the bank took it down (下架).")
    institution_id: strawberry.ID

    @strawberry.field
    async def institution(self, info: Info) -> InstitutionType:
        row = await info.context.loaders.institution_by_id.load(self._row.institution_id)
        assert row is not None  # institutions with rules are never deleted (RESTRICT)
        return InstitutionType.from_model(row)

    @strawberry.field(description="源成果, all required together, in their order.")
    async def sources(self, info: Info) -> list[RuleSourceType]:
        parts = await info.context.loaders.rules.parts_by_rule.load(self._row.id)
        return [RuleSourceType.from_model(row, entry) for row, entry in parts.sources]

    @strawberry.field(description="目标成果: majors then courses, or non-academic achievements.")
    async def targets(self, info: Info) -> list[RuleTargetType]:
        parts = await info.context.loaders.rules.parts_by_rule.load(self._row.id)
        return [RuleTargetType.from_model(row, entry) for row, entry in parts.targets]

    @classmethod
    def from_model(cls, rule: ConversionRule) -> ConversionRuleType:
        return cls(
            **_shown_fields(rule),
            created_at=shown(rule.created_at),  # type: ignore[arg-type]
            updated_at=shown(rule.updated_at),  # type: ignore[arg-type]
            taken_down_reason=rule.taken_down_reason,
            institution_id=strawberry.ID(str(rule.institution_id)),
        )


@strawberry.type(
    name="PublicConversionRule",
    description="A published conversion rule as anyone sees it on the portal (门户) and the "
    "learner's 转换规则 page, without internal fields.",
)
class PublicConversionRuleType(RuleFields):
    @strawberry.field(description="源成果, all required together.")
    async def sources(self, info: Info) -> list[PublicRuleSourceType]:
        parts = await info.context.loaders.rules.parts_by_rule.load(self._row.id)
        return [PublicRuleSourceType.from_model(row, entry) for row, entry in parts.sources]

    @strawberry.field(description="目标成果")
    async def targets(self, info: Info) -> list[PublicRuleTargetType]:
        parts = await info.context.loaders.rules.parts_by_rule.load(self._row.id)
        return [PublicRuleTargetType.from_model(row, entry) for row, entry in parts.targets]

    @classmethod
    def from_model(cls, rule: ConversionRule) -> PublicConversionRuleType:
        return cls(**_shown_fields(rule))
