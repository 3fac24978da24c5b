"""Queries of problem feedback: the learner's list, the institution's queue, one with its thread."""

from __future__ import annotations

import datetime as dt

import strawberry

from graphql_api.common import Page, parse_id
from graphql_api.context import Info
from graphql_api.feedback.types import FeedbackStatus, ProblemFeedbackType, feedback_types
from graphql_api.permissions import IsAdministratorOrInstitution, IsAuthenticated, IsLearner
from resolvers import feedback


@strawberry.type
class FeedbackQuery:
    @strawberry.field(
        description="Learners: 问题反馈, their own feedback with its thread, newest first.",
        permission_classes=[IsLearner],
    )
    async def my_feedback(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 10,
        status: FeedbackStatus | None = None,
        achievement_name: str | None = None,
        institution_name: str | None = None,
    ) -> Page[ProblemFeedbackType]:
        rows, total = await feedback.my_feedback(
            info.context.actor, page, page_size, status, achievement_name, institution_name
        )
        return Page.of(await feedback_types(rows), total, page, page_size)

    @strawberry.field(
        description="Institutions: 问题反馈管理, the feedback on what they deposited; "
        "administrators: the feedback the bank answers. Filter by the day given (both ends "
        "included) and the state.",
        permission_classes=[IsAdministratorOrInstitution],
    )
    async def feedback_queue(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 10,
        status: FeedbackStatus | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
    ) -> Page[ProblemFeedbackType]:
        rows, total = await feedback.feedback_queue(
            info.context.actor, page, page_size, status, since, until
        )
        return Page.of(await feedback_types(rows), total, page, page_size)

    @strawberry.field(
        description="One feedback with its thread: for its learner, its institution or an "
        "administrator.",
        permission_classes=[IsAuthenticated],
    )
    async def feedback(self, info: Info, id: strawberry.ID) -> ProblemFeedbackType:
        row = await feedback.visible_feedback(info.context.actor, parse_id(id))
        (item,) = await feedback_types([row])
        return item
