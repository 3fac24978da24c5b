"""转换申请审核: the rule's institution approves applications, or rejects them with a reason
(seed 003 §2.4.1). A selection, or every pending one of the queue when none is selected; each
decision kept as a review record. Approval stores the target achievements for the learner in the
same transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from models import (
    AchievementSource,
    AchievementStatus,
    ApplicationStatus,
    ConversionApplication,
    ConversionApplicationSource,
    ConversionBatch,
    ConversionReview,
    ConversionRule,
    ConversionRuleTarget,
    Initiator,
    Institution,
    InstitutionAchievement,
    LearnerAchievement,
    RecognitionStatus,
    ReviewDecision,
    TargetKind,
)
from resolvers.certificates.conversion_certificates import issue_conversion_certificates
from resolvers.certificates.issuing import Issuer
from resolvers.conversion.applications import RECORDS_LINK, stored_holdings
from resolvers.conversion.records import ApplicationFilter, received_query
from resolvers.core import audit
from resolvers.core.actors import Actor, require_institution
from resolvers.core.bulk_rows import insert_rows
from resolvers.core.clock import now, today
from resolvers.core.columns import uuid_column
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.ids import time_ordered_id
from resolvers.core.validation import FieldChecker
from resolvers.messages import Notice, notify, to_institution, to_learner

MAX_REASON = 500
MAX_SELECTION = 20000


@dataclass
class ReviewInput:
    """审核: 通过 / 不通过 with 不通过原因. ``ids`` chosen, or None for every pending application
    of the queue: the batch ``batch_id`` (机构发起), or the personal applications matching
    ``filters`` (个人申请)."""

    approve: bool
    reason: str = ""
    ids: list[uuid.UUID] | None = None
    batch_id: uuid.UUID | None = None
    filters: ApplicationFilter | None = None


@dataclass
class ReviewOutcome:
    decided: list[ConversionApplication]
    approved: int
    rejected: int


def _changed() -> DomainError:
    return DomainError.of(ErrorCode.WRONG_STATE, "申请已被审核或状态已变化，请刷新后重试", "ids")


async def _chosen_ids(institution_id: uuid.UUID, data: ReviewInput) -> list[uuid.UUID]:
    """The applications to decide, checked to be this institution's and in the queue."""
    if data.batch_id is not None and not await ConversionBatch.exists(
        id=data.batch_id, target_institution_id=institution_id
    ):
        raise DomainError.of(ErrorCode.NOT_FOUND, "批次不存在", "batchId")
    if data.ids is None:
        if data.batch_id is not None:
            query = ConversionApplication.filter(batch_id=data.batch_id)
        else:
            filters = data.filters or ApplicationFilter()
            query = received_query(institution_id, filters).filter(initiator=Initiator.LEARNER)
        pending = query.filter(status=ApplicationStatus.PENDING).order_by("created_at", "id")
        ids = await uuid_column(pending.limit(MAX_SELECTION + 1), "id")
        if not ids:
            raise DomainError.of(ErrorCode.REQUIRED, "没有待审核的转换申请", "ids")
        if len(ids) > MAX_SELECTION:
            raise DomainError.of(
                ErrorCode.INVALID, f"一次最多审核{MAX_SELECTION}条申请，请分批审核", "ids"
            )
        return ids
    ids = list(dict.fromkeys(data.ids))
    if not ids:
        raise DomainError.of(ErrorCode.REQUIRED, "请选择转换申请", "ids")
    if len(ids) > MAX_SELECTION:
        raise DomainError.of(ErrorCode.INVALID, f"一次最多审核{MAX_SELECTION}条申请", "ids")
    return ids


async def _locked(
    institution_id: uuid.UUID, ids: list[uuid.UUID], batch_id: uuid.UUID | None
) -> list[ConversionApplication]:
    """The applications, locked, all pending in this institution's queue: or nothing at all.
    A second reviewer of the same application waits here and then finds it decided."""
    query = (
        ConversionApplication.select_for_update()
        .filter(id__in=ids, target_institution_id=institution_id)
        .order_by("id")  # one lock order, so overlapping selections queue instead of deadlock
    )
    if batch_id is not None:
        query = query.filter(batch_id=batch_id)
    found = {row.id: row for row in await query}
    problems = Problems()
    for index, application_id in enumerate(ids):
        row = found.get(application_id)
        if row is None:
            problems.add(f"ids.{index}", ErrorCode.NOT_FOUND, "转换申请不存在")
        elif row.status != ApplicationStatus.PENDING:
            problems.add(
                f"ids.{index}", ErrorCode.WRONG_STATE, f"该申请已{row.status.label}，不能再审核"
            )
    problems.raise_if_any()
    return [found[application_id] for application_id in ids]


