"""Automatic matching (自动匹配) of a learner's registration against recognised catalogue entries:
the same issuer, subtype and name, and the same identifying fields (:func:`identity_key`)."""

from __future__ import annotations

import uuid
from typing import Any

from models import DetailSchema, InstitutionAchievement, InstitutionStatus, RecognitionStatus
from resolvers.achievements.details import identity_key


def _same(a: str, b: str) -> bool:
    return a.strip() == b.strip()


async def find_match(
    *,
    subtype_id: str,
    schema: DetailSchema,
    issuer_name: str,
    name: str,
    details: dict[str, Any],
    preferred: uuid.UUID | None = None,
) -> InstitutionAchievement | None:
    """The recognised catalogue entry a registration matches, or None.

    ``preferred`` (the entry the learner chose) wins when it matches; otherwise the oldest
    matching entry of an approved institution, so the answer does not depend on the order rows
    come back in."""
    candidates = await InstitutionAchievement.filter(
        recognition_status=RecognitionStatus.RECOGNISED,
        subtype_id=subtype_id,
        issuer_name=issuer_name.strip(),
        name=name.strip(),
        institution__status=InstitutionStatus.APPROVED,
    ).order_by("created_at", "id")
    wanted = identity_key(schema, details)
    matching = [
        entry
        for entry in candidates
        if _same(entry.issuer_name, issuer_name)
        and _same(entry.name, name)
        and identity_key(schema, entry.details) == wanted
    ]
    for entry in matching:
        if entry.id == preferred:
            return entry
    return matching[0] if matching else None
