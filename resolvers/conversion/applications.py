"""Applying for a conversion (申请转换): a learner for themselves from a stored achievement
(个人申请, seed 004 §3), or the institution of a source for a batch of its learners (机构发起,
seed 003 §2.3.2). What a withdrawn source does to them is in withdrawn_sources."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet, ValuesQuery
from tortoise.transactions import in_transaction

from models import (
    AchievementStatus,
    ApplicationStatus,
    ConversionApplication,
    ConversionApplicationSource,
    ConversionBatch,
    ConversionRule,
    ConversionRuleSource,
    ConversionRuleTarget,
    Initiator,
    Institution,
    InstitutionAchievement,
    Learner,
    LearnerAchievement,
)
from resolvers.conversion.rule_queries import published_rule
from resolvers.core import audit
from resolvers.core.actors import Actor, require_institution, require_learner
from resolvers.core.bulk_rows import insert_rows
from resolvers.core.clock import now, today
from resolvers.core.columns import uuid_column
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.ids import time_ordered_id
from resolvers.core.pages import paginate
from resolvers.core.validation import normalize_id_number
from resolvers.messages import notify, to_institution, to_learner

LIVE = (ApplicationStatus.PENDING, ApplicationStatus.SUCCEEDED)
MAX_BATCH_LEARNERS = 20000
RECORDS_LINK = "/conversion/records"
REVIEW_LINK = "/conversion/reviews"


@dataclass
class CandidateFilter:
    """批量选择学员: 学员姓名 / 身份证号."""

    learner_name: str | None = None
    id_number: str | None = None


# -- the rule and what a learner holds -----------------------------------------------------------


async def source_entry_ids(rule_id: uuid.UUID) -> list[uuid.UUID]:
    query = ConversionRuleSource.filter(rule_id=rule_id).order_by("sort", "id")
    return await uuid_column(query, "catalogue_entry_id")


async def target_entry_ids(rule_id: uuid.UUID) -> list[uuid.UUID]:
    query = ConversionRuleTarget.filter(rule_id=rule_id).order_by("sort", "id")
    return list(dict.fromkeys(await uuid_column(query, "catalogue_entry_id")))


def stored_holdings(
    learner_ids: Iterable[uuid.UUID] | None, entry_ids: list[uuid.UUID]
) -> QuerySet[LearnerAchievement]:
    """The stored achievements of ``entry_ids`` (of these learners, when given)."""
    query = LearnerAchievement.filter(
        catalogue_entry_id__in=entry_ids, status=AchievementStatus.STORED
    )
    if learner_ids is not None:
        query = query.filter(learner_id__in=list(learner_ids))
    return query


async def _held_by(
    learner_ids: list[uuid.UUID], entry_ids: list[uuid.UUID], *, lock: bool = False
) -> dict[uuid.UUID, dict[uuid.UUID, uuid.UUID]]:
    """learner → source entry → the stored achievement that holds it (the newest)."""
    query = stored_holdings(learner_ids, entry_ids)
    if lock:
        # A withdrawal of one of these rows waits for this transaction, or this one sees it.
        query = query.select_for_update()
    held: dict[uuid.UUID, dict[uuid.UUID, uuid.UUID]] = defaultdict(dict)
    for row in await query.order_by("stored_at", "id").values(
        "id", "learner_id", "catalogue_entry_id"
    ):
        held[row["learner_id"]][row["catalogue_entry_id"]] = row["id"]
    return held


def _holding_all(entry_ids: list[uuid.UUID]) -> ValuesQuery[Literal[False]]:
    """The ids of the learners holding every one of ``entry_ids``, stored, as a subquery."""
    return (
        stored_holdings(None, entry_ids)
        .annotate(held=Count("catalogue_entry_id", distinct=True))
        .group_by("learner_id")
        .filter(held=len(entry_ids))
        .values("learner_id")
    )


async def holding_every_target(
    learner_ids: list[uuid.UUID], target_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """The learners who already hold, stored, every target of a rule: converting again would
    only count the same credits twice."""
    held = await _held_by(learner_ids, target_ids)
    return {learner for learner, entries in held.items() if len(entries) == len(target_ids)}


async def _entry_names(entry_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = await InstitutionAchievement.filter(id__in=list(entry_ids)).values("id", "name")
    return {row["id"]: row["name"] for row in rows}


async def _live_learners(rule_id: uuid.UUID, learner_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    query = ConversionApplication.filter(
        rule_id=rule_id, learner_id__in=learner_ids, status__in=LIVE
    )
    return set(await uuid_column(query, "learner_id"))


def _already_applied(field: str) -> DomainError:
    return DomainError.of(ErrorCode.CONFLICT, "已申请过该转换规则（审核中或已转换成功）", field)


TARGETS_HELD = "已持有该转换规则的全部目标成果，无需转换"


# -- writing applications ------------------------------------------------------------------------


async def _write_applications(
    actor: Actor,
    rule: ConversionRule,
    holdings: dict[uuid.UUID, dict[uuid.UUID, uuid.UUID]],
    *,
    initiator: Initiator,
    institution_id: uuid.UUID | None = None,
    batch_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """One pending application per learner of ``holdings`` with its source rows; the ids."""
    moment = now()
    applications: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []
    for learner_id, held in holdings.items():
        application_id = time_ordered_id()
        applications.append(
            {
                "id": application_id,
                "rule_id": rule.id,
                "rule_code": rule.code,
                "target_institution_id": rule.institution_id,
                "learner_id": learner_id,
                "initiator": initiator,
                "initiating_institution_id": institution_id,
                "batch_id": batch_id,
                "status": ApplicationStatus.PENDING,
                "failure_reason": "",
                "created_by_kind": actor.kind.value,
                "created_by_id": actor.id,
                "created_at": moment,
                "decided_at": None,
            }
        )
        sources.extend(
            {"id": time_ordered_id(), "application_id": application_id, "learner_achievement_id": a}
            for a in held.values()
        )
    try:
        await insert_rows(ConversionApplication, applications)
    except IntegrityError:
        # Another request applied for one of these learners at the same moment.
        raise _already_applied("ruleId") from None
    await insert_rows(ConversionApplicationSource, sources)
    return [application["id"] for application in applications]


async def apply_as_learner(actor: Actor, rule_id: uuid.UUID) -> ConversionApplication:
    """个人申请: the learner must hold every source of the published rule, stored, and have no
    pending or succeeded application under it. The rule's institution is told."""
    learner_id = require_learner(actor)
    rule = await published_rule(rule_id)
    entry_ids = await source_entry_ids(rule.id)
    learner = await Learner.get(id=learner_id)
    async with in_transaction():
        held = (await _held_by([learner_id], entry_ids, lock=True)).get(learner_id, {})
        missing = [entry_id for entry_id in entry_ids if entry_id not in held]
        if missing:
            names = await _entry_names(missing)
            raise DomainError.of(
                ErrorCode.NOT_ALLOWED,
                "尚未持有存储状态的源成果：" + "、".join(names[m] for m in missing),
                "ruleId",
            )
        if await _live_learners(rule.id, [learner_id]):
            raise _already_applied("ruleId")
        if await holding_every_target([learner_id], await target_entry_ids(rule.id)):
            raise DomainError.of(ErrorCode.CONFLICT, TARGETS_HELD, "ruleId")
        (application_id,) = await _write_applications(
            actor, rule, {learner_id: held}, initiator=Initiator.LEARNER
        )
        application = await ConversionApplication.get(id=application_id)
        await audit.record(
            actor,
            "conversion_application.apply",
            application,
            after=audit.snapshot(application),
            institution_id=rule.institution_id,
        )
        await notify(
            to_institution(
                rule.institution_id,
                "conversion.applied",
                "转换申请待审核",
                f"学员{learner.name}申请按转换规则{rule.code}进行成果转换，请及时审核。",
                REVIEW_LINK,
                application.id,
            )
        )
    return application


