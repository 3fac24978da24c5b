"""Statistics: the institution's account overview (机构账户中心, seed 003 §2.1), the learner's
personal centre (个人中心, seed 004 §2) and bank-wide figures for administrators (SPEC §9)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from models import (
    AchievementCategory,
    AchievementSource,
    AchievementStatus,
    ConversionRule,
    Institution,
    InstitutionAchievement,
    InstitutionStatus,
    Learner,
    LearnerAchievement,
    LearnerStatus,
    RecognitionStatus,
    RuleStatus,
)
from models.enums import LabelledEnum
from resolvers.achievements.credits import credit_totals
from resolvers.core.actors import Actor, require_admin, require_institution, require_learner

ACADEMIC = "academic"
NON_ACADEMIC = "non_academic"


@dataclass
class CategoryCounts:
    """成果总数 / 学历成果 / 非学历成果 (and the informal rest)."""

    total: int = 0
    academic: int = 0
    non_academic: int = 0
    informal: int = 0


@dataclass
class RuleCounts:
    """转换规则管理: 规则总数 / 未发布 / 已发布 / 下架."""

    total: int = 0
    draft: int = 0
    published: int = 0
    off_shelf: int = 0


@dataclass
class InstitutionOverview:
    catalogue: CategoryCounts
    deposits: CategoryCounts
    rules: RuleCounts
    learners: int


@dataclass
class LearnerOverview:
    card_number: str
    credits: Decimal
    achievements: int
    stored: int
    registered: int
    withdrawn: int
    personally_obtained: int
    conversion_obtained: int


@dataclass(frozen=True)
class Tally:
    """One count under a combination of keys, with their labels: (academic, recognised) →
    (学历成果, 已认定)."""

    keys: tuple[str, ...]
    labels: tuple[str, ...]
    count: int


@dataclass
class BankStatistics:
    institutions_by_status: list[Tally]
    learners_by_status: list[Tally]
    catalogue_by_category_and_recognition: list[Tally]
    achievements_by_category_and_source: list[Tally]
    achievements_by_status: list[Tally]
    rules_by_state: list[Tally] = field(default_factory=list)
    applications_by_state: list[Tally] = field(default_factory=list)


async def _counts(query: QuerySet, *keys: str) -> dict[str, int]:
    rows = await query.annotate(n=Count("id")).group_by(*keys).values(*keys, "n")
    return {"/".join(str(row[k]) for k in keys): row["n"] for row in rows}


async def _category_counts(query: QuerySet) -> CategoryCounts:
    by_category = Counter(await _counts(query, "category_id"))
    return CategoryCounts(
        total=sum(by_category.values()),
        academic=by_category[ACADEMIC],
        non_academic=by_category[NON_ACADEMIC],
        informal=by_category["informal"],
    )


async def _rule_counts(institution_id: uuid.UUID) -> RuleCounts:
    rules = ConversionRule.filter(institution_id=institution_id)
    by_status = Counter(await _counts(rules, "status"))
    return RuleCounts(
        total=sum(by_status.values()),
        draft=by_status[RuleStatus.DRAFT.value],
        published=by_status[RuleStatus.PUBLISHED.value],
        off_shelf=by_status[RuleStatus.OFF_SHELF.value],
    )


async def institution_overview(actor: Actor) -> InstitutionOverview:
    institution_id = require_institution(actor, approved=False)
    deposits = LearnerAchievement.filter(
        institution_id=institution_id, source=AchievementSource.INSTITUTION
    )
    learner_ids = (
        await deposits.order_by("learner_id").distinct().values_list("learner_id", flat=True)
    )
    created = await Learner.filter(created_by_institution_id=institution_id).values_list(
        "id", flat=True
    )
    return InstitutionOverview(
        catalogue=await _category_counts(
            InstitutionAchievement.filter(institution_id=institution_id)
        ),
        deposits=await _category_counts(deposits.exclude(status=AchievementStatus.WITHDRAWN)),
        rules=await _rule_counts(institution_id),
        learners=len(set(learner_ids) | set(created)),
    )


async def learner_overview(actor: Actor) -> LearnerOverview:
    learner_id = require_learner(actor)
    learner = await Learner.get(id=learner_id)
    by_status = Counter(await _counts(LearnerAchievement.filter(learner_id=learner_id), "status"))
    conversions = await LearnerAchievement.filter(
        learner_id=learner_id, source=AchievementSource.CONVERSION
    ).count()
    total = sum(by_status.values())
    credits = (await credit_totals([learner_id]))[learner_id]
    return LearnerOverview(
        card_number=learner.card_number,
        credits=credits,
        achievements=total,
        stored=by_status[AchievementStatus.STORED.value],
        registered=by_status[AchievementStatus.REGISTERED.value],
        withdrawn=by_status[AchievementStatus.WITHDRAWN.value],
        personally_obtained=total - conversions,
        conversion_obtained=conversions,
    )


async def _tallies(query: QuerySet, labellers: dict[str, Callable[[str], str]]) -> list[Tally]:
    keys = list(labellers)
    rows = await query.annotate(n=Count("id")).group_by(*keys).values(*keys, "n")
    tallies = [
        Tally(
            keys=tuple(str(row[k]) for k in keys),
            labels=tuple(labellers[k](str(row[k])) for k in keys),
            count=row["n"],
        )
        for row in rows
    ]
    return sorted(tallies, key=lambda t: t.keys)


def _enum_label(enum: type[LabelledEnum]) -> Callable[[str], str]:
    return lambda value: enum(value).label


async def bank_statistics(actor: Actor, institution_id: uuid.UUID | None = None) -> BankStatistics:
    """Bank-wide figures, or one institution's when ``institution_id`` is given."""
    require_admin(actor)
    catalogue = InstitutionAchievement.all()
    achievements = LearnerAchievement.all()
    conversion_rules = ConversionRule.all()
    if institution_id is not None:
        catalogue = catalogue.filter(institution_id=institution_id)
        achievements = achievements.filter(institution_id=institution_id)
        conversion_rules = conversion_rules.filter(institution_id=institution_id)
    categories = dict(await AchievementCategory.all().values_list("code", "label"))

    def category(code: str) -> str:
        return categories.get(code, code)

    return BankStatistics(
        institutions_by_status=await _tallies(
            Institution.all(), {"status": _enum_label(InstitutionStatus)}
        ),
        learners_by_status=await _tallies(Learner.all(), {"status": _enum_label(LearnerStatus)}),
        catalogue_by_category_and_recognition=await _tallies(
            catalogue,
            {"category_id": category, "recognition_status": _enum_label(RecognitionStatus)},
        ),
        achievements_by_category_and_source=await _tallies(
            achievements, {"category_id": category, "source": _enum_label(AchievementSource)}
        ),
        achievements_by_status=await _tallies(
            achievements, {"status": _enum_label(AchievementStatus)}
        ),
        rules_by_state=await _tallies(conversion_rules, {"status": _enum_label(RuleStatus)}),
    )
