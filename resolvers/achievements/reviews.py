"""The administrators' review (审核) of the registrations that matched no recognised entry:
stored with credits, or refused with a reason; the learner is told."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from tortoise.transactions import in_transaction

from models import AchievementSource, AchievementStatus, LearnerAchievement
from resolvers.achievements.checks import ACHIEVEMENT_LINK, MAX_REASON, guarded_update
from resolvers.core import audit
from resolvers.core.actors import Actor, require_admin
from resolvers.core.clock import now
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker
from resolvers.messages import notify, to_learner

MAX_CREDITS = Decimal(1000)


async def list_pending(
    actor: Actor, page: int, page_size: int
) -> tuple[list[LearnerAchievement], int]:
    """Registrations that matched no recognised entry, oldest first."""
    require_admin(actor)
    query = LearnerAchievement.filter(
        status=AchievementStatus.REGISTERED, source=AchievementSource.PERSONAL
    )
    return await paginate(query, page, page_size, "created_at")


def _check_credits(problems: Problems, value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    try:
        credits = Decimal(value)
    except (InvalidOperation, ValueError):
        problems.add("credits", ErrorCode.INVALID, "学分应为数字")
        return None
    if not credits.is_finite() or not 0 <= credits <= MAX_CREDITS:
        problems.add("credits", ErrorCode.INVALID, f"学分应在0-{MAX_CREDITS}之间")
    elif credits.as_tuple().exponent < -2:  # type: ignore[operator]
        problems.add("credits", ErrorCode.INVALID, "学分最多保留两位小数")
    return credits


async def review_registration(
    actor: Actor,
    achievement_id: uuid.UUID,
    approve: bool,
    credits: Decimal | None = None,
    reason: str = "",
) -> LearnerAchievement:
    """存储 (with credits) or refuse (with a reason) a registration; the learner is told."""
    require_admin(actor)
    checker = FieldChecker()
    reason = checker.text("reason", reason, max_length=MAX_REASON, required=not approve)
    checked = _check_credits(checker.problems, credits) if approve else None
    checker.done()
    async with in_transaction():
        row = await LearnerAchievement.select_for_update().get_or_none(
            id=achievement_id, source=AchievementSource.PERSONAL
        )
        if row is None:
            raise DomainError.of(ErrorCode.NOT_FOUND, "成果不存在", "id")
        if row.status != AchievementStatus.REGISTERED:
            raise DomainError.of(ErrorCode.WRONG_STATE, f"成果已{row.status.label}", "id")
        before = audit.snapshot(row)
        if approve:
            changes: dict[str, Any] = {
                "status": AchievementStatus.STORED,
                "credits": checked,
                "stored_at": now(),
                "review_note": reason,
            }
            title = "成果审核通过"
            body = f"您登记的学习成果“{row.name}”已审核通过，存入学分银行" + (
                f"，获得学分银行学分{checked}。" if checked is not None else "。"
            )
        else:
            changes = {"status": AchievementStatus.REFUSED, "review_note": reason}
            title = "成果审核未通过"
            body = f"您登记的学习成果“{row.name}”未通过审核，原因：{reason}"
        # guarded by the state it was read in: of two reviewers at once, exactly one stands
        await guarded_update([row.id], AchievementStatus.REGISTERED, "id", **changes)
        row.update_from_dict(changes)
        await audit.record_change(actor, "learner_achievement.review", row, before)
        await notify(
            to_learner(
                row.learner_id,
                "achievement.reviewed",
                title,
                body,
                ACHIEVEMENT_LINK.format(id=row.id),
                row.id,
            )
        )
    return row
