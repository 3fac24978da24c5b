"""DataLoaders of conversion rules: one query per list, never one per row."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader
from tortoise.functions import Count

from models import (
    ConversionRule,
    ConversionRuleSource,
    ConversionRuleTarget,
    InstitutionAchievement,
    RuleStatus,
)


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
