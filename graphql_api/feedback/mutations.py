"""Mutations of problem feedback: submit (learner), reply and resolve (institution or bank)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable

import strawberry

from graphql_api.common import parse_all, parse_id, same_named
from graphql_api.context import Info
from graphql_api.errors import FieldError, mutate
from graphql_api.feedback.types import (
    FeedbackResolution,
    ProblemFeedbackType,
    ProblemType,
    feedback_types,
)
from graphql_api.permissions import IsAdministratorOrInstitution, IsLearner
from models import ProblemFeedback
from resolvers import feedback


@strawberry.input
class FeedbackSubmitInput:
    achievement_id: strawberry.ID
    problem_type: ProblemType
    file_id: strawberry.ID = strawberry.field(description="An uploaded PDF (fileUpload).")
    description: str = ""

    def to_domain(self) -> feedback.FeedbackSubmission:
        achievement_id, file_id = parse_all(
            [("achievementId", self.achievement_id), ("fileId", self.file_id)]
        )
        return same_named(
            feedback.FeedbackSubmission, self, achievement_id=achievement_id, file_id=file_id
        )


@strawberry.input
class FeedbackReplyInput:
    id: strawberry.ID
    body: str
    file_id: strawberry.ID | None = strawberry.field(
        default=None, description="An optional uploaded PDF."
    )

    def to_domain(self) -> tuple[uuid.UUID, str, uuid.UUID | None]:
        """The feedback, the reply and its file, as ``reply_feedback`` takes them."""
        file_id = parse_id(self.file_id, "fileId") if self.file_id is not None else None
        return parse_id(self.id), self.body, file_id


@strawberry.input
class FeedbackResolveInput:
    id: strawberry.ID
    resolution: FeedbackResolution
    body: str = strawberry.field(description="The final reply the learner reads.")


@strawberry.type
class FeedbackPayload:
    errors: list[FieldError]
    feedback: ProblemFeedbackType | None = None


async def _shown(row: Awaitable[ProblemFeedback]) -> ProblemFeedbackType:
    """The changed feedback as the payload shows it (its type reads related rows)."""
    (item,) = await feedback_types([await row])
    return item


def _payload(item: ProblemFeedbackType) -> FeedbackPayload:
    return FeedbackPayload(errors=[], feedback=item)


@strawberry.type
class FeedbackMutation:
    @strawberry.mutation(
        description="Learners: report a problem (with a PDF) on an achievement deposited by an "
        "institution or created by the bank; the institution is told.",
        permission_classes=[IsLearner],
    )
    async def feedback_submit(self, info: Info, input: FeedbackSubmitInput) -> FeedbackPayload:
        return await mutate(
            FeedbackPayload,
            lambda: _shown(feedback.submit_feedback(info.context.actor, input.to_domain())),
            _payload,
        )

    @strawberry.mutation(
        description="Institution users (or administrators, for what the bank created): reply to "
        "an open feedback; the learner is told.",
        permission_classes=[IsAdministratorOrInstitution],
    )
    async def feedback_reply(self, info: Info, input: FeedbackReplyInput) -> FeedbackPayload:
        return await mutate(
            FeedbackPayload,
            lambda: _shown(feedback.reply_feedback(info.context.actor, *input.to_domain())),
            _payload,
        )

    @strawberry.mutation(
        description="Institution users (or administrators, for what the bank created): close an "
        "open feedback as resolved (已解决) or rejected (驳回) with a final reply; the learner "
        "is told.",
        permission_classes=[IsAdministratorOrInstitution],
    )
    async def feedback_resolve(self, info: Info, input: FeedbackResolveInput) -> FeedbackPayload:
        return await mutate(
            FeedbackPayload,
            lambda: _shown(
                feedback.resolve_feedback(
                    info.context.actor, parse_id(input.id), input.resolution, input.body
                )
            ),
            _payload,
        )
