"""Problem feedback (问题反馈): a learner reports a wrong detail of a deposited achievement with a
PDF; the depositing institution (or the bank, for what the bank created) replies and resolves or
rejects it; each step tells the other side in the same transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tortoise.transactions import in_transaction

from models import (
    AchievementSource,
    AchievementStatus,
    FeedbackReply,
    FeedbackStatus,
    Institution,
    LearnerAchievement,
    ProblemFeedback,
    ProblemType,
)
from resolvers.core import audit
from resolvers.core.actors import Actor, require_authenticated, require_institution, require_learner
from resolvers.core.clock import day_start, now
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.files import attach_file
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker
from resolvers.messages import notify, to_institution, to_learner

BANK_LABEL = "学分银行管理中心"
MAX_DESCRIPTION = 500
MAX_BODY = 2000
_FEEDBACK_SOURCES = (AchievementSource.INSTITUTION, AchievementSource.BANK)


class FeedbackResolution(StrEnum):
    """How an answerer closes a feedback: 已解决 or 驳回."""

    RESOLVED = FeedbackStatus.RESOLVED.value
    REJECTED = FeedbackStatus.REJECTED.value


@dataclass
class FeedbackSubmission:
    achievement_id: uuid.UUID
    problem_type: ProblemType
    file_id: uuid.UUID
    description: str = ""


def _link(feedback_id: uuid.UUID) -> str:
    return f"/feedback/{feedback_id}"


async def _collect_file(
    actor: Actor, checker: FieldChecker, file_id: uuid.UUID | None, field: str
) -> uuid.UUID | None:
    if file_id is None:
        return None
    try:
        return (await attach_file(actor, file_id, field)).id
    except DomainError as error:
        checker.problems.items.extend(error.problems)
        return None


# -- the learner ---------------------------------------------------------------------------------


async def submit_feedback(actor: Actor, data: FeedbackSubmission) -> ProblemFeedback:
    """A learner reports a problem with one of their achievements deposited by an institution or
    created by the bank; one open feedback per achievement and problem type."""
    learner_id = require_learner(actor)
    checker = FieldChecker()
    description = checker.text(
        "description", data.description, max_length=MAX_DESCRIPTION, required=False
    )
    file_id = await _collect_file(actor, checker, data.file_id, "fileId")
    checker.done()
    assert file_id is not None
    async with in_transaction():
        achievement = (
            await LearnerAchievement.select_for_update()
            .filter(id=data.achievement_id, learner_id=learner_id)
            .first()
        )
        if achievement is None:
            raise DomainError.of(ErrorCode.NOT_FOUND, "成果不存在", "achievementId")
        if achievement.source not in _FEEDBACK_SOURCES:
            raise DomainError.of(
                ErrorCode.NOT_ALLOWED,
                "只能对机构存储或学分银行创建的成果反馈问题",
                "achievementId",
            )
        if achievement.status == AchievementStatus.WITHDRAWN:
            raise DomainError.of(
                ErrorCode.WRONG_STATE, "成果已被撤回，不能反馈问题", "achievementId"
            )
        if achievement.status != AchievementStatus.STORED:
            raise DomainError.of(ErrorCode.WRONG_STATE, "成果尚未存储", "achievementId")
        if await ProblemFeedback.exists(
            achievement_id=achievement.id,
            problem_type=data.problem_type,
            status=FeedbackStatus.OPEN,
        ):
            raise DomainError.of(
                ErrorCode.CONFLICT, "该成果的此类问题已有未解决的反馈", "problemType"
            )
        institution_id = (
            achievement.institution_id
            if achievement.source == AchievementSource.INSTITUTION
            else None
        )
        feedback = await ProblemFeedback.create(
            achievement_id=achievement.id,
            learner_id=learner_id,
            institution_id=institution_id,
            problem_type=data.problem_type,
            description=description,
            file_id=file_id,
        )
        if institution_id is not None:
            await notify(
                to_institution(
                    institution_id,
                    "feedback.submitted",
                    "收到学员问题反馈",
                    f"学员{actor.label}对成果“{achievement.name}”反馈：{data.problem_type.label}",
                    _link(feedback.id),
                    feedback.id,
                )
            )
        await audit.record(
            actor,
            "feedback.submit",
            feedback,
            after=audit.snapshot(feedback),
            institution_id=institution_id,
        )
    return feedback


async def my_feedback(
    actor: Actor,
    page: int,
    page_size: int,
    status: FeedbackStatus | None = None,
    achievement_name: str | None = None,
    institution_name: str | None = None,
) -> tuple[list[ProblemFeedback], int]:
    """问题反馈 of the learner: their own feedback, newest first."""
    learner_id = require_learner(actor)
    query = ProblemFeedback.filter(learner_id=learner_id)
    if status is not None:
        query = query.filter(status=status)
    if achievement_name and achievement_name.strip():
        query = query.filter(achievement__name__icontains=achievement_name.strip())
    if institution_name and institution_name.strip():
        ids = await Institution.filter(name__icontains=institution_name.strip()).values_list(
            "id", flat=True
        )
        query = query.filter(institution_id__in=list(ids))
    return await paginate(query, page, page_size, "-created_at")


# -- the institution, or the bank ----------------------------------------------------------------


def _queue_scope(actor: Actor) -> dict[str, Any]:
    """Whose feedback the actor reads in the queue: their institution's, or for administrators
    the feedback the bank answers."""
    require_authenticated(actor)
    if actor.is_admin:
        return {"institution_id": None}
    return {"institution_id": require_institution(actor)}


def _answer_scope(actor: Actor) -> dict[str, Any]:
    """Whose feedback the actor may answer: a person of the institution, or an administrator."""
    require_authenticated(actor)
    if actor.is_admin:
        return {"institution_id": None}
    return {"institution_id": require_institution(actor, people_only=True)}


async def feedback_queue(
    actor: Actor,
    page: int,
    page_size: int,
    status: FeedbackStatus | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> tuple[list[ProblemFeedback], int]:
    """问题反馈管理: the feedback an institution (or the bank) answers, filtered by the day it was
    given (Asia/Shanghai, both ends included) and its state."""
    scope = _queue_scope(actor)
    if since is not None and until is not None and since > until:
        raise DomainError.of(ErrorCode.INVALID, "结束时间不能早于开始时间", "until")
    query = ProblemFeedback.filter(**scope)
    if status is not None:
        query = query.filter(status=status)
    if since is not None:
        query = query.filter(created_at__gte=day_start(since))
    if until is not None:
        query = query.filter(created_at__lt=day_start(until + dt.timedelta(days=1)))
    return await paginate(query, page, page_size, "-created_at")


async def visible_feedback(actor: Actor, feedback_id: uuid.UUID) -> ProblemFeedback:
    """One feedback for its learner, its institution (users and API tokens) or an administrator."""
    require_authenticated(actor)
    query = ProblemFeedback.filter(id=feedback_id)
    if actor.is_learner:
        query = query.filter(learner_id=require_learner(actor))
    elif not actor.is_admin:
        query = query.filter(institution_id=require_institution(actor))
    feedback = await query.first()
    if feedback is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "问题反馈不存在", "id")
    return feedback


async def _author_label(actor: Actor) -> str:
    if actor.is_admin or actor.institution_id is None:
        return BANK_LABEL
    institution = await Institution.get(id=actor.institution_id)
    return institution.name[:100]


async def _open_for_answer(scope: dict[str, Any], feedback_id: uuid.UUID) -> ProblemFeedback:
    feedback = await ProblemFeedback.select_for_update().filter(id=feedback_id, **scope).first()
    if feedback is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "问题反馈不存在", "id")
    if feedback.status != FeedbackStatus.OPEN:
        raise DomainError.of(ErrorCode.WRONG_STATE, "该问题反馈已处理完毕", "id")
    return feedback


async def reply_feedback(
    actor: Actor, feedback_id: uuid.UUID, body: str, file_id: uuid.UUID | None = None
) -> ProblemFeedback:
    """Add a reply to an open feedback's thread; the learner is told."""
    scope = _answer_scope(actor)
    checker = FieldChecker()
    text = checker.text("body", body, max_length=MAX_BODY)
    attached = await _collect_file(actor, checker, file_id, "fileId")
    checker.done()
    label = await _author_label(actor)
    async with in_transaction():
        feedback = await _open_for_answer(scope, feedback_id)
        reply = await FeedbackReply.create(
            feedback_id=feedback.id,
            author_kind=actor.kind.value,
            author_id=actor.id,
            author_label=label,
            body=text,
            file_id=attached,
        )
        await notify(
            to_learner(
                feedback.learner_id,
                "feedback.replied",
                "问题反馈有新回复",
                f"{label}回复了您的问题反馈（{feedback.problem_type.label}）：{text[:100]}",
                _link(feedback.id),
                feedback.id,
            )
        )
        await audit.record(
            actor,
            "feedback.reply",
            reply,
            after=audit.snapshot(reply),
            institution_id=feedback.institution_id,
        )
    return feedback


