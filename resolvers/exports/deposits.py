"""学员成果导出: the learner achievements an institution deposited as an .xlsx file."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from tortoise.queryset import QuerySet

from models import (
    AchievementStatus,
    IdType,
    StoredFile,
)
from resolvers.achievements.deposits import DepositFilter, deposits_query
from resolvers.core.actors import Actor
from resolvers.core.storage import Storage
from resolvers.exports.common import (
    Sheet,
    export,
    exporting_institution,
    keyset_batches,
    label,
    shown,
    type_labels,
)

DEPOSITS = Sheet(
    "学员成果",
    (
        ("成果名称", 36),
        ("成果类型", 14),
        ("成果子类型", 26),
        ("学员姓名", 12),
        ("证件类型", 14),
        ("身份证号", 22),
        ("手机号码", 14),
        ("个人成果编号", 22),
        ("颁证日期", 12),
        ("成果状态", 10),
        ("学分", 8),
        ("入库时间（北京时间）", 24),
    ),
    (
        "name",
        "category_id",
        "subtype_id",
        "learner__name",
        "learner__id_type",
        "learner__id_number",
        "learner__phone",
        "certificate_number",
        "issue_date",
        "status",
        "credits",
    ),
    "learner_achievement.export",
    "学员成果",
)


async def _deposit_rows(query: QuerySet) -> AsyncIterator[list[list[Any]]]:
    categories, subtypes = await type_labels()
    async for rows in keyset_batches(query, DEPOSITS.fields):
        yield [
            [
                row["name"],
                categories.get(row["category_id"], row["category_id"]),
                subtypes.get(row["subtype_id"], row["subtype_id"]),
                row["learner__name"],
                label(IdType, row["learner__id_type"]),
                row["learner__id_number"],
                row["learner__phone"],
                row["certificate_number"],
                row["issue_date"],
                label(AchievementStatus, row["status"]),
                row["credits"],
                shown(row["created_at"]),
            ]
            for row in rows
        ]


async def export_deposits(
    actor: Actor,
    ids: list[uuid.UUID] | None,
    filters: DepositFilter,
    code: str | None,
    storage: Storage,
) -> StoredFile:
    """学员成果导出: learner achievements the institution deposited, with the learners' names,
    ID numbers and phones whole; needs a code of purpose EXPORT."""
    exporting_institution(actor)
    return await export(
        actor,
        DEPOSITS,
        _deposit_rows,
        scope=deposits_query(actor, DepositFilter()),
        filtered=lambda: deposits_query(actor, filters),
        ids=ids,
        filters=filters,
        code=code,
        storage=storage,
    )
