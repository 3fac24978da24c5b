"""学分银行学分: a learner's credits are the sum over their stored achievements; withdrawn,
registered and refused ones count none. Computed, never stored."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal

from tortoise.functions import Sum

from models import AchievementStatus, LearnerAchievement


async def credit_totals(learner_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Decimal]:
    ids = list(learner_ids)
    rows = (
        await LearnerAchievement.filter(learner_id__in=ids, status=AchievementStatus.STORED)
        .group_by("learner_id")
        .annotate(total=Sum("credits"))
        .values("learner_id", "total")
    )
    totals = {row["learner_id"]: Decimal(str(row["total"] or 0)) for row in rows}
    return {learner_id: totals.get(learner_id, Decimal(0)) for learner_id in ids}
