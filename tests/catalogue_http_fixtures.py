"""The helpers shared by the catalogue tests (test_catalogue_*)."""

from __future__ import annotations

from typing import Any

from models import (
    AuditEntry,
    InstitutionAchievement,
    LearnerAchievement,
    Message,
    SubtypeAuthorisation,
)


async def _payload(api, query: str, variables: dict, token: str | None) -> dict:
    (payload,) = (await api.gql(query, variables, token=token)).values()
    return payload


async def _state() -> dict[str, Any]:
    """What the catalogue mutations may change."""
    return {
        "entries": await InstitutionAchievement.all().order_by("id").values(),
        "authorisations": await SubtypeAuthorisation.all().order_by("id").values(),
        "holdings": await LearnerAchievement.all().order_by("id").values(),
        "messages": await Message.all().count(),
        "audit": await AuditEntry.all().count(),
    }
