"""Statistics queries: account overviews and the bank-wide figures."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from graphql_api.common import parse_id
from graphql_api.context import Info
from graphql_api.permissions import IsAdministrator, IsInstitution, IsLearner
from resolvers import statistics


@strawberry.type(description="成果总数 / 学历成果 / 非学历成果 / 无一定形式成果.")
class CategoryCounts:
    total: int
    academic: int
    non_academic: int
    informal: int


@strawberry.type(
    description="转换规则管理: 规则总数 / 未发布 / 已发布 / 下架 of the institution's own rules."
)
class RuleCounts:
    total: int
    draft: int
    published: int
    off_shelf: int


@strawberry.type(description="机构账户中心 › 账户概况 (seed 003 §2.1).")
class InstitutionOverview:
    catalogue: CategoryCounts = strawberry.field(description="机构成果")
    deposits: CategoryCounts = strawberry.field(description="学员成果 (not withdrawn)")
    rules: RuleCounts
    learners: int = strawberry.field(
        description="Learners the institution created or deposited for."
    )


@strawberry.type(
    description="个人中心: 学银卡, 我的成就 (学分银行学分) and 账户概况 (seed 004 §2)."
)
class LearnerOverview:
    card_number: str
    credits: Decimal
    achievements: int
    stored: int
    registered: int
    withdrawn: int
    personally_obtained: int
    conversion_obtained: int


@strawberry.type(description="One count under a combination of keys, with their Chinese labels.")
class Tally:
    keys: list[str]
    labels: list[str]
    count: int


@strawberry.type(description="Bank-wide (or one institution's) figures for administrators.")
class BankStatistics:
    institutions_by_status: list[Tally]
    learners_by_status: list[Tally]
    catalogue_by_category_and_recognition: list[Tally]
    achievements_by_category_and_source: list[Tally]
    achievements_by_status: list[Tally]
    rules_by_state: list[Tally]
    applications_by_state: list[Tally]


def _tallies(rows: list[statistics.Tally]) -> list[Tally]:
    return [Tally(keys=list(t.keys), labels=list(t.labels), count=t.count) for t in rows]


def _counts(counts: statistics.CategoryCounts) -> CategoryCounts:
    return CategoryCounts(
        total=counts.total,
        academic=counts.academic,
        non_academic=counts.non_academic,
        informal=counts.informal,
    )


@strawberry.type
class StatisticsQuery:
    @strawberry.field(
        description="Institution users and API tokens: their institution's account overview.",
        permission_classes=[IsInstitution],
    )
    async def institution_overview(self, info: Info) -> InstitutionOverview:
        overview = await statistics.institution_overview(info.context.actor)
        rules = overview.rules
        return InstitutionOverview(
            catalogue=_counts(overview.catalogue),
            deposits=_counts(overview.deposits),
            rules=RuleCounts(
                total=rules.total,
                draft=rules.draft,
                published=rules.published,
                off_shelf=rules.off_shelf,
            ),
            learners=overview.learners,
        )

    @strawberry.field(
        description="A learner: the personal centre's card, credits and counts.",
        permission_classes=[IsLearner],
    )
    async def learner_overview(self, info: Info) -> LearnerOverview:
        o = await statistics.learner_overview(info.context.actor)
        return LearnerOverview(
            card_number=o.card_number,
            credits=o.credits,
            achievements=o.achievements,
            stored=o.stored,
            registered=o.registered,
            withdrawn=o.withdrawn,
            personally_obtained=o.personally_obtained,
            conversion_obtained=o.conversion_obtained,
        )

    @strawberry.field(
        description="Administrators: bank-wide figures, or one institution's with `institutionId`.",
        permission_classes=[IsAdministrator],
    )
    async def bank_statistics(
        self, info: Info, institution_id: strawberry.ID | None = None
    ) -> BankStatistics:
        scope = parse_id(institution_id, "institutionId") if institution_id else None
        s = await statistics.bank_statistics(info.context.actor, scope)
        return BankStatistics(
            institutions_by_status=_tallies(s.institutions_by_status),
            learners_by_status=_tallies(s.learners_by_status),
            catalogue_by_category_and_recognition=_tallies(s.catalogue_by_category_and_recognition),
            achievements_by_category_and_source=_tallies(s.achievements_by_category_and_source),
            achievements_by_status=_tallies(s.achievements_by_status),
            rules_by_state=_tallies(s.rules_by_state),
            applications_by_state=_tallies(s.applications_by_state),
        )
