"""DataLoaders of conversion: rules and their parts, and applications with their batches, sources,
reviews, converted achievements and certificates; created per request."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader
from tortoise.expressions import Q
from tortoise.functions import Count

from models import (
    AchievementSource,
    ApplicationStatus,
    Certificate,
    ConversionApplication,
    ConversionApplicationSource,
    ConversionBatch,
    ConversionReview,
    ConversionRule,
    ConversionRuleSource,
    ConversionRuleTarget,
    InstitutionAchievement,
    LearnerAchievement,
    RuleStatus,
)

# (learner id, rule code): the achievements a succeeded application stored, numbered by the code


async def _rules_by_id(keys: Sequence[uuid.UUID]) -> list[ConversionRule | None]:
    found = {row.id: row for row in await ConversionRule.filter(id__in=list(keys))}
    return [found.get(key) for key in keys]


@dataclass(frozen=True)
class RuleParts:
    """A rule's sources and targets in their order, each with its catalogue entry."""

    sources: list[tuple[ConversionRuleSource, InstitutionAchievement]]
    targets: list[tuple[ConversionRuleTarget, InstitutionAchievement]]


async def _parts_by_rule(keys: Sequence[uuid.UUID]) -> list[RuleParts]:
    """Three queries for any number of rules: sources, targets, and their catalogue entries
    (loaded here rather than by the entry loader, so that a list's entries always come in one
    batch, whichever of sources and targets arrives first)."""
    ids = list(keys)
    sources = await ConversionRuleSource.filter(rule_id__in=ids).order_by("rule_id", "sort", "id")
    targets = await ConversionRuleTarget.filter(rule_id__in=ids).order_by("rule_id", "sort", "id")
    entry_ids = {row.catalogue_entry_id for row in sources}
    entry_ids.update(row.catalogue_entry_id for row in targets)
    entries = {row.id: row for row in await InstitutionAchievement.filter(id__in=list(entry_ids))}
    found: dict[uuid.UUID, RuleParts] = defaultdict(lambda: RuleParts([], []))
    for source in sources:
        found[source.rule_id].sources.append((source, entries[source.catalogue_entry_id]))
    for target in targets:
        found[target.rule_id].targets.append((target, entries[target.catalogue_entry_id]))
    return [found[key] for key in keys]


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def _count_by_catalogue_entry(keys: Sequence[uuid.UUID]) -> list[int]:
    """关联转换规则 (条): the rules with the entry as a source or a target that its institution
    can see — its own in every state, other institutions' when published. (A target is always
    the rule's institution's own entry, and no entry is both in one rule.)"""
    ids = list(keys)
    counts: dict[uuid.UUID, int] = defaultdict(int)
    grouping = ("catalogue_entry_id", "institution_id", "rule__institution_id", "rule__status")
    as_source = [
        row
        for row in await ConversionRuleSource.filter(catalogue_entry_id__in=ids)
        .group_by(*grouping)
        .annotate(rules=Count("id"))
        .values(*grouping, "rules")
        if RuleStatus(row["rule__status"]) == RuleStatus.PUBLISHED
        or _uuid(row["institution_id"]) == _uuid(row["rule__institution_id"])
    ]
    as_target = (
        await ConversionRuleTarget.filter(catalogue_entry_id__in=ids)
        .group_by("catalogue_entry_id")
        .annotate(rules=Count("id"))
        .values("catalogue_entry_id", "rules")
    )
    for row in [*as_source, *as_target]:
        counts[_uuid(row["catalogue_entry_id"])] += int(row["rules"])
    return [counts.get(key, 0) for key in keys]


@dataclass
class RuleLoaders:
    """Created per request with the context's other loaders (``info.context.loaders.rules``)."""

    rule_by_id: DataLoader[uuid.UUID, ConversionRule | None] = field(
        default_factory=lambda: DataLoader(load_fn=_rules_by_id)
    )
    parts_by_rule: DataLoader[uuid.UUID, RuleParts] = field(
        default_factory=lambda: DataLoader(load_fn=_parts_by_rule)
    )
    count_by_catalogue_entry: DataLoader[uuid.UUID, int] = field(
        default_factory=lambda: DataLoader(load_fn=_count_by_catalogue_entry)
    )


