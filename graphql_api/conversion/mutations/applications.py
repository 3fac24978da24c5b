"""Conversion application mutations: apply, apply for a batch, review."""

from __future__ import annotations

import uuid

import strawberry

from graphql_api.achievements.mutations import parse_ids
from graphql_api.common import parse_id
from graphql_api.context import Info
from graphql_api.conversion.types.applications import (
    ConversionApplicationType,
    ConversionBatchType,
    application_filter,
)
from graphql_api.errors import FieldError, mutate
from graphql_api.permissions import IsInstitutionUser, IsLearner
from resolvers.conversion import applications as conversion_applications
from resolvers.conversion import reviews as conversion_reviews


@strawberry.input(description="批量发起成果转换申请: chosen learners, or all matching the filters.")
class ConversionBatchApplyInput:
    rule_id: strawberry.ID
    learner_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The chosen learners; null for every candidate matching."
    )
    learner_name: str | None = None
    id_number: str | None = None

    def to_domain(
        self,
    ) -> tuple[uuid.UUID, list[uuid.UUID] | None, conversion_applications.CandidateFilter]:
        """The rule, the chosen learners and the filter, as ``apply_for_batch`` takes them."""
        return (
            parse_id(self.rule_id, "ruleId"),
            parse_ids(self.learner_ids, "learnerIds") if self.learner_ids is not None else None,
            conversion_applications.CandidateFilter(self.learner_name, self.id_number),
        )


@strawberry.input(
    description="审核: approve, or reject with 不通过原因 (at most 500 characters). Chosen ids, or "
    "none for every pending application of the queue: the batch `batchId`, or the personal "
    "applications matching the filters."
)
class ConversionReviewInput:
    approve: bool
    reason: str = ""
    ids: list[strawberry.ID] | None = None
    batch_id: strawberry.ID | None = None
    year: int | None = None
    rule_code: str | None = None
    learner_name: str | None = None
    id_number: str | None = None

    def to_domain(self) -> conversion_reviews.ReviewInput:
        return conversion_reviews.ReviewInput(
            approve=self.approve,
            reason=self.reason,
            ids=parse_ids(self.ids) if self.ids is not None else None,
            batch_id=parse_id(self.batch_id, "batchId") if self.batch_id is not None else None,
            filters=application_filter(
                self.year, self.rule_code, self.learner_name, self.id_number
            ),
        )


@strawberry.type
class ConversionApplyPayload:
    errors: list[FieldError]
    application: ConversionApplicationType | None = None


@strawberry.type
class ConversionBatchApplyPayload:
    errors: list[FieldError]
    batch: ConversionBatchType | None = None


@strawberry.type
class ConversionReviewPayload:
    errors: list[FieldError]
    approved_count: int = 0
    rejected_count: int = 0
    applications: list[ConversionApplicationType] = strawberry.field(default_factory=list)


@strawberry.type
class ConversionApplicationMutation:
    @strawberry.mutation(
        description="Learners: 申请转换 under a published rule whose every source they hold, "
        "stored; one pending or succeeded application per rule. The rule's institution is told.",
        permission_classes=[IsLearner],
    )
    async def conversion_apply(self, info: Info, rule_id: strawberry.ID) -> ConversionApplyPayload:
        return await mutate(
            ConversionApplyPayload,
            lambda: conversion_applications.apply_as_learner(
                info.context.actor, parse_id(rule_id, "ruleId")
            ),
            lambda row: ConversionApplyPayload(
                errors=[], application=ConversionApplicationType.from_model(row)
            ),
        )

    @strawberry.mutation(
        description="Institution users of a source's institution: 申请转换 for a batch of its "
        "learners under a related rule, all or nothing; the rule's institution and each learner "
        "are told.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_batch_apply(
        self, info: Info, input: ConversionBatchApplyInput
    ) -> ConversionBatchApplyPayload:
        return await mutate(
            ConversionBatchApplyPayload,
            lambda: conversion_applications.apply_for_batch(info.context.actor, *input.to_domain()),
            lambda batch: ConversionBatchApplyPayload(
                errors=[], batch=ConversionBatchType.from_model(batch)
            ),
        )

    @strawberry.mutation(
        description="Institution users of the rule's institution: 审核, all or nothing; each "
        "decision kept as a review record, approval storing the target achievements; messages "
        "to each learner and, for a batch, to the applying institution.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_application_review(
        self, info: Info, input: ConversionReviewInput
    ) -> ConversionReviewPayload:
        return await mutate(
            ConversionReviewPayload,
            lambda: conversion_reviews.review_applications(
                info.context.actor, input.to_domain(), info.context.services.issuer
            ),
            lambda outcome: ConversionReviewPayload(
                errors=[],
                approved_count=outcome.approved,
                rejected_count=outcome.rejected,
                applications=[ConversionApplicationType.from_model(row) for row in outcome.decided],
            ),
        )
