"""DataLoaders, created per request in the context, keyed on the ``*_id`` column."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from models import Institution


async def _institutions_by_id(keys: Sequence[uuid.UUID]) -> list[Institution | None]:
    found = {row.id: row for row in await Institution.filter(id__in=list(keys))}
    return [found.get(key) for key in keys]


def _institution_by_id_loader() -> DataLoader[uuid.UUID, Institution | None]:
    return DataLoader(load_fn=_institutions_by_id)


@dataclass
class Loaders:
    institution_by_id: DataLoader[uuid.UUID, Institution | None] = field(
        default_factory=_institution_by_id_loader
    )
