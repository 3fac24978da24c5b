"""The per-request DataLoaders: a list's statements do not grow with its length, and what they
load is what one look-up per row would give."""

from __future__ import annotations

import pytest

from graphql_api.dataloaders import Loaders
from models import AchievementStatus, LearnerAchievement, StoredFile
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.files import can_read_file
from tests.achievement_fixtures import AchievementWorld, build_world, stored_row
from tests.catalogue_fixtures import count_queries


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


VIEWER = """{ viewer { kind name administratorUsername learner { id name }
  institutionUser { id name } institution { id name } } }"""
TWICE = """{ a: viewer { kind name administratorUsername learner { id name }
  institutionUser { id name } institution { id name } }
  b: viewer { kind name administratorUsername learner { id name }
  institutionUser { id name } institution { id name } } }"""


@pytest.mark.parametrize("role", ["learner", "main", "admin"])
async def test_the_viewer_loads_its_account_once_however_often_it_is_asked(
    api, world, monkeypatch, role
):
    token = world.tokens[role]
    with count_queries(monkeypatch) as once:
        one = await api.gql(VIEWER, token=token)
    with count_queries(monkeypatch) as twice:
        two = await api.gql(TWICE, token=token)
    assert two["a"] == two["b"] == one["viewer"]
    assert len(twice) == len(once)
    if role == "learner":
        assert one["viewer"]["learner"]["name"] == world.learner.name
    elif role == "main":
        assert one["viewer"]["institutionUser"]["name"] == world.main.name
        assert one["viewer"]["institution"]["name"] == world.institution.name
    else:
        assert one["viewer"]["administratorUsername"]


async def _withdrawal_files(world: AchievementWorld, count: int) -> list[StoredFile]:
    """``count`` files institution 1 uploaded, each the withdrawal file of learner 1's record."""
    files = []
    for n in range(count):
        file = await StoredFile.create(
            owner_kind="institution_user",
            owner_id=world.main.id,
            institution_id=world.institution.id,
            filename=f"撤回{n}.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
            storage_key=f"withdrawn/{count}-{n}.pdf",
        )
        row = await stored_row(
            world.learner, world.entry, f"W-{count}-{n}", status=AchievementStatus.WITHDRAWN
        )
        await LearnerAchievement.filter(id=row.id).update(withdrawn_file_id=file.id)
        files.append(file)
    return files


async def _access(monkeypatch, actor: Actor, files: list[StoredFile]) -> tuple[list[bool], int]:
    loader = Loaders().file_access_by_actor
    with count_queries(monkeypatch) as statements:
        answers = await loader.load_many([(actor, file) for file in files])
    return answers, len(statements)


async def test_download_links_of_a_list_run_the_same_statements_for_2_files_as_for_8(
    api, world, monkeypatch
):
    holder = Actor(ActorKind.LEARNER, world.learner.id, world.learner.name)
    stranger = Actor(ActorKind.LEARNER, world.other_learner.id, world.other_learner.name)
    other = Actor(
        ActorKind.INSTITUTION_USER,
        world.other_main.id,
        world.other_main.name,
        institution_id=world.other_institution.id,
        institution_approved=True,
        is_main=True,
    )
    few_files = await _withdrawal_files(world, 2)
    many_files = few_files + await _withdrawal_files(world, 6)
    for actor, readable in ((holder, True), (stranger, False), (other, False)):
        few, few_statements = await _access(monkeypatch, actor, few_files)
        many, many_statements = await _access(monkeypatch, actor, many_files)
        assert few == [readable] * 2 and many == [readable] * 8
        assert few_statements == many_statements
        for file in many_files:
            assert await can_read_file(actor, file) is readable