# -- batches of an institution (机构发起) ---------------------------------------------------------


async def _related_rule(institution_id: uuid.UUID, rule_id: uuid.UUID) -> ConversionRule:
    """A published rule with at least one source from the institution's catalogue."""
    rule = await published_rule(rule_id)
    if not await ConversionRuleSource.exists(rule_id=rule.id, institution_id=institution_id):
        raise DomainError.of(
            ErrorCode.NOT_ALLOWED, "只能为使用本机构成果作为源成果的转换规则发起申请", "ruleId"
        )
    return rule


def _candidates_query(
    rule_id: uuid.UUID,
    entry_ids: list[uuid.UUID],
    target_ids: list[uuid.UUID],
    filters: CandidateFilter,
) -> QuerySet[Learner]:
    """Learners holding every source, stored, with no pending or succeeded application, who do
    not already hold every target."""
    applied = ConversionApplication.filter(rule_id=rule_id, status__in=LIVE).values("learner_id")
    query = (
        Learner.filter(id__in=Subquery(_holding_all(entry_ids)))
        .exclude(id__in=Subquery(applied))
        .exclude(id__in=Subquery(_holding_all(target_ids)))
    )
    name = (filters.learner_name or "").strip()
    if name:
        query = query.filter(name__icontains=name)
    if filters.id_number and filters.id_number.strip():
        query = query.filter(id_number=normalize_id_number(filters.id_number))
    return query


