"""Queries of learner achievements: the institution's deposits, the learner's own, the
administrators' queue of registrations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api.achievements.types import (
    AchievementObtainedBy,
    AchievementStatus,
    LearnerAchievementType,
    MyAchievementPage,
)
from graphql_api.common import Page, parse_id
from graphql_api.context import Info
from graphql_api.permissions import IsAdministrator, IsInstitution, IsLearner
from resolvers.achievements import learner_achievements


@strawberry.type
class AchievementQuery:
    @strawberry.field(
        description="Institution users and API tokens: 学员成果管理, the achievements the "
        "institution deposited, newest first; ID and phone numbers masked.",
        permission_classes=[IsInstitution],
    )
    async def deposited_achievements(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 20,
        year: Annotated[int | None, strawberry.argument(description="入库年份")] = None,
        name: str | None = None,
        category: Annotated[str | None, strawberry.argument(description="成果类型 code")] = None,
        learner_name: str | None = None,
        id_number: str | None = None,
        status: AchievementStatus | None = None,
    ) -> Page[LearnerAchievementType]:
        filters = learner_achievements.DepositFilter(
            year=year,
            name=name,
            category=category,
            learner_name=learner_name,
            id_number=id_number,
            status=status,
        )
        rows, total = await learner_achievements.list_deposits(
            info.context.actor, page, page_size, filters
        )
        return Page.of(rows, total, page, page_size, LearnerAchievementType.from_model)

    @strawberry.field(
        description="Institution users and API tokens: one deposited achievement, with the "
        "learner's ID number whole.",
        permission_classes=[IsInstitution],
    )
    async def deposited_achievement(self, info: Info, id: strawberry.ID) -> LearnerAchievementType:
        row = await learner_achievements.get_deposit(info.context.actor, parse_id(id))
        return LearnerAchievementType.from_model(row, detail=True)

    @strawberry.field(
        description="Learners: 我的成果, newest first, with the counts of personally obtained "
        "and conversion-obtained achievements and the credit total.",
        permission_classes=[IsLearner],
    )
    async def my_achievements(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 10,
        name: str | None = None,
        category: Annotated[str | None, strawberry.argument(description="成果类型 code")] = None,
        subtype: Annotated[str | None, strawberry.argument(description="成果子类型 code")] = None,
        obtained: AchievementObtainedBy | None = None,
    ) -> MyAchievementPage:
        actor = info.context.actor
        filters = learner_achievements.OwnFilter(
            name=name, category=category, subtype=subtype, obtained=obtained
        )
        rows, total = await learner_achievements.list_own(actor, page, page_size, filters)
        counts = await learner_achievements.own_counts(actor, filters)
        assert actor.id is not None
        return MyAchievementPage.of(
            rows,
            total,
            page,
            page_size,
            LearnerAchievementType.from_model,
            personally_obtained_count=counts.personally_obtained,
            conversion_obtained_count=counts.conversion_obtained,
            _learner_id=actor.id,
        )

    @strawberry.field(
        description="Learners: one of my achievements.", permission_classes=[IsLearner]
    )
    async def my_achievement(self, info: Info, id: strawberry.ID) -> LearnerAchievementType:
        row = await learner_achievements.get_own(info.context.actor, parse_id(id))
        return LearnerAchievementType.from_model(row, detail=True)

    @strawberry.field(
        description="Administrators: learners' registrations that matched no recognised "
        "catalogue entry, oldest first, waiting for a review.",
        permission_classes=[IsAdministrator],
    )
    async def pending_registrations(
        self, info: Info, page: int = 1, page_size: int = 20
    ) -> Page[LearnerAchievementType]:
        rows, total = await learner_achievements.list_pending(info.context.actor, page, page_size)
        return Page.of(rows, total, page, page_size, LearnerAchievementType.from_model)
