"""The world and helpers shared by the learner-achievement tests (test_learner_achievement_*)."""

from __future__ import annotations

from models import (
    StoredFile,
)
from tests.achievement_fixtures import (
    AchievementWorld,
)


async def _file(world: AchievementWorld) -> StoredFile:
    """A PDF uploaded by institution 1's main user (the upload mutation is tested elsewhere)."""
    return await StoredFile.create(
        owner_kind="institution_user",
        owner_id=world.main.id,
        institution_id=world.institution.id,
        filename="撤回说明.pdf",
        content_type="application/pdf",
        size=1024,
        sha256="0" * 64,
        storage_key=f"test/{world.main.id}.pdf",
    )