async def list_candidates(
    actor: Actor, rule_id: uuid.UUID, filters: CandidateFilter, page: int, page_size: int
) -> tuple[list[Learner], int]:
    """转换规则管理 / 批量选择学员: the learners the institution may apply for."""
    institution_id = require_institution(actor)
    rule = await _related_rule(institution_id, rule_id)
    query = _candidates_query(
        rule.id, await source_entry_ids(rule.id), await target_entry_ids(rule.id), filters
    )
    return await paginate(query, page, page_size, "name")


def batch_name(institution_name: str) -> str:
    return f"{institution_name}{today():%Y-%m-%d} 批量学员转换"


async def apply_for_batch(
    actor: Actor,
    rule_id: uuid.UUID,
    learner_ids: list[uuid.UUID] | None,
    filters: CandidateFilter,
) -> ConversionBatch:
    """机构发起: the chosen learners, or every learner matching the filters when none is chosen;
    all or nothing. The rule's institution and each learner are told."""
    institution_id = require_institution(actor, people_only=True)
    rule = await _related_rule(institution_id, rule_id)
    entry_ids = await source_entry_ids(rule.id)
    target_ids = await target_entry_ids(rule.id)
    institution = await Institution.get(id=institution_id)
    async with in_transaction():
        if learner_ids is None:
            candidates = _candidates_query(rule.id, entry_ids, target_ids, filters)
            chosen = await uuid_column(
                candidates.order_by("name", "id").limit(MAX_BATCH_LEARNERS + 1), "id"
            )
            if not chosen:
                raise DomainError.of(ErrorCode.REQUIRED, "没有可申请转换的学员", "learnerIds")
        else:
            chosen = list(dict.fromkeys(learner_ids))
            if not chosen:
                raise DomainError.of(ErrorCode.REQUIRED, "请选择学员", "learnerIds")
        if len(chosen) > MAX_BATCH_LEARNERS:
            raise DomainError.of(
                ErrorCode.INVALID, f"一次最多为{MAX_BATCH_LEARNERS}名学员申请", "learnerIds"
            )
        held = await _held_by(chosen, entry_ids, lock=True)
        live = await _live_learners(rule.id, chosen)
        converted = await holding_every_target(chosen, target_ids)
        problems = Problems()
        for index, learner_id in enumerate(chosen):
            if len(held.get(learner_id, {})) != len(entry_ids):
                problems.add(f"learnerIds.{index}", ErrorCode.NOT_ALLOWED, "该学员未持有全部源成果")
            elif learner_id in live:
                problems.add(f"learnerIds.{index}", ErrorCode.CONFLICT, "该学员已申请过该转换规则")
            elif learner_id in converted:
                problems.add(f"learnerIds.{index}", ErrorCode.CONFLICT, "该学员已持有全部目标成果")
        problems.raise_if_any()
        batch = await ConversionBatch.create(
            rule_id=rule.id,
            institution_id=institution_id,
            target_institution_id=rule.institution_id,
            name=batch_name(institution.name),
            learner_count=len(chosen),
            created_by_id=actor.id,
        )
        ids = await _write_applications(
            actor,
            rule,
            {learner_id: held[learner_id] for learner_id in chosen},
            initiator=Initiator.INSTITUTION,
            institution_id=institution_id,
            batch_id=batch.id,
        )
        await audit.record(
            actor,
            "conversion_batch.apply",
            batch,
            after={**audit.snapshot(batch), "application_ids": [str(i) for i in ids]},
        )
        await notify(
            to_institution(
                rule.institution_id,
                "conversion.batch_applied",
                "批量转换申请待审核",
                f"{institution.name}按转换规则{rule.code}为{len(chosen)}名学员申请成果转换"
                f"（{batch.name}），请及时审核。",
                REVIEW_LINK,
                batch.id,
            ),
            *(
                to_learner(
                    learner_id,
                    "conversion.applied_for_you",
                    "成果转换申请",
                    f"{institution.name}为您按转换规则{rule.code}申请了成果转换，审核结果将另行通知。",
                    RECORDS_LINK,
                    application_id,
                )
                for learner_id, application_id in zip(chosen, ids, strict=True)
            ),
        )
    return batch
