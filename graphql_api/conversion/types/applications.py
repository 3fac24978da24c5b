"""Conversion applications types: a learner's options and applications, an institution's
batches, the review queues, the records of both sides (SPEC §4; seed 003 §2.3.2, §2.4; seed 004
§3, §5)."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry

from graphql_api.achievements.types import LearnerAchievementType
from graphql_api.catalogue.types import CatalogueEntryType
from graphql_api.certificates.types import CertificateType
from graphql_api.common import Page, shown
from graphql_api.context import Info
from graphql_api.conversion.types.rules import ConversionRuleType
from graphql_api.institutions.types import InstitutionType
from models import (
    ApplicationStatus,
    ConversionApplication,
    ConversionBatch,
    ConversionReview,
    Initiator,
    Learner,
    ReviewDecision,
)
from resolvers.conversion import options as conversion_options
from resolvers.conversion import records as conversion_records
from resolvers.conversion.records import RecordScope
from resolvers.core.masking import mask_id_number

strawberry.enum(ApplicationStatus, name="ConversionApplicationStatus", description="转换状态")
strawberry.enum(Initiator, name="ConversionInitiator", description="转换发起人: 个人 / 机构")
strawberry.enum(ReviewDecision, name="ConversionReviewDecision", description="审核结果")
strawberry.enum(
    RecordScope,
    name="ConversionRecordScope",
    description="RECEIVED 机构接收 (every application to the institution's rules), "
    "PERSONAL_QUEUE 转换申请审核 › 个人申请 (pending personal ones), INITIATED 机构发起.",
)


@strawberry.type(name="ConversionReview", description="审核记录: one decision on an application.")
class ConversionReviewType:
    decision: ReviewDecision
    reason: str = strawberry.field(description="不通过原因, or why a withdrawn source failed it.")
    reviewer_name: str
    created_at: dt.datetime
    _row: strawberry.Private[ConversionReview]

    @strawberry.field
    def decision_label(self) -> str:
        return self._row.decision.label

    @classmethod
    def from_model(cls, row: ConversionReview) -> ConversionReviewType:
        return cls(
            decision=row.decision,
            reason=row.reason,
            reviewer_name=row.reviewer_name,
            created_at=shown(row.created_at),  # type: ignore[arg-type]
            _row=row,
        )


@strawberry.type(
    name="ConversionBatch", description="机构发起: one institution's batch of learners."
)
class ConversionBatchType:
    id: strawberry.ID
    name: str = strawberry.field(description="批次, e.g. 新疆美食培训2022-03-10 批量学员转换")
    learner_count: int = strawberry.field(description="学员数量")
    applied_at: dt.datetime = strawberry.field(description="申请时间")
    _row: strawberry.Private[ConversionBatch]

    @strawberry.field
    async def rule(self, info: Info) -> ConversionRuleType:
        rule = await info.context.loaders.rules.rule_by_id.load(self._row.rule_id)
        assert rule is not None  # rules with applications cannot be deleted (RESTRICT)
        return ConversionRuleType.from_model(rule)

    @strawberry.field(description="转换发起者")
    async def initiating_institution(self, info: Info) -> InstitutionType:
        row = await info.context.loaders.institution_by_id.load(self._row.institution_id)
        assert row is not None
        return InstitutionType.from_model(row)

    @strawberry.field(description="Applications of the batch still waiting for review.")
    async def pending_count(self, info: Info) -> int:
        return await info.context.loaders.applications.pending_by_batch.load(self._row.id)

    @classmethod
    def from_model(cls, row: ConversionBatch) -> ConversionBatchType:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            learner_count=row.learner_count,
            applied_at=shown(row.created_at),  # type: ignore[arg-type]
            _row=row,
        )


@strawberry.type(name="ConversionApplication", description="转换申请 and its record.")
class ConversionApplicationType:
    id: strawberry.ID
    rule_code: str = strawberry.field(description="规则编码")
    status: ApplicationStatus
    initiator: Initiator
    failure_reason: str = strawberry.field(description="不通过原因, when it failed.")
    applied_at: dt.datetime = strawberry.field(description="申请时间")
    decided_at: dt.datetime | None
    _row: strawberry.Private[ConversionApplication]

    @strawberry.field
    def status_label(self) -> str:
        return self._row.status.label

    @strawberry.field(description="转换发起人: 个人, or the applying institution's name.")
    async def initiator_label(self, info: Info) -> str:
        institution = await self.initiating_institution(info)
        return institution.name if institution is not None else self._row.initiator.label

    @strawberry.field
    async def rule(self, info: Info) -> ConversionRuleType:
        rule = await info.context.loaders.rules.rule_by_id.load(self._row.rule_id)
        assert rule is not None
        return ConversionRuleType.from_model(rule)

    async def _learner(self, info: Info) -> Learner:
        learner = await info.context.loaders.learner_by_id.load(self._row.learner_id)
        assert learner is not None
        return learner

    @strawberry.field(description="学员姓名")
    async def learner_name(self, info: Info) -> str:
        return (await self._learner(info)).name

    @strawberry.field(description="身份证号: whole for the learner, masked for institutions.")
    async def learner_id_number(self, info: Info) -> str:
        learner = await self._learner(info)
        actor = info.context.actor
        whole = actor.is_admin or (actor.is_learner and actor.id == learner.id)
        return learner.id_number if whole else mask_id_number(learner.id_number)

    @strawberry.field(description="源成果: the learner's achievements the application relies on.")
    async def sources(self, info: Info) -> list[LearnerAchievementType]:
        rows = await info.context.loaders.applications.sources_by_application.load(self._row.id)
        return [LearnerAchievementType.from_model(row) for row in rows]

    @strawberry.field(
        description="The achievements the conversion stored for the learner (转换获取), once it "
        "succeeded."
    )
    async def target_achievements(self, info: Info) -> list[LearnerAchievementType]:
        if self._row.status != ApplicationStatus.SUCCEEDED:
            return []
        loader = info.context.loaders.applications.converted_by_learner_and_code
        rows = await loader.load((self._row.learner_id, self._row.rule_code))
        return [LearnerAchievementType.from_model(row) for row in rows]

    @strawberry.field(
        description="转换证明: the conversion certificate of a succeeded application, for its "
        "learner."
    )
    async def certificate(self, info: Info) -> CertificateType | None:
        actor = info.context.actor
        if not (actor.is_learner and actor.id == self._row.learner_id):
            return None
        loader = info.context.loaders.applications.certificate_by_application
        row = await loader.load(self._row.id)
        return CertificateType.from_model(row) if row is not None else None

    @strawberry.field(description="The applying institution of a batch (机构发起).")
    async def initiating_institution(self, info: Info) -> InstitutionType | None:
        if self._row.initiating_institution_id is None:
            return None
        row = await info.context.loaders.institution_by_id.load(self._row.initiating_institution_id)
        return InstitutionType.from_model(row) if row is not None else None

    @strawberry.field
    async def batch(self, info: Info) -> ConversionBatchType | None:
        if self._row.batch_id is None:
            return None
        row = await info.context.loaders.applications.batch_by_id.load(self._row.batch_id)
        return ConversionBatchType.from_model(row) if row is not None else None

    @strawberry.field(description="审核记录, oldest first.")
    async def reviews(self, info: Info) -> list[ConversionReviewType]:
        rows = await info.context.loaders.applications.reviews_by_application.load(self._row.id)
        return [ConversionReviewType.from_model(row) for row in rows]

    @classmethod
    def from_model(cls, row: ConversionApplication) -> ConversionApplicationType:
        return cls(
            id=strawberry.ID(str(row.id)),
            rule_code=row.rule_code,
            status=row.status,
            initiator=row.initiator,
            failure_reason=row.failure_reason,
            applied_at=shown(row.created_at),  # type: ignore[arg-type]
            decided_at=shown(row.decided_at),
            _row=row,
        )


@strawberry.type(name="ConversionOption", description="One published rule as a learner sees it.")
class ConversionOptionType:
    eligible: bool = strawberry.field(
        description="Holds every source, not yet every target, and has no pending or succeeded "
        "application: may apply."
    )
    already_applied: bool = strawberry.field(description="是否已申请: pending or succeeded.")
    targets_held: bool = strawberry.field(
        description="Already holds every target, stored (deposited or converted before): "
        "applying is refused, as the credits would count twice."
    )
    application_status: ApplicationStatus | None = strawberry.field(
        description="The state of the latest application under the rule, if any."
    )
    _option: strawberry.Private[conversion_options.ConversionOption]

    @strawberry.field
    def rule(self) -> ConversionRuleType:
        return ConversionRuleType.from_model(self._option.rule)

    async def _entries(self, info: Info, ids: list[uuid.UUID]) -> list[CatalogueEntryType]:
        rows = await info.context.loaders.catalogue_entry_by_id.load_many(ids)
        return [CatalogueEntryType.from_model(row) for row in rows if row is not None]

    @strawberry.field(description="Sources the learner holds, stored.")
    async def held_sources(self, info: Info) -> list[CatalogueEntryType]:
        return await self._entries(info, self._option.held_entry_ids)

    @strawberry.field(description="Sources still missing (empty when all are held).")
    async def missing_sources(self, info: Info) -> list[CatalogueEntryType]:
        return await self._entries(info, self._option.missing_entry_ids)

    @classmethod
    def of(cls, option: conversion_options.ConversionOption) -> ConversionOptionType:
        return cls(
            eligible=option.eligible,
            already_applied=option.already_applied,
            targets_held=option.targets_held,
            application_status=option.application_status,
            _option=option,
        )


@strawberry.type(name="ConversionOptions", description="What can I convert to?")
class ConversionOptionsType:
    met: list[ConversionOptionType] = strawberry.field(
        description="Published rules whose every source the learner holds."
    )
    nearly_met: list[ConversionOptionType] = strawberry.field(
        description="Published rules of which the learner holds some sources, with what is missing."
    )


@strawberry.type(description="A learner's 转换记录: one tab, with the count of every tab.")
class MyConversionApplicationPage(Page[ConversionApplicationType]):
    succeeded_count: int = strawberry.field(description="转换成功 (n)")
    pending_count: int = strawberry.field(description="审核中 (n)")
    failed_count: int = strawberry.field(description="转换失败 (n)")


@strawberry.type(
    name="ConversionCandidate", description="批量选择学员: a learner who may be applied for."
)
class ConversionCandidateType:
    id: strawberry.ID
    name: str = strawberry.field(description="学员姓名")
    id_number: str = strawberry.field(description="身份证号, masked.")

    @classmethod
    def from_model(cls, row: Learner) -> ConversionCandidateType:
        return cls(
            id=strawberry.ID(str(row.id)), name=row.name, id_number=mask_id_number(row.id_number)
        )


@strawberry.type(description="The tabs of 转换申请审核 and 转换记录.")
class ConversionCounts:
    personal_pending: int = strawberry.field(description="个人申请 (n): pending.")
    batches_pending: int = strawberry.field(description="机构发起 (n): batches with pending ones.")
    received: int = strawberry.field(description="机构接收 (n)")
    initiated: int = strawberry.field(description="机构发起 (n)")


def application_filter(
    year: int | None,
    rule_code: str | None,
    learner_name: str | None,
    id_number: str | None,
    status: ApplicationStatus | None = None,
) -> conversion_records.ApplicationFilter:
    return conversion_records.ApplicationFilter(
        year=year,
        rule_code=rule_code,
        learner_name=learner_name,
        id_number=id_number,
        status=status,
    )
