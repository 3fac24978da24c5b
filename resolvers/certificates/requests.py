"""A learner requests a proof of selected achievements (开具证明) or a certification report
(学习成果认证报告) (SPEC §5, seed 001 §05)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from models import (
    AchievementStatus,
    Certificate,
    CertificateAchievement,
    CertificateKind,
    Learner,
    LearnerAchievement,
)
from resolvers.certificates.issuing import (
    AchievementLabels,
    Issuer,
    checked_validity,
    holder_of,
    plain_value,
    sign_certificate,
    start_of_issue_day,
)
from resolvers.certificates.layouts import check_printable, layout_of
from resolvers.certificates.numbers import new_number
from resolvers.core import audit
from resolvers.core.actors import Actor, require_learner
from resolvers.core.bulk_rows import insert_rows
from resolvers.core.clock import today
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.ids import time_ordered_id

MAX_ACHIEVEMENTS = 40  # one page; check_printable refuses fewer long ones that do not fit


async def _chosen_achievements(
    learner_id: uuid.UUID, kind: CertificateKind, ids: list[uuid.UUID]
) -> list[LearnerAchievement]:
    """开具证明: the chosen stored achievements, each the learner's own; a report without a
    choice certifies every stored achievement."""
    stored = LearnerAchievement.filter(learner_id=learner_id, status=AchievementStatus.STORED)
    unique = list(dict.fromkeys(ids))
    if not unique:
        if kind == CertificateKind.PROOF:
            raise DomainError.of(ErrorCode.REQUIRED, "请选择要开具证明的成果", "achievementIds")
        rows = await stored.order_by("issue_date", "created_at", "id").limit(MAX_ACHIEVEMENTS + 1)
        if not rows:
            raise DomainError.of(
                ErrorCode.WRONG_STATE, "账户中还没有存储状态的成果", "achievementIds"
            )
        if len(rows) > MAX_ACHIEVEMENTS:
            raise DomainError.of(
                ErrorCode.INVALID,
                f"一份报告最多列{MAX_ACHIEVEMENTS}项成果，请选择",
                "achievementIds",
            )
        return rows
    if len(unique) > MAX_ACHIEVEMENTS:
        raise DomainError.of(
            ErrorCode.INVALID, f"一次最多选择{MAX_ACHIEVEMENTS}项成果", "achievementIds"
        )
    found = {
        row.id: row for row in await LearnerAchievement.filter(id__in=unique, learner_id=learner_id)
    }
    problems = Problems()
    for index, achievement_id in enumerate(ids):
        row = found.get(achievement_id)
        if row is None:
            problems.add(f"achievementIds.{index}", ErrorCode.NOT_FOUND, "成果不存在")
        elif row.status != AchievementStatus.STORED:
            problems.add(
                f"achievementIds.{index}",
                ErrorCode.WRONG_STATE,
                f"成果{row.status.label}，只有存储状态的成果可以开具证明",
            )
    problems.raise_if_any()
    return [found[achievement_id] for achievement_id in unique]


async def request_certificate(
    actor: Actor,
    issuer: Issuer,
    kind: CertificateKind,
    achievement_ids: list[uuid.UUID],
    validity_days: int,
) -> Certificate:
    """开具证明 / 申请学习成果认证报告: valid from today for the chosen number of days."""
    learner_id = require_learner(actor)
    if kind == CertificateKind.CONVERSION:
        raise DomainError.of(ErrorCode.INVALID, "转换证明在转换成功时自动开具", "kind")
    days = checked_validity(validity_days)
    learner = await Learner.get(id=learner_id)
    rows = await _chosen_achievements(learner_id, kind, achievement_ids)
    lines = await (await AchievementLabels.load()).lines(rows)
    snapshot: dict[str, Any] = {"holder": holder_of(learner), "achievements": lines}
    if kind == CertificateKind.REPORT:
        credits = sum((row.credits for row in rows if row.credits is not None), Decimal(0))
        snapshot["totalCredits"] = plain_value(credits)
    issued_on = today()
    valid_until = issued_on + dt.timedelta(days=days)
    number = new_number()
    issued_at = start_of_issue_day(issued_on)
    page = Certificate(
        number=number, kind=kind, snapshot=snapshot, issued_on=issued_on, valid_until=valid_until
    )
    await check_printable(layout_of(page, issuer.verify_url(number), issuer.name))
    credential = sign_certificate(issuer, number, kind, snapshot, issued_at, valid_until)
    async with in_transaction():
        certificate = await Certificate.create(
            number=number,
            kind=kind,
            learner_id=learner_id,
            snapshot=snapshot,
            issued_on=issued_on,
            valid_until=valid_until,
            credential=credential,
            key_id=issuer.signer.kid,
        )
        await insert_rows(
            CertificateAchievement,
            [
                {
                    "id": time_ordered_id(),
                    "certificate_id": certificate.id,
                    "learner_achievement_id": row.id,
                }
                for row in rows
            ],
        )
        await audit.record(
            actor,
            "certificate.issue",
            certificate,
            after={"number": number, "kind": kind.value, "validUntil": valid_until.isoformat()},
        )
    return certificate
