"""Statistics queries: account overviews and the bank-wide figures."""

from __future__ import annotations

import strawberry

from graphql_api.common import parse_id
from graphql_api.context import Info
from graphql_api.permissions import IsAdministrator, IsInstitution, IsLearner
from graphql_api.statistics.types import (
    BankStatistics,
    CategoryCounts,
    InstitutionOverview,
    LearnerOverview,
    RuleCounts,
    Tally,
)
from resolvers import statistics


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