# -- the target achievements ---------------------------------------------------------------------


def _module_credits(modules: list[dict[str, Any]]) -> Decimal | None:
    total = sum((Decimal(str(m.get("credits", 0))) for m in modules), Decimal(0))
    return total if modules else None


def target_credits(entry: InstitutionAchievement, target: ConversionRuleTarget) -> Decimal | None:
    """The credits a converted achievement carries: the bank's credits of a recognised entry;
    otherwise a course's original credits, or the exempt modules' credits."""
    if entry.recognition_status == RecognitionStatus.RECOGNISED and entry.credits is not None:
        return entry.credits
    if target.kind == TargetKind.COURSE and entry.details.get("original_credits") is not None:
        return Decimal(str(entry.details["original_credits"]))
    return _module_credits(target.exempt_modules or [])


async def _store_targets(
    actor: Actor, applications: list[ConversionApplication], moment: dt.datetime
) -> None:
    """Stored achievements (source: conversion) of each rule's targets for each learner; their
    个人成果编号 is the rule's code, which with the learner and the entry finds them again. A
    target the learner already holds, stored (deposited, or converted under another rule, in
    this review too), is not stored twice: its credits would count twice."""
    rule_ids = {row.rule_id for row in applications}
    rules = {rule.id: rule for rule in await ConversionRule.filter(id__in=rule_ids)}
    targets: dict[uuid.UUID, list[ConversionRuleTarget]] = defaultdict(list)
    for target in await ConversionRuleTarget.filter(rule_id__in=rule_ids).order_by("sort", "id"):
        targets[target.rule_id].append(target)
    entry_ids = {t.catalogue_entry_id for group in targets.values() for t in group}
    entries = {e.id: e for e in await InstitutionAchievement.filter(id__in=entry_ids)}
    learner_ids = {row.learner_id for row in applications}
    held = {
        (row["learner_id"], row["catalogue_entry_id"])
        for row in await stored_holdings(learner_ids, list(entry_ids)).values(
            "learner_id", "catalogue_entry_id"
        )
    }
    issued = today()
    rows = []
    for application in applications:
        rule = rules[application.rule_id]
        for target in targets[rule.id]:
            entry = entries[target.catalogue_entry_id]
            if (application.learner_id, entry.id) in held:
                continue
            held.add((application.learner_id, entry.id))
            rows.append(
                {
                    "id": time_ordered_id(),
                    "learner_id": application.learner_id,
                    "catalogue_entry_id": entry.id,
                    "institution_id": entry.institution_id,
                    "subtype_id": entry.subtype_id,
                    "category_id": entry.category_id,
                    "name": entry.name,
                    "issuer_name": entry.issuer_name,
                    "details": entry.details,
                    "introduction": entry.introduction,
                    "certificate_number": rule.code,
                    "issue_date": issued,
                    "source": AchievementSource.CONVERSION,
                    "status": AchievementStatus.STORED,
                    "credits": target_credits(entry, target),
                    "review_note": "",
                    "withdrawn_reason": "",
                    "withdrawn_file_id": None,
                    "withdrawn_at": None,
                    "created_by_kind": actor.kind.value,
                    "created_by_id": actor.id,
                    "import_job_id": None,
                    "created_at": moment,
                    "stored_at": moment,
                    "updated_at": moment,
                }
            )
    await insert_rows(LearnerAchievement, rows)


async def _check_sources_still_stored(applications: list[ConversionApplication]) -> None:
    """Refuse approval when a source was withdrawn since the application was made. Read without
    a lock: a withdrawal locks the achievements and then the applications, this review the
    applications and then reads the achievements, so locking here could deadlock the two; a
    withdrawal still in progress is simply ordered after this approval."""
    ids = [row.id for row in applications]
    used = ConversionApplicationSource.filter(application_id__in=ids).values(
        "learner_achievement_id"
    )
    gone = (
        await LearnerAchievement.filter(id__in=Subquery(used))
        .exclude(status=AchievementStatus.STORED)
        .exists()
    )
    if gone:
        raise DomainError.of(
            ErrorCode.WRONG_STATE, "源成果已撤回，申请不能通过，请刷新后重试", "ids"
        )


