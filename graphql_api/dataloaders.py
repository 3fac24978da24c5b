"""DataLoaders, created per request in the context, keyed on the ``*_id`` column."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from graphql_api.catalogue.dataloaders import (
    category_by_code_loader,
    holders_count_by_catalogue_entry_loader,
    subtype_by_code_loader,
    term_by_id_loader,
)
from graphql_api.conversion.application_loaders import ApplicationLoaders
from graphql_api.conversion.rule_loaders import RuleLoaders
from models import (
    AchievementCategory,
    AchievementSubtype,
    Institution,
    InstitutionAchievement,
    Learner,
    StoredFile,
    TaxonomyTerm,
)
from resolvers.achievements.credits import credit_totals
from resolvers.certificates.verification import verification_summaries

M = TypeVar("M", bound=Model)


async def _institutions_by_id(keys: Sequence[uuid.UUID]) -> list[Institution | None]:
    found = {row.id: row for row in await Institution.filter(id__in=list(keys))}
    return [found.get(key) for key in keys]


def _institution_by_id_loader() -> DataLoader[uuid.UUID, Institution | None]:
    return DataLoader(load_fn=_institutions_by_id)


def _by_id_loader(model: type[M]) -> DataLoader[uuid.UUID, M | None]:
    """Rows of ``model`` by primary key, one query per batch."""

    async def load(keys: Sequence[uuid.UUID]) -> list[M | None]:
        found = {row.pk: row for row in await model.filter(pk__in=list(keys))}
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


async def _verifications_by_certificate(
    keys: Sequence[uuid.UUID],
) -> list[tuple[int, dt.datetime | None]]:
    found = await verification_summaries(list(keys))
    return [found[key] for key in keys]


async def _credits_by_learner(keys: Sequence[uuid.UUID]) -> list[Decimal]:
    totals = await credit_totals(keys)
    return [totals[key] for key in keys]


@dataclass
class Loaders:
    institution_by_id: DataLoader[uuid.UUID, Institution | None] = field(
        default_factory=_institution_by_id_loader
    )
    credits_by_learner: DataLoader[uuid.UUID, Decimal] = field(
        default_factory=lambda: DataLoader(load_fn=_credits_by_learner)
    )
    subtype_by_code: DataLoader[str, AchievementSubtype | None] = field(
        default_factory=subtype_by_code_loader
    )
    category_by_code: DataLoader[str, AchievementCategory | None] = field(
        default_factory=category_by_code_loader
    )
    term_by_id: DataLoader[uuid.UUID, TaxonomyTerm | None] = field(
        default_factory=term_by_id_loader
    )
    holders_count_by_catalogue_entry: DataLoader[uuid.UUID, int] = field(
        default_factory=holders_count_by_catalogue_entry_loader
    )
    learner_by_id: DataLoader[uuid.UUID, Learner | None] = field(
        default_factory=lambda: _by_id_loader(Learner)
    )
    catalogue_entry_by_id: DataLoader[uuid.UUID, InstitutionAchievement | None] = field(
        default_factory=lambda: _by_id_loader(InstitutionAchievement)
    )
    stored_file_by_id: DataLoader[uuid.UUID, StoredFile | None] = field(
        default_factory=lambda: _by_id_loader(StoredFile)
    )
    verifications_by_certificate: DataLoader[uuid.UUID, tuple[int, dt.datetime | None]] = field(
        default_factory=lambda: DataLoader(load_fn=_verifications_by_certificate)
    )
    rules: RuleLoaders = field(default_factory=RuleLoaders)
    applications: ApplicationLoaders = field(default_factory=ApplicationLoaders)
