"""Queries of 学员账户管理: the institution's learners and what it deposited for each."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api.accounts.types import LearnerType
from graphql_api.achievements.types import LearnerAchievementType
from graphql_api.common import Page, parse_id
from graphql_api.context import Info
from graphql_api.permissions import IsInstitution
from resolvers.accounts import learner_accounts


@strawberry.type
class LearnerAccountQuery:
    @strawberry.field(
        description="Institution users and API tokens: 学员信息, the learners the institution "
        "created or deposited achievements for, newest first; ID and phone numbers masked.",
        permission_classes=[IsInstitution],
    )
    async def learner_accounts(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 20,
        year: Annotated[int | None, strawberry.argument(description="入库年份")] = None,
        name: str | None = None,
        id_number: str | None = None,
    ) -> Page[LearnerType]:
        rows, total = await learner_accounts.list_learner_accounts(
            info.context.actor, page, page_size, year=year, name=name, id_number=id_number
        )
        return Page.of(
            rows, total, page, page_size, lambda row: LearnerType.from_model(row, listed=True)
        )

    @strawberry.field(
        description="Institution users and API tokens: 查看成果, what the institution deposited "
        "for one of its learners.",
        permission_classes=[IsInstitution],
    )
    async def learner_account_achievements(
        self, info: Info, learner_id: strawberry.ID, page: int = 1, page_size: int = 20
    ) -> Page[LearnerAchievementType]:
        rows, total = await learner_accounts.learner_account_achievements(
            info.context.actor, parse_id(learner_id, "learnerId"), page, page_size
        )
        return Page.of(rows, total, page, page_size, LearnerAchievementType.from_model)