# -- deciding ------------------------------------------------------------------------------------


def _messages(
    institution: Institution,
    applications: list[ConversionApplication],
    approve: bool,
    reason: str,
    batch_names: dict[uuid.UUID, tuple[uuid.UUID, str]],
) -> list[Notice]:
    notices = [
        to_learner(
            row.learner_id,
            "conversion.succeeded" if approve else "conversion.failed",
            "成果转换成功" if approve else "成果转换失败",
            (
                f"您按转换规则{row.rule_code}提交的转换申请已由{institution.name}审核通过，"
                "转换获得的成果已存入您的学分银行账户。"
                if approve
                else f"您按转换规则{row.rule_code}提交的转换申请未通过{institution.name}的审核。"
                f"不通过原因：{reason}"
            ),
            RECORDS_LINK,
            row.id,
        )
        for row in applications
    ]
    per_batch: dict[uuid.UUID, int] = defaultdict(int)
    for row in applications:
        if row.batch_id is not None:
            per_batch[row.batch_id] += 1
    for batch_id, count in per_batch.items():
        initiating_id, name = batch_names[batch_id]
        verdict = "审核通过" if approve else f"审核不通过（原因：{reason}）"
        notices.append(
            to_institution(
                initiating_id,
                "conversion.batch_reviewed",
                "批量转换审核结果",
                f"您发起的“{name}”中{count}名学员的转换申请已由{institution.name}{verdict}。",
                RECORDS_LINK,
                batch_id,
            )
        )
    return notices


async def review_applications(actor: Actor, data: ReviewInput, issuer: Issuer) -> ReviewOutcome:
    """Approve or reject, all or nothing; approval stores the targets and issues each learner's
    conversion certificate (转换证明); messages to each learner and, for a batch, to the
    institution that applied."""
    institution_id = require_institution(actor, people_only=True)
    checker = FieldChecker()
    reason = checker.text("reason", data.reason, max_length=MAX_REASON, required=not data.approve)
    checker.done()
    ids = await _chosen_ids(institution_id, data)
    institution = await Institution.get(id=institution_id)
    async with in_transaction():
        applications = await _locked(institution_id, ids, data.batch_id)
        moment = now()
        status = ApplicationStatus.SUCCEEDED if data.approve else ApplicationStatus.FAILED
        if data.approve:
            await _check_sources_still_stored(applications)
            await _store_targets(actor, applications, moment)
        changed = await ConversionApplication.filter(
            id__in=ids, status=ApplicationStatus.PENDING
        ).update(status=status, decided_at=moment, failure_reason="" if data.approve else reason)
        if changed != len(ids):
            raise _changed()
        for row in applications:
            row.status, row.decided_at = status, moment
            row.failure_reason = "" if data.approve else reason
        if data.approve:
            await issue_conversion_certificates(actor, issuer, applications)
        decision = ReviewDecision.APPROVED if data.approve else ReviewDecision.REJECTED
        await insert_rows(
            ConversionReview,
            [
                {
                    "id": time_ordered_id(),
                    "application_id": row.id,
                    "decision": decision,
                    "reason": reason,
                    "reviewer_kind": actor.kind.value,
                    "reviewer_id": actor.id,
                    "reviewer_name": actor.label[:100],
                    "created_at": moment,
                }
                for row in applications
            ],
        )
        batch_ids = {row.batch_id for row in applications if row.batch_id is not None}
        batch_names = {
            b["id"]: (b["institution_id"], b["name"])
            for b in await ConversionBatch.filter(id__in=batch_ids).values(
                "id", "institution_id", "name"
            )
        }
        await notify(*_messages(institution, applications, data.approve, reason, batch_names))
        await audit.record(
            actor,
            "conversion_application.review",
            applications[0],
            after={
                "decision": decision.value,
                "reason": reason,
                "application_ids": [str(i) for i in ids],
            },
        )
    approved = len(applications) if data.approve else 0
    return ReviewOutcome(applications, approved, len(applications) - approved)
