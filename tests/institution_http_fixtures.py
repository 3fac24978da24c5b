"""The documents and helpers shared by the institution tests (test_institution_*)."""

from __future__ import annotations

from models import (
    AuditEntry,
    Institution,
    InstitutionUser,
)


async def _counts() -> tuple[int, int, int]:
    return (
        await Institution.all().count(),
        await InstitutionUser.all().count(),
        await AuditEntry.all().count(),
    )


async def _user(username: str) -> InstitutionUser:
    return await InstitutionUser.get(username=username)