async def resolve_feedback(
    actor: Actor, feedback_id: uuid.UUID, resolution: FeedbackResolution, body: str
) -> ProblemFeedback:
    """Close an open feedback as resolved or rejected, with a final reply; the learner is told.
    Of two answerers closing it at once, exactly one succeeds."""
    scope = _answer_scope(actor)
    checker = FieldChecker()
    text = checker.text("body", body, max_length=MAX_BODY)
    checker.done()
    status = FeedbackStatus(resolution.value)
    label = await _author_label(actor)
    async with in_transaction():
        feedback = await _open_for_answer(scope, feedback_id)
        before = audit.snapshot(feedback)
        closed_at = now()
        closed = await ProblemFeedback.filter(id=feedback.id, status=FeedbackStatus.OPEN).update(
            status=status, closed_at=closed_at
        )
        if not closed:
            raise DomainError.of(ErrorCode.WRONG_STATE, "该问题反馈已处理完毕", "id")
        feedback.status = status
        feedback.closed_at = closed_at
        await FeedbackReply.create(
            feedback_id=feedback.id,
            author_kind=actor.kind.value,
            author_id=actor.id,
            author_label=label,
            body=text,
        )
        await notify(
            to_learner(
                feedback.learner_id,
                f"feedback.{resolution.value}",
                f"问题反馈{status.label}",
                f"您的问题反馈（{feedback.problem_type.label}）{status.label}：{text[:100]}",
                _link(feedback.id),
                feedback.id,
            )
        )
        old, new = audit.changed(before, audit.snapshot(feedback))
        await audit.record(
            actor,
            f"feedback.{'resolve' if status == FeedbackStatus.RESOLVED else 'reject'}",
            feedback,
            before=old,
            after=new,
            institution_id=feedback.institution_id,
        )
    return feedback


async def threads(feedback_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[FeedbackReply]]:
    """The replies of several feedbacks, oldest first, in one query."""
    found: dict[uuid.UUID, list[FeedbackReply]] = {key: [] for key in feedback_ids}
    if feedback_ids:
        for reply in await FeedbackReply.filter(feedback_id__in=feedback_ids).order_by(
            "created_at", "id"
        ):
            found[reply.feedback_id].append(reply)
    return found
