"""DataLoaders of the taxonomy and the catalogue: one query per list, never one per row."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from strawberry.dataloader import DataLoader
from tortoise.functions import Count

from models import (
    AchievementCategory,
    AchievementStatus,
    AchievementSubtype,
    LearnerAchievement,
    TaxonomyTerm,
)


async def _subtypes_by_code(keys: Sequence[str]) -> list[AchievementSubtype | None]:
    found = {row.code: row for row in await AchievementSubtype.filter(code__in=list(keys))}
    return [found.get(key) for key in keys]


async def _categories_by_code(keys: Sequence[str]) -> list[AchievementCategory | None]:
    found = {row.code: row for row in await AchievementCategory.filter(code__in=list(keys))}
    return [found.get(key) for key in keys]


async def _terms_by_id(keys: Sequence[uuid.UUID]) -> list[TaxonomyTerm | None]:
    found = {row.id: row for row in await TaxonomyTerm.filter(id__in=list(keys))}
    return [found.get(key) for key in keys]


async def _holders_by_catalogue_entry(keys: Sequence[uuid.UUID]) -> list[int]:
    """获证学员数量: learner achievements of each entry, neither withdrawn nor refused."""
    rows = (
        await LearnerAchievement.filter(catalogue_entry_id__in=list(keys))
        .exclude(status__in=[AchievementStatus.WITHDRAWN, AchievementStatus.REFUSED])
        .group_by("catalogue_entry_id")
        .annotate(holders=Count("id"))
        .values("catalogue_entry_id", "holders")
    )
    counts = {_uuid(row["catalogue_entry_id"]): int(row["holders"]) for row in rows}
    return [counts.get(key, 0) for key in keys]


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def subtype_by_code_loader() -> DataLoader[str, AchievementSubtype | None]:
    return DataLoader(load_fn=_subtypes_by_code)


def category_by_code_loader() -> DataLoader[str, AchievementCategory | None]:
    return DataLoader(load_fn=_categories_by_code)


def term_by_id_loader() -> DataLoader[uuid.UUID, TaxonomyTerm | None]:
    return DataLoader(load_fn=_terms_by_id)


def holders_count_by_catalogue_entry_loader() -> DataLoader[uuid.UUID, int]:
    return DataLoader(load_fn=_holders_by_catalogue_entry)
