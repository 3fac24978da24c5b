"""Reading conversion applications: the review queues of the rule's institution (转换申请审核),
the records of both sides (转换记录: 机构接收 / 机构发起; a learner's 转换成功 / 审核中 / 转换失败)
and the review records of one application."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from models import (
    ApplicationStatus,
    ConversionApplication,
    ConversionBatch,
    ConversionReview,
    Initiator,
)
from resolvers.core.actors import Actor, require_authenticated, require_institution, require_learner
from resolvers.core.clock import day_start
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.pages import paginate
from resolvers.core.validation import normalize_id_number


class RecordScope(StrEnum):
    """Which of an institution's lists: applications to review as the rule's institution
    (机构接收, and 个人申请 among them), or those it applied for (机构发起)."""

    RECEIVED = "received"
    PERSONAL_QUEUE = "personal_queue"
    INITIATED = "initiated"


@dataclass
class ApplicationFilter:
    """申请年份 / 规则编码 / 学员姓名 / 身份证号 / 转换状态."""

    year: int | None = None
    rule_code: str | None = None
    learner_name: str | None = None
    id_number: str | None = None
    status: ApplicationStatus | None = None


@dataclass
class LearnerRecordFilter:
    """A learner's 转换记录: 申请时间 from / to, 转换发起人, and the tab."""

    status: ApplicationStatus | None = None
    applied_from: dt.date | None = None
    applied_to: dt.date | None = None
    initiator: Initiator | None = None


@dataclass
class BatchFilter:
    """机构发起 queue: 申请年份 / 规则编码 / 转换发起者 (the applying institution's name)."""

    year: int | None = None
    rule_code: str | None = None
    initiator_name: str | None = None


@dataclass
class StatusCounts:
    succeeded: int = 0
    pending: int = 0
    failed: int = 0


def _year(query: QuerySet, year: int | None) -> QuerySet:
    if year is None:
        return query
    if not 2000 <= year <= 2100:
        raise DomainError.of(ErrorCode.INVALID, "申请年份不正确", "year")
    return query.filter(
        created_at__gte=day_start(dt.date(year, 1, 1)),
        created_at__lt=day_start(dt.date(year + 1, 1, 1)),
    )


def _filtered(query: QuerySet[ConversionApplication], filters: ApplicationFilter) -> QuerySet:
    query = _year(query, filters.year)
    code = (filters.rule_code or "").strip()
    if code:
        query = query.filter(rule_code__startswith=code)
    name = (filters.learner_name or "").strip()
    if name:
        query = query.filter(learner__name__icontains=name)
    if filters.id_number and filters.id_number.strip():
        query = query.filter(learner__id_number=normalize_id_number(filters.id_number))
    if filters.status is not None:
        query = query.filter(status=filters.status)
    return query


def received_query(institution_id: uuid.UUID, filters: ApplicationFilter) -> QuerySet:
    return _filtered(ConversionApplication.filter(target_institution_id=institution_id), filters)


def institution_query(
    actor: Actor, scope: RecordScope, filters: ApplicationFilter
) -> QuerySet[ConversionApplication]:
    """The rows of one of the institution's lists, unordered (the list and the export)."""
    institution_id = require_institution(actor)
    if scope == RecordScope.INITIATED:
        return _filtered(
            ConversionApplication.filter(initiating_institution_id=institution_id), filters
        )
    query = received_query(institution_id, filters)
    if scope == RecordScope.PERSONAL_QUEUE:
        query = query.filter(initiator=Initiator.LEARNER, status=ApplicationStatus.PENDING)
    return query


async def list_for_institution(
    actor: Actor, scope: RecordScope, filters: ApplicationFilter, page: int, page_size: int
) -> tuple[list[ConversionApplication], int]:
    return await paginate(institution_query(actor, scope, filters), page, page_size, "-created_at")


def _batches_query(institution_id: uuid.UUID, filters: BatchFilter) -> QuerySet[ConversionBatch]:
    query = _year(ConversionBatch.filter(target_institution_id=institution_id), filters.year)
    code = (filters.rule_code or "").strip()
    if code:
        query = query.filter(rule__code__startswith=code)
    name = (filters.initiator_name or "").strip()
    if name:
        query = query.filter(name__icontains=name)
    return query


async def list_batches(
    actor: Actor, filters: BatchFilter, page: int, page_size: int, pending_only: bool = True
) -> tuple[list[ConversionBatch], int]:
    """转换申请审核 › 机构发起: the batches aimed at this institution, those with applications
    still pending unless told otherwise."""
    institution_id = require_institution(actor)
    query = _batches_query(institution_id, filters)
    if pending_only:
        query = query.filter(
            id__in=Subquery(
                ConversionApplication.filter(
                    target_institution_id=institution_id,
                    batch_id__not_isnull=True,
                    status=ApplicationStatus.PENDING,
                ).values("batch_id")
            )
        )
    return await paginate(query, page, page_size, "-created_at")


