"""What can I convert to: every published rule whose sources a learner holds, and the rules they
nearly meet with what is still missing; and the rules one stored achievement can be converted by
(seed 004 §3 转换规则信息, with 是否已申请). A fixed number of queries, however many rules."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from models import (
    AchievementStatus,
    ApplicationStatus,
    ConversionApplication,
    ConversionRule,
    ConversionRuleSource,
    ConversionRuleTarget,
    LearnerAchievement,
    RuleStatus,
)
from resolvers.core.actors import Actor, require_learner
from resolvers.core.columns import uuid_column
from resolvers.core.errors import DomainError, ErrorCode


@dataclass
class ConversionOption:
    """One published rule as seen by one learner."""

    rule: ConversionRule
    held_entry_ids: list[uuid.UUID]
    missing_entry_ids: list[uuid.UUID]
    application_status: ApplicationStatus | None = None  # of the latest application, if any
    targets_held: bool = False  # every target already held, stored: nothing left to convert to

    @property
    def eligible(self) -> bool:
        """Holds every source, does not yet hold every target, and has no pending or succeeded
        application under the rule."""
        return not self.missing_entry_ids and not self.already_applied and not self.targets_held

    @property
    def already_applied(self) -> bool:
        return self.application_status in (ApplicationStatus.PENDING, ApplicationStatus.SUCCEEDED)


@dataclass
class TargetFilter:
    """转换规则信息: 目标成果机构 / 目标成果名称 / 目标成果类型."""

    institution_name: str | None = None
    name: str | None = None
    category: str | None = None


@dataclass
class Options:
    met: list[ConversionOption] = field(default_factory=list)
    nearly_met: list[ConversionOption] = field(default_factory=list)


async def _options(
    learner_id: uuid.UUID, held: dict[uuid.UUID, uuid.UUID], only_entry: uuid.UUID | None = None
) -> list[ConversionOption]:
    """The published rules using at least one held entry (or ``only_entry``), newest first."""
    using = [only_entry] if only_entry is not None else list(held)
    if not using:
        return []
    rule_ids = set(
        await ConversionRuleSource.filter(
            catalogue_entry_id__in=using, rule__status=RuleStatus.PUBLISHED
        ).values_list("rule_id", flat=True)
    )
    if not rule_ids:
        return []
    sources: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for row in (
        await ConversionRuleSource.filter(rule_id__in=rule_ids)
        .order_by("sort", "id")
        .values("rule_id", "catalogue_entry_id")
    ):
        sources[row["rule_id"]].append(row["catalogue_entry_id"])
    targets: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for row in await ConversionRuleTarget.filter(rule_id__in=rule_ids).values(
        "rule_id", "catalogue_entry_id"
    ):
        targets[row["rule_id"]].add(row["catalogue_entry_id"])
    latest: dict[uuid.UUID, ApplicationStatus] = {}
    for row in (
        await ConversionApplication.filter(learner_id=learner_id, rule_id__in=rule_ids)
        .order_by("created_at", "id")
        .values("rule_id", "status")
    ):
        latest[row["rule_id"]] = ApplicationStatus(row["status"])
    rules = await ConversionRule.filter(id__in=rule_ids).order_by("-published_at", "id")
    return [
        ConversionOption(
            rule=rule,
            held_entry_ids=[e for e in sources[rule.id] if e in held],
            missing_entry_ids=[e for e in sources[rule.id] if e not in held],
            application_status=latest.get(rule.id),
            targets_held=bool(targets[rule.id]) and targets[rule.id] <= held.keys(),
        )
        for rule in rules
    ]


async def _held_entries(learner_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID]:
    """catalogue entry → the learner's stored achievement of it."""
    rows = await LearnerAchievement.filter(
        learner_id=learner_id, status=AchievementStatus.STORED, catalogue_entry_id__not_isnull=True
    ).values("id", "catalogue_entry_id")
    return {row["catalogue_entry_id"]: row["id"] for row in rows}


async def conversion_options(actor: Actor) -> Options:
    """成果转换 › what the learner can apply for now, and what they nearly meet."""
    learner_id = require_learner(actor)
    options = await _options(learner_id, await _held_entries(learner_id))
    return Options(
        met=[o for o in options if not o.missing_entry_ids],
        nearly_met=[o for o in options if o.missing_entry_ids],
    )


async def _targets_matching(rule_ids: list[uuid.UUID], filters: TargetFilter) -> set[uuid.UUID]:
    query = ConversionRuleTarget.filter(rule_id__in=rule_ids)
    name = (filters.name or "").strip()
    if name:
        query = query.filter(catalogue_entry__name__icontains=name)
    institution = (filters.institution_name or "").strip()
    if institution:
        query = query.filter(catalogue_entry__institution__name__icontains=institution)
    if filters.category:
        query = query.filter(catalogue_entry__category_id=filters.category)
    return set(await uuid_column(query, "rule_id"))


async def achievement_rules(
    actor: Actor, achievement_id: uuid.UUID, filters: TargetFilter
) -> list[ConversionOption]:
    """【转换】 on a stored achievement: the published rules using it as a source, each with
    是否已申请 and what else the rule needs."""
    learner_id = require_learner(actor)
    achievement = await LearnerAchievement.get_or_none(id=achievement_id, learner_id=learner_id)
    if achievement is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "成果不存在", "achievementId")
    if achievement.status != AchievementStatus.STORED or achievement.catalogue_entry_id is None:
        raise DomainError.of(
            ErrorCode.WRONG_STATE, "只有存储状态的成果可以进行转换", "achievementId"
        )
    options = await _options(
        learner_id, await _held_entries(learner_id), only_entry=achievement.catalogue_entry_id
    )
    if options and (filters.name or filters.institution_name or filters.category):
        matching = await _targets_matching([o.rule.id for o in options], filters)
        options = [o for o in options if o.rule.id in matching]
    return options
