"""撤回 / 批量撤回: an institution takes back what it deposited or granted by conversion; the
conversions relying on it fail, the certificates listing it are revoked, the learners are told."""

from __future__ import annotations

import uuid
from collections import defaultdict

from tortoise.transactions import in_transaction

from models import AchievementSource, AchievementStatus, Institution, LearnerAchievement
from resolvers.achievements.checks import (
    ACHIEVEMENT_LINK,
    MAX_REASON,
    guarded_update,
    unique_ids,
)
from resolvers.certificates.lifecycle import revoke_listing
from resolvers.conversion.withdrawn_sources import (
    fail_relying_applications,
    tell_about_withdrawn_bases,
)
from resolvers.core import audit
from resolvers.core.actors import Actor, require_institution
from resolvers.core.clock import now
from resolvers.core.errors import ErrorCode, Problems
from resolvers.core.files import attach_file
from resolvers.core.validation import FieldChecker
from resolvers.messages import notify, to_learner


async def withdraw_achievements(
    actor: Actor, ids: list[uuid.UUID], reason: str, file_id: uuid.UUID | None = None
) -> list[LearnerAchievement]:
    """撤回 / 批量撤回 of what the institution deposited or granted by conversion: all or
    nothing; every learner concerned is told."""
    institution_id = require_institution(actor, people_only=True)
    checker = FieldChecker()
    reason = checker.text("reason", reason, max_length=MAX_REASON)
    unique = unique_ids(ids, checker.problems)
    checker.done()
    file = await attach_file(actor, file_id, "fileId") if file_id is not None else None
    institution = await Institution.get(id=institution_id)
    async with in_transaction():
        found = {
            row.id: row
            for row in await LearnerAchievement.select_for_update().filter(
                id__in=unique,
                institution_id=institution_id,
                source__in=(AchievementSource.INSTITUTION, AchievementSource.CONVERSION),
            )
        }
        problems = Problems()
        for index, achievement_id in enumerate(unique):
            row = found.get(achievement_id)
            if row is None:
                problems.add(f"ids.{index}", ErrorCode.NOT_FOUND, "成果不存在")
            elif row.status != AchievementStatus.STORED:
                problems.add(
                    f"ids.{index}", ErrorCode.WRONG_STATE, f"成果已{row.status.label}，不能撤回"
                )
        problems.raise_if_any()
        moment = now()
        rows = [found[achievement_id] for achievement_id in unique]
        by_learner: dict[uuid.UUID, list[LearnerAchievement]] = defaultdict(list)
        changes = {
            "status": AchievementStatus.WITHDRAWN,
            "withdrawn_reason": reason,
            "withdrawn_at": moment,
            "withdrawn_file_id": file.id if file is not None else None,
        }
        await guarded_update(unique, AchievementStatus.STORED, "ids", **changes)
        await fail_relying_applications(actor, unique, reason)
        await tell_about_withdrawn_bases(unique, reason)
        revoked = defaultdict(list)
        for certificate in await revoke_listing(actor, unique, reason):
            revoked[certificate.learner_id].append(certificate.number)
        for row in rows:
            before = audit.snapshot(row)
            row.update_from_dict(changes)
            await audit.record_change(actor, "learner_achievement.withdraw", row, before)
            by_learner[row.learner_id].append(row)
        await notify(
            *(
                to_learner(
                    learner_id,
                    "achievement.withdrawn",
                    "成果撤回通知",
                    f"{institution.name}撤回了您的学习成果"
                    + "、".join(f"“{row.name}”" for row in held)
                    + f"，撤回原因：{reason}"
                    + (
                        "。列有该成果的证明已随之撤销（编号" + "、".join(revoked[learner_id]) + "）"
                        if revoked[learner_id]
                        else ""
                    ),
                    ACHIEVEMENT_LINK.format(id=held[0].id),
                    held[0].id,
                )
                for learner_id, held in by_learner.items()
            )
        )
    return rows
