"""Conversion application queries: a learner's options and applications, the review queues,
the records of both sides."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from graphql_api.common import Page, parse_id
from graphql_api.context import Info
from graphql_api.conversion.types.applications import (
    ConversionApplicationType,
    ConversionBatchType,
    ConversionCandidateType,
    ConversionCounts,
    ConversionOptionsType,
    ConversionOptionType,
    MyConversionApplicationPage,
    application_filter,
)
from graphql_api.permissions import IsInstitution, IsLearner
from models import (
    ApplicationStatus,
    Initiator,
)
from resolvers.conversion import applications as conversion_applications
from resolvers.conversion import options as conversion_options
from resolvers.conversion import records as conversion_records
from resolvers.conversion.records import RecordScope


@strawberry.type
class ConversionApplicationQuery:
    @strawberry.field(
        description="Learners: what can I convert to — published rules whose sources they hold, "
        "and those they nearly meet with what is missing.",
        permission_classes=[IsLearner],
    )
    async def my_conversion_options(self, info: Info) -> ConversionOptionsType:
        options = await conversion_options.conversion_options(info.context.actor)
        return ConversionOptionsType(
            met=[ConversionOptionType.of(o) for o in options.met],
            nearly_met=[ConversionOptionType.of(o) for o in options.nearly_met],
        )

    @strawberry.field(
        description="Learners: 【转换】 on a stored achievement — the published rules using it as "
        "a source, with 是否已申请; filters 目标成果机构 / 目标成果名称 / 目标成果类型.",
        permission_classes=[IsLearner],
    )
    async def achievement_conversion_rules(
        self,
        info: Info,
        achievement_id: strawberry.ID,
        target_institution: str | None = None,
        target_name: str | None = None,
        target_category: Annotated[
            str | None, strawberry.argument(description="成果类型 code")
        ] = None,
    ) -> list[ConversionOptionType]:
        options = await conversion_options.achievement_rules(
            info.context.actor,
            parse_id(achievement_id, "achievementId"),
            conversion_options.TargetFilter(target_institution, target_name, target_category),
        )
        return [ConversionOptionType.of(o) for o in options]

    @strawberry.field(
        description="Learners: 转换记录, one tab (status) at a time with every tab's count; "
        "申请时间 from/to (Asia/Shanghai dates), 转换发起人.",
        permission_classes=[IsLearner],
    )
    async def my_conversion_applications(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 10,
        status: ApplicationStatus | None = None,
        applied_from: dt.date | None = None,
        applied_to: dt.date | None = None,
        initiator: Initiator | None = None,
    ) -> MyConversionApplicationPage:
        filters = conversion_records.LearnerRecordFilter(
            status, applied_from, applied_to, initiator
        )
        actor = info.context.actor
        rows, total = await conversion_records.list_for_learner(actor, filters, page, page_size)
        counts = await conversion_records.learner_counts(actor, filters)
        return MyConversionApplicationPage.of(
            rows,
            total,
            page,
            page_size,
            ConversionApplicationType.from_model,
            succeeded_count=counts.succeeded,
            pending_count=counts.pending,
            failed_count=counts.failed,
        )

    @strawberry.field(
        description="Institution users and API tokens: 转换记录 (机构接收 / 机构发起) and the "
        "personal review queue, newest first; filters 申请年份 / 规则编码 / 学员姓名 / 身份证号 / "
        "转换状态.",
        permission_classes=[IsInstitution],
    )
    async def conversion_applications(
        self,
        info: Info,
        scope: RecordScope,
        page: int = 1,
        page_size: int = 10,
        year: int | None = None,
        rule_code: str | None = None,
        learner_name: str | None = None,
        id_number: str | None = None,
        status: ApplicationStatus | None = None,
    ) -> Page[ConversionApplicationType]:
        rows, total = await conversion_records.list_for_institution(
            info.context.actor,
            scope,
            application_filter(year, rule_code, learner_name, id_number, status),
            page,
            page_size,
        )
        return Page.of(rows, total, page, page_size, ConversionApplicationType.from_model)

    @strawberry.field(
        description="One application, for its learner, the rule's institution or the applying "
        "institution.",
    )
    async def conversion_application(
        self, info: Info, id: strawberry.ID
    ) -> ConversionApplicationType:
        row = await conversion_records.get_application(info.context.actor, parse_id(id))
        return ConversionApplicationType.from_model(row)

    @strawberry.field(
        description="Institution users and API tokens: 转换申请审核 › 机构发起, the batches aimed "
        "at the institution (those with pending applications unless pendingOnly is false).",
        permission_classes=[IsInstitution],
    )
    async def conversion_batches(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 10,
        year: int | None = None,
        rule_code: str | None = None,
        initiator_name: Annotated[str | None, strawberry.argument(description="转换发起者")] = None,
        pending_only: bool = True,
    ) -> Page[ConversionBatchType]:
        rows, total = await conversion_records.list_batches(
            info.context.actor,
            conversion_records.BatchFilter(year, rule_code, initiator_name),
            page,
            page_size,
            pending_only,
        )
        return Page.of(rows, total, page, page_size, ConversionBatchType.from_model)

    @strawberry.field(
        description="Institution users and API tokens: 查看学员, the applications of one batch "
        "(未审核: status PENDING).",
        permission_classes=[IsInstitution],
    )
    async def conversion_batch_applications(
        self,
        info: Info,
        batch_id: strawberry.ID,
        page: int = 1,
        page_size: int = 10,
        learner_name: str | None = None,
        id_number: str | None = None,
        status: ApplicationStatus | None = None,
    ) -> Page[ConversionApplicationType]:
        rows, total = await conversion_records.list_batch_applications(
            info.context.actor,
            parse_id(batch_id, "batchId"),
            application_filter(None, None, learner_name, id_number, status),
            page,
            page_size,
        )
        return Page.of(rows, total, page, page_size, ConversionApplicationType.from_model)

    @strawberry.field(
        description="Institution users and API tokens: 批量选择学员, the learners holding every "
        "source of a related rule who have not applied under it.",
        permission_classes=[IsInstitution],
    )
    async def conversion_batch_candidates(
        self,
        info: Info,
        rule_id: strawberry.ID,
        page: int = 1,
        page_size: int = 10,
        learner_name: str | None = None,
        id_number: str | None = None,
    ) -> Page[ConversionCandidateType]:
        rows, total = await conversion_applications.list_candidates(
            info.context.actor,
            parse_id(rule_id, "ruleId"),
            conversion_applications.CandidateFilter(learner_name, id_number),
            page,
            page_size,
        )
        return Page.of(rows, total, page, page_size, ConversionCandidateType.from_model)

    @strawberry.field(
        description="Institution users and API tokens: the counts of the review and record tabs.",
        permission_classes=[IsInstitution],
    )
    async def conversion_counts(self, info: Info) -> ConversionCounts:
        personal, batches = await conversion_records.queue_counts(info.context.actor)
        received, initiated = await conversion_records.record_counts(info.context.actor)
        return ConversionCounts(
            personal_pending=personal,
            batches_pending=batches,
            received=received,
            initiated=initiated,
        )


# -- mutations -----------------------------------------------------------------------------------