ConvertedKey = tuple[uuid.UUID, str]


async def _batches_by_id(keys: Sequence[uuid.UUID]) -> list[ConversionBatch | None]:
    found = {row.id: row for row in await ConversionBatch.filter(id__in=list(keys))}
    return [found.get(key) for key in keys]


async def _sources_by_application(keys: Sequence[uuid.UUID]) -> list[list[LearnerAchievement]]:
    links = await ConversionApplicationSource.filter(application_id__in=list(keys)).values(
        "application_id", "learner_achievement_id"
    )
    rows = {
        row.id: row
        for row in await LearnerAchievement.filter(
            id__in=[link["learner_achievement_id"] for link in links]
        )
    }
    grouped: dict[uuid.UUID, list[LearnerAchievement]] = defaultdict(list)
    for link in links:
        grouped[link["application_id"]].append(rows[link["learner_achievement_id"]])
    return [grouped.get(key, []) for key in keys]


async def _reviews_by_application(keys: Sequence[uuid.UUID]) -> list[list[ConversionReview]]:
    grouped: dict[uuid.UUID, list[ConversionReview]] = defaultdict(list)
    for row in await ConversionReview.filter(application_id__in=list(keys)).order_by(
        "created_at", "id"
    ):
        grouped[row.application_id].append(row)
    return [grouped.get(key, []) for key in keys]


async def _converted(keys: Sequence[ConvertedKey]) -> list[list[LearnerAchievement]]:
    condition = Q()
    for learner_id, code in set(keys):
        condition |= Q(learner_id=learner_id, certificate_number=code)
    grouped: dict[ConvertedKey, list[LearnerAchievement]] = defaultdict(list)
    for row in await LearnerAchievement.filter(condition, source=AchievementSource.CONVERSION):
        grouped[row.learner_id, row.certificate_number].append(row)
    return [grouped.get(key, []) for key in keys]


async def _certificates_by_application(keys: Sequence[uuid.UUID]) -> list[Certificate | None]:
    found = {row.application_id: row for row in await Certificate.filter(application_id__in=keys)}
    return [found.get(key) for key in keys]


async def _pending_by_batch(keys: Sequence[uuid.UUID]) -> list[int]:
    rows = (
        await ConversionApplication.filter(
            batch_id__in=list(keys), status=ApplicationStatus.PENDING
        )
        .annotate(n=Count("id"))
        .group_by("batch_id")
        .values("batch_id", "n")
    )
    found = {row["batch_id"]: row["n"] for row in rows}
    return [found.get(key, 0) for key in keys]


@dataclass
class ApplicationLoaders:
    """Created per request with the other loaders (``info.context.loaders.applications``)."""

    batch_by_id: DataLoader[uuid.UUID, ConversionBatch | None] = field(
        default_factory=lambda: DataLoader(load_fn=_batches_by_id)
    )
    sources_by_application: DataLoader[uuid.UUID, list[LearnerAchievement]] = field(
        default_factory=lambda: DataLoader(load_fn=_sources_by_application)
    )
    reviews_by_application: DataLoader[uuid.UUID, list[ConversionReview]] = field(
        default_factory=lambda: DataLoader(load_fn=_reviews_by_application)
    )
    converted_by_learner_and_code: DataLoader[ConvertedKey, list[LearnerAchievement]] = field(
        default_factory=lambda: DataLoader(load_fn=_converted)
    )
    certificate_by_application: DataLoader[uuid.UUID, Certificate | None] = field(
        default_factory=lambda: DataLoader(load_fn=_certificates_by_application)
    )
    pending_by_batch: DataLoader[uuid.UUID, int] = field(
        default_factory=lambda: DataLoader(load_fn=_pending_by_batch)
    )
