"""学员信息导出: the learner accounts an institution keeps as an .xlsx file."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from tortoise.queryset import QuerySet

from models import (
    IdType,
    LearnerStatus,
    StoredFile,
)
from resolvers.accounts.learner_accounts import kept_by, learner_accounts_query
from resolvers.core.actors import Actor
from resolvers.core.storage import Storage
from resolvers.exports.common import (
    Sheet,
    export,
    exporting_institution,
    keyset_batches,
    label,
    shown,
)


@dataclass
class LearnerAccountFilter:
    """The filters of 学员信息 (入库年份, 学员姓名, 身份证号)."""

    year: int | None = None
    name: str | None = None
    id_number: str | None = None


LEARNER_ACCOUNTS = Sheet(
    "学员信息",
    (
        ("学员姓名", 12),
        ("证件类型", 14),
        ("身份证号", 22),
        ("手机号码", 14),
        ("账户状态", 10),
        ("学银卡号", 20),
        ("入库时间（北京时间）", 24),
    ),
    ("name", "id_type", "id_number", "phone", "status", "card_number"),
    "learner.export",
    "学员",
)


async def _learner_rows(query: QuerySet) -> AsyncIterator[list[list[Any]]]:
    async for rows in keyset_batches(query, LEARNER_ACCOUNTS.fields):
        yield [
            [
                row["name"],
                label(IdType, row["id_type"]),
                row["id_number"],
                row["phone"],
                label(LearnerStatus, row["status"]),
                row["card_number"],
                shown(row["created_at"]),
            ]
            for row in rows
        ]


async def export_learner_accounts(
    actor: Actor,
    ids: list[uuid.UUID] | None,
    filters: LearnerAccountFilter,
    code: str | None,
    storage: Storage,
) -> StoredFile:
    """学员信息导出: the learner accounts the institution keeps, with names, ID numbers and phones
    whole; needs a code of purpose EXPORT."""
    institution_id = exporting_institution(actor)
    return await export(
        actor,
        LEARNER_ACCOUNTS,
        _learner_rows,
        scope=kept_by(institution_id),
        filtered=lambda: learner_accounts_query(
            actor, filters.year, filters.name, filters.id_number
        ),
        ids=ids,
        filters=filters,
        code=code,
        storage=storage,
    )
