"""成果导出: an institution's catalogue entries as an .xlsx file (seed 003 §2.2.1)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from models import (
    AchievementStatus,
    InstitutionAchievement,
    LearnerAchievement,
    RecognitionStatus,
    StoredFile,
)
from resolvers.catalogue.entries import EntryFilter, entries_query
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

CATALOGUE = Sheet(
    "机构成果",
    (
        ("成果名称", 36),
        ("成果类型", 14),
        ("成果子类型", 26),
        ("颁证机构", 26),
        ("认定状态", 10),
        ("学分", 8),
        ("获证学员数量", 14),
        ("入库时间（北京时间）", 24),
    ),
    ("name", "category_id", "subtype_id", "issuer_name", "recognition_status", "credits"),
    "catalogue_entry.export",
    "机构成果",
)


async def _catalogue_rows(query: QuerySet) -> AsyncIterator[list[list[Any]]]:
    categories, subtypes = await type_labels()
    async for rows in keyset_batches(query, CATALOGUE.fields):
        counted = (
            await LearnerAchievement.filter(catalogue_entry_id__in=[row["id"] for row in rows])
            .exclude(status__in=[AchievementStatus.WITHDRAWN, AchievementStatus.REFUSED])
            .group_by("catalogue_entry_id")
            .annotate(holders=Count("id"))
            .values_list("catalogue_entry_id", "holders")
        )  # 获证学员数量, as the list counts them
        holders = {str(entry_id): count for entry_id, count in counted}
        yield [
            [
                row["name"],
                categories.get(row["category_id"], row["category_id"]),
                subtypes.get(row["subtype_id"], row["subtype_id"]),
                row["issuer_name"],
                label(RecognitionStatus, row["recognition_status"]),
                row["credits"],
                holders.get(str(row["id"]), 0),
                shown(row["created_at"]),
            ]
            for row in rows
        ]


async def export_catalogue(
    actor: Actor,
    ids: list[uuid.UUID] | None,
    filters: EntryFilter,
    code: str | None,
    storage: Storage,
) -> StoredFile:
    """成果导出: the institution's catalogue entries, selected or filtered; no personal data, but
    the manual asks for a code of purpose EXPORT all the same (seed 003 §2.2.1)."""
    institution_id = exporting_institution(actor)
    return await export(
        actor,
        CATALOGUE,
        _catalogue_rows,
        scope=InstitutionAchievement.filter(institution_id=institution_id),
        filtered=lambda: entries_query(actor, filters),
        ids=ids,
        filters=filters,
        code=code,
        storage=storage,
    )
