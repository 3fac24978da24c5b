"""Mutations of problem feedback: submit (learner), reply and resolve (institution or bank)."""

from __future__ import annotations

import strawberry

from graphql_api.common import parse_id
from graphql_api.context import Info
from graphql_api.errors import FieldError, field_errors
from graphql_api.feedback.types import (
    FeedbackResolution,
    ProblemFeedbackType,
    ProblemType,
    feedback_types,
)
from graphql_api.permissions import IsAdministratorOrInstitution, IsLearner
from models import ProblemFeedback
from resolvers import feedback
from resolvers.core.errors import DomainError, Problems


@strawberry.input
class FeedbackSubmitInput:
    achievement_id: strawberry.ID
    problem_type: ProblemType
    file_id: strawberry.ID = strawberry.field(description="An uploaded PDF (fileUpload).")
    description: str = ""

    def to_domain(self) -> feedback.FeedbackSubmission:
        problems = Problems()
        ids = {}
        for name, value in (("achievementId", self.achievement_id), ("fileId", self.file_id)):
            try:
                ids[name] = parse_id(value, name)
            except DomainError as error:
                problems.items.extend(error.problems)
        problems.raise_if_any()
        return feedback.FeedbackSubmission(
            achievement_id=ids["achievementId"],
            problem_type=self.problem_type,
            file_id=ids["fileId"],
            description=self.description,
        )


@strawberry.input
class FeedbackReplyInput:
    id: strawberry.ID
    body: str
    file_id: strawberry.ID | None = strawberry.field(
        default=None, description="An optional uploaded PDF."
    )


@strawberry.input
class FeedbackResolveInput:
    id: strawberry.ID
    resolution: FeedbackResolution
    body: str = strawberry.field(description="The final reply the learner reads.")


@strawberry.type
class FeedbackPayload:
    errors: list[FieldError]
    feedback: ProblemFeedbackType | None = None


async def _payload(row: ProblemFeedback) -> FeedbackPayload:
    (item,) = await feedback_types([row])
    return FeedbackPayload(errors=[], feedback=item)


@strawberry.type
class FeedbackMutation:
    @strawberry.mutation(
        description="Learners: report a problem (with a PDF) on an achievement deposited by an "
        "institution or created by the bank; the institution is told.",
        permission_classes=[IsLearner],
    )
    async def feedback_submit(self, info: Info, input: FeedbackSubmitInput) -> FeedbackPayload:
        try:
            row = await feedback.submit_feedback(info.context.actor, input.to_domain())
        except DomainError as error:
            return FeedbackPayload(errors=field_errors(error))
        return await _payload(row)

    @strawberry.mutation(
        description="Institution users (or administrators, for what the bank created): reply to "
        "an open feedback; the learner is told.",
        permission_classes=[IsAdministratorOrInstitution],
    )
    async def feedback_reply(self, info: Info, input: FeedbackReplyInput) -> FeedbackPayload:
        try:
            file_id = parse_id(input.file_id, "fileId") if input.file_id is not None else None
            row = await feedback.reply_feedback(
                info.context.actor, parse_id(input.id), input.body, file_id
            )
        except DomainError as error:
            return FeedbackPayload(errors=field_errors(error))
        return await _payload(row)

    @strawberry.mutation(
        description="Institution users (or administrators, for what the bank created): close an "
        "open feedback as resolved (已解决) or rejected (驳回) with a final reply; the learner "
        "is told.",
        permission_classes=[IsAdministratorOrInstitution],
    )
    async def feedback_resolve(self, info: Info, input: FeedbackResolveInput) -> FeedbackPayload:
        try:
            row = await feedback.resolve_feedback(
                info.context.actor, parse_id(input.id), input.resolution, input.body
            )
        except DomainError as error:
            return FeedbackPayload(errors=field_errors(error))
        return await _payload(row)
