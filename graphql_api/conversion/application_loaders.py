"""DataLoaders of conversion applications: one query per list, never one per row."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader
from tortoise.expressions import Q
from tortoise.functions import Count

from models import (
    AchievementSource,
    ApplicationStatus,
    Certificate,
    ConversionApplication,
    ConversionApplicationSource,
    ConversionBatch,
    ConversionReview,
    LearnerAchievement,
)

# (learner id, rule code): the achievements a succeeded application stored, numbered by the code
ConvertedKey = tuple[uuid.UUID, str]


async def _batches_by_id(keys: Sequence[uuid.UUID]) -> list[ConversionBatch | None]:
    found = {row.id: row for row in await ConversionBatch.filter(id__in=list(keys))}
    return [found.get(key) for key in keys]


async def _sources_by_application(keys: Sequence[uuid.UUID]) -> list[list[LearnerAchievement]]:
    links = await ConversionApplicationSource.filter(application_id__in=list(keys)).values(
        "application_id", "learner_achievement_id"
    )
    rows = {
        row.id: row
        for row in await LearnerAchievement.filter(
            id__in=[link["learner_achievement_id"] for link in links]
        )
    }
    grouped: dict[uuid.UUID, list[LearnerAchievement]] = defaultdict(list)
    for link in links:
        grouped[link["application_id"]].append(rows[link["learner_achievement_id"]])
    return [grouped.get(key, []) for key in keys]


async def _reviews_by_application(keys: Sequence[uuid.UUID]) -> list[list[ConversionReview]]:
    grouped: dict[uuid.UUID, list[ConversionReview]] = defaultdict(list)
    for row in await ConversionReview.filter(application_id__in=list(keys)).order_by(
        "created_at", "id"
    ):
        grouped[row.application_id].append(row)
    return [grouped.get(key, []) for key in keys]


async def _converted(keys: Sequence[ConvertedKey]) -> list[list[LearnerAchievement]]:
    condition = Q()
    for learner_id, code in set(keys):
        condition |= Q(learner_id=learner_id, certificate_number=code)
    grouped: dict[ConvertedKey, list[LearnerAchievement]] = defaultdict(list)
    for row in await LearnerAchievement.filter(condition, source=AchievementSource.CONVERSION):
        grouped[row.learner_id, row.certificate_number].append(row)
    return [grouped.get(key, []) for key in keys]


async def _certificates_by_application(keys: Sequence[uuid.UUID]) -> list[Certificate | None]:
    found = {row.application_id: row for row in await Certificate.filter(application_id__in=keys)}
    return [found.get(key) for key in keys]


async def _pending_by_batch(keys: Sequence[uuid.UUID]) -> list[int]:
    rows = (
        await ConversionApplication.filter(
            batch_id__in=list(keys), status=ApplicationStatus.PENDING
        )
        .annotate(n=Count("id"))
        .group_by("batch_id")
        .values("batch_id", "n")
    )
    found = {row["batch_id"]: row["n"] for row in rows}
    return [found.get(key, 0) for key in keys]


@dataclass
class ApplicationLoaders:
    """Created per request with the other loaders (``info.context.loaders.applications``)."""

    batch_by_id: DataLoader[uuid.UUID, ConversionBatch | None] = field(
        default_factory=lambda: DataLoader(load_fn=_batches_by_id)
    )
    sources_by_application: DataLoader[uuid.UUID, list[LearnerAchievement]] = field(
        default_factory=lambda: DataLoader(load_fn=_sources_by_application)
    )
    reviews_by_application: DataLoader[uuid.UUID, list[ConversionReview]] = field(
        default_factory=lambda: DataLoader(load_fn=_reviews_by_application)
    )
    converted_by_learner_and_code: DataLoader[ConvertedKey, list[LearnerAchievement]] = field(
        default_factory=lambda: DataLoader(load_fn=_converted)
    )
    certificate_by_application: DataLoader[uuid.UUID, Certificate | None] = field(
        default_factory=lambda: DataLoader(load_fn=_certificates_by_application)
    )
    pending_by_batch: DataLoader[uuid.UUID, int] = field(
        default_factory=lambda: DataLoader(load_fn=_pending_by_batch)
    )
