"""What a withdrawn source (源成果已撤回) does to the conversions that rely on it: pending
applications fail with a review record, succeeded ones are reported to the target's institution."""

from __future__ import annotations

import uuid

from tortoise.expressions import Subquery

from models import (
    ApplicationStatus,
    ConversionApplication,
    ConversionApplicationSource,
    ConversionReview,
    ReviewDecision,
)
from resolvers.conversion.applications import RECORDS_LINK
from resolvers.core.actors import Actor
from resolvers.core.bulk_rows import insert_rows
from resolvers.core.clock import now
from resolvers.core.ids import time_ordered_id
from resolvers.messages import Notice, notify, to_institution, to_learner


async def fail_relying_applications(
    actor: Actor, achievement_ids: list[uuid.UUID], reason: str
) -> list[uuid.UUID]:
    """Pending applications relying on a withdrawn achievement fail with that reason, each with a
    review record; the learner is told. Call inside the withdrawal's transaction."""
    relying = await ConversionApplicationSource.filter(
        learner_achievement_id__in=achievement_ids
    ).values_list("application_id", flat=True)
    pending = await ConversionApplication.select_for_update().filter(
        id__in=list(set(relying)), status=ApplicationStatus.PENDING
    )
    if not pending:
        return []
    failure = f"源成果已撤回：{reason}"[:500]
    moment = now()
    ids = [row.id for row in pending]
    await ConversionApplication.filter(id__in=ids, status=ApplicationStatus.PENDING).update(
        status=ApplicationStatus.FAILED, failure_reason=failure, decided_at=moment
    )
    await insert_rows(
        ConversionReview,
        [
            {
                "id": time_ordered_id(),
                "application_id": application_id,
                "decision": ReviewDecision.SOURCE_WITHDRAWN,
                "reason": failure,
                "reviewer_kind": actor.kind.value,
                "reviewer_id": actor.id,
                "reviewer_name": actor.label[:100],
                "created_at": moment,
            }
            for application_id in ids
        ],
    )
    notices: list[Notice] = [
        to_learner(
            row.learner_id,
            "conversion.failed",
            "成果转换失败",
            f"您按转换规则{row.rule_code}提交的转换申请因源成果已撤回而失败。{failure}",
            RECORDS_LINK,
            row.id,
        )
        for row in pending
    ]
    await notify(*notices)
    return ids


async def tell_about_withdrawn_bases(achievement_ids: list[uuid.UUID], reason: str) -> None:
    """A succeeded conversion stands on its sources. When one is withdrawn, the rule's
    institution is told which learner's converted achievements have lost their basis, so that
    it can withdraw them (``withdraw_achievements`` takes converted ones too). Call inside the
    withdrawal's transaction."""
    relying = ConversionApplicationSource.filter(learner_achievement_id__in=achievement_ids).values(
        "application_id"
    )
    succeeded = await ConversionApplication.filter(
        id__in=Subquery(relying), status=ApplicationStatus.SUCCEEDED
    ).prefetch_related("learner")
    if not succeeded:
        return
    await notify(
        *(
            to_institution(
                row.target_institution_id,
                "conversion.source_withdrawn",
                "转换依据的源成果已撤回",
                f"学员{row.learner.name}按转换规则{row.rule_code}转换所依据的源成果已被撤回"
                f"（撤回原因：{reason}）。转换获得的成果仍在其账户中，如需撤回，请在转换记录中处理。",
                RECORDS_LINK,
                row.id,
            )
            for row in succeeded
        )
    )