async def list_batch_applications(
    actor: Actor, batch_id: uuid.UUID, filters: ApplicationFilter, page: int, page_size: int
) -> tuple[list[ConversionApplication], int]:
    """转换申请审核 / 查看学员: the learners of one batch (the rule's or the applying
    institution's)."""
    institution_id = require_institution(actor)
    batch = await ConversionBatch.get_or_none(id=batch_id)
    if batch is None or institution_id not in (batch.target_institution_id, batch.institution_id):
        raise DomainError.of(ErrorCode.NOT_FOUND, "批次不存在", "batchId")
    query = _filtered(ConversionApplication.filter(batch_id=batch.id), filters)
    return await paginate(query, page, page_size, "created_at")


async def queue_counts(actor: Actor) -> tuple[int, int]:
    """The tabs of 转换申请审核: pending personal applications, batches with pending ones."""
    institution_id = require_institution(actor)
    pending = ConversionApplication.filter(
        target_institution_id=institution_id, status=ApplicationStatus.PENDING
    )
    personal = await pending.filter(initiator=Initiator.LEARNER).count()
    batches = (
        await pending.filter(batch_id__not_isnull=True)
        .order_by("batch_id")
        .distinct()
        .values_list("batch_id", flat=True)
    )
    return personal, len(set(batches))


async def record_counts(actor: Actor) -> tuple[int, int]:
    """The tabs of 转换记录: 机构接收 / 机构发起."""
    institution_id = require_institution(actor)
    received = await ConversionApplication.filter(target_institution_id=institution_id).count()
    initiated = await ConversionApplication.filter(initiating_institution_id=institution_id).count()
    return received, initiated


# -- a learner's records -------------------------------------------------------------------------


def _learner_query(learner_id: uuid.UUID, filters: LearnerRecordFilter) -> QuerySet:
    if (
        filters.applied_from is not None
        and filters.applied_to is not None
        and filters.applied_from > filters.applied_to
    ):
        raise DomainError.of(ErrorCode.INVALID, "结束日期不能早于开始日期", "appliedTo")
    query = ConversionApplication.filter(learner_id=learner_id)
    if filters.applied_from is not None:
        query = query.filter(created_at__gte=day_start(filters.applied_from))
    if filters.applied_to is not None:
        query = query.filter(created_at__lt=day_start(filters.applied_to + dt.timedelta(days=1)))
    if filters.initiator is not None:
        query = query.filter(initiator=filters.initiator)
    return query


async def list_for_learner(
    actor: Actor, filters: LearnerRecordFilter, page: int, page_size: int
) -> tuple[list[ConversionApplication], int]:
    query = _learner_query(require_learner(actor), filters)
    if filters.status is not None:
        query = query.filter(status=filters.status)
    return await paginate(query, page, page_size, "-created_at")


async def learner_counts(actor: Actor, filters: LearnerRecordFilter) -> StatusCounts:
    """转换成功 (n) 审核中 (n) 转换失败 (n), with the other filters applied."""
    query = _learner_query(require_learner(actor), filters)
    rows = await query.annotate(n=Count("id")).group_by("status").values("status", "n")
    found = {row["status"]: row["n"] for row in rows}
    return StatusCounts(
        succeeded=found.get(ApplicationStatus.SUCCEEDED.value, 0),
        pending=found.get(ApplicationStatus.PENDING.value, 0),
        failed=found.get(ApplicationStatus.FAILED.value, 0),
    )


# -- one application -----------------------------------------------------------------------------


async def get_application(actor: Actor, application_id: uuid.UUID) -> ConversionApplication:
    """One application for its learner, the rule's institution or the applying institution."""
    require_authenticated(actor)
    if actor.is_learner:
        scope = Q(learner_id=actor.id)
    elif actor.acts_for_institution and actor.institution_id is not None:
        scope = Q(target_institution_id=actor.institution_id) | Q(
            initiating_institution_id=actor.institution_id
        )
    elif actor.is_admin:
        scope = Q()
    else:
        scope = Q(id=None)
    row = await ConversionApplication.filter(scope, id=application_id).first()
    if row is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "转换申请不存在", "id")
    return row


async def reviews_of(application_ids: list[uuid.UUID]) -> list[ConversionReview]:
    return await ConversionReview.filter(application_id__in=application_ids).order_by(
        "created_at", "id"
    )
