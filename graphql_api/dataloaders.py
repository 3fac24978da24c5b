"""DataLoaders, created per request in the context, keyed on the ``*_id`` column."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Sequence
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
from graphql_api.conversion.dataloaders import ApplicationLoaders, RuleLoaders
from models import (
    AchievementCategory,
    AchievementSubtype,
    Administrator,
    CertificateVerification,
    Institution,
    InstitutionAchievement,
    InstitutionUser,
    Learner,
    StoredFile,
    TaxonomyTerm,
)
from resolvers.achievements.credits import credit_totals
from resolvers.certificates.verification import latest_verifications, verification_summaries
from resolvers.core.actors import Actor
from resolvers.core.files import readable_files

M = TypeVar("M", bound=Model)


async def _institutions_by_id(keys: Sequence[uuid.UUID]) -> list[Institution | None]:
    found = {row.id: row for row in await Institution.filter(id__in=list(keys))}
    return [found.get(key) for key in keys]


def _institution_by_id_loader() -> DataLoader[uuid.UUID, Institution | None]:
    return DataLoader(load_fn=_institutions_by_id)


def _by_id(model: type[M]) -> Callable[[Sequence[uuid.UUID]], Awaitable[list[M | None]]]:
    """Rows of ``model`` by primary key, one query per batch."""

    async def load(keys: Sequence[uuid.UUID]) -> list[M | None]:
        found = {row.pk: row for row in await model.filter(pk__in=list(keys))}
        return [found.get(key) for key in keys]

    return load


def _by_id_loader(model: type[M]) -> DataLoader[uuid.UUID, M | None]:
    return DataLoader(load_fn=_by_id(model))


async def _verifications_by_certificate(
    keys: Sequence[uuid.UUID],
) -> list[tuple[int, dt.datetime | None]]:
    found = await verification_summaries(list(keys))
    return [found[key] for key in keys]


async def _credits_by_learner(keys: Sequence[uuid.UUID]) -> list[Decimal]:
    totals = await credit_totals(keys)
    return [totals[key] for key in keys]


# (certificate id, how many): a certificate's latest verifications, newest first
LatestKey = tuple[uuid.UUID, int]
# (actor, file): may the actor download the file
FileAccessKey = tuple[Actor, StoredFile]


class InstitutionUserByIdLoader(DataLoader[uuid.UUID, InstitutionUser | None]):
    def __init__(self) -> None:
        super().__init__(load_fn=_by_id(InstitutionUser))


class AdministratorByIdLoader(DataLoader[uuid.UUID, Administrator | None]):
    def __init__(self) -> None:
        super().__init__(load_fn=_by_id(Administrator))


async def _latest_verifications(keys: Sequence[LatestKey]) -> list[list[CertificateVerification]]:
    found: dict[LatestKey, list[CertificateVerification]] = {}
    for limit in {limit for _, limit in keys}:
        ids = [certificate for certificate, wanted in keys if wanted == limit]
        for certificate, rows in (await latest_verifications(ids, limit)).items():
            found[(certificate, limit)] = rows
    return [found[key] for key in keys]


class LatestVerificationsByCertificateLoader(DataLoader[LatestKey, list[CertificateVerification]]):
    """A certificate's latest verifications: one statement per list (per distinct limit)."""

    def __init__(self) -> None:
        super().__init__(load_fn=_latest_verifications)


async def _file_access(keys: Sequence[FileAccessKey]) -> list[bool]:
    found: set[FileAccessKey] = set()
    for actor in {actor for actor, _ in keys}:
        files = [file for who, file in keys if who == actor]
        readable = await readable_files(actor, files)
        found |= {(actor, file) for file in files if file.id in readable}
    return [key in found for key in keys]


class FileAccessByActorLoader(DataLoader[FileAccessKey, bool]):
    """Whether the actor may download each file: a few statements per list, not per file."""

    def __init__(self) -> None:
        super().__init__(load_fn=_file_access)


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
    latest_verifications_by_certificate: LatestVerificationsByCertificateLoader = field(
        default_factory=LatestVerificationsByCertificateLoader
    )
    institution_user_by_id: InstitutionUserByIdLoader = field(
        default_factory=InstitutionUserByIdLoader
    )
    administrator_by_id: AdministratorByIdLoader = field(default_factory=AdministratorByIdLoader)
    file_access_by_actor: FileAccessByActorLoader = field(default_factory=FileAccessByActorLoader)
    rules: RuleLoaders = field(default_factory=RuleLoaders)
    applications: ApplicationLoaders = field(default_factory=ApplicationLoaders)
