"""The learner's 我的成果 screen (filters, counts, credit total) and the number of SQL statements
of the main achievement screens, which must not grow with the length of the list."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest

from models import (
    AchievementSource,
    AchievementStatus,
    IdType,
    InstitutionAchievement,
    Learner,
    LearnerAchievement,
    LearnerStatus,
    StoredFile,
)
from tests.achievement_fixtures import (
    ACHIEVEMENT_FIELDS,
    COURSE,
    MINE,
    AchievementWorld,
    build_world,
    deposit,
    deposit_input,
    hand_input,
    make_entry,
    register,
)
from tests.institution_fixtures import call, resident_id


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


def _row(
    learner_id: uuid.UUID,
    entry: InstitutionAchievement,
    n: int,
    *,
    source: AchievementSource = AchievementSource.INSTITUTION,
    status: AchievementStatus = AchievementStatus.STORED,
    file_id: uuid.UUID | None = None,
) -> LearnerAchievement:
    return LearnerAchievement(
        learner_id=learner_id,
        catalogue_entry_id=entry.id,
        institution_id=entry.institution_id,
        subtype_id=entry.subtype_id,
        category_id=entry.category_id,
        name=entry.name,
        issuer_name=entry.issuer_name,
        details=entry.details,
        certificate_number=f"BULK-{n:05d}",
        issue_date=dt.date(2020, 1, 1),
        source=source,
        status=status,
        credits=entry.credits,
        withdrawn_file_id=file_id,
        withdrawn_reason="批量撤回" if file_id else "",
        created_by_kind="institution_user",
        stored_at=dt.datetime.now(dt.UTC),
    )


async def test_my_achievements_filters_counts_and_credits(api, world):
    token = world.tokens["learner"]
    course = await make_entry(
        world.institution, name="统计学原理", subtype="higher_course", details=COURSE, credits="2"
    )
    await deposit(api, world.tokens["main"], deposit_input(world.entry, 1))
    await deposit(api, world.tokens["main"], deposit_input(course, 1))
    await register(api, token, hand_input(issuerName="别的学院"))  # waiting, no credits
    await LearnerAchievement.bulk_create(
        [_row(world.learner.id, course, i, source=AchievementSource.CONVERSION) for i in (1, 2)]
    )
    await deposit(api, world.tokens["main"], deposit_input(world.entry, 2))  # someone else's

    everything = await call(api, MINE, {"pageSize": 100}, token)
    assert everything["totalCount"] == 5
    assert everything["personallyObtainedCount"] == 3
    assert everything["conversionObtainedCount"] == 2
    assert Decimal(everything["credits"]) == Decimal(4 + 2 + 2 + 2)
    created = [item["createdAt"] for item in everything["items"]]
    assert created == sorted(created, reverse=True)
    for item in everything["items"]:
        assert item["learnerIdNumber"] == world.learner.id_number  # the holder sees it whole

    async def mine(**filters) -> dict:
        return await call(api, MINE, filters, token)

    personal = await mine(obtained="PERSONAL")
    assert personal["totalCount"] == 3
    assert {i["source"] for i in personal["items"]} == {"INSTITUTION", "PERSONAL"}
    conversion = await mine(obtained="CONVERSION")
    assert conversion["totalCount"] == 2
    assert {i["sourceLabel"] for i in conversion["items"]} == {"转换获取"}
    by_name = await mine(name="原理")
    assert (by_name["totalCount"], by_name["personallyObtainedCount"]) == (3, 1)
    assert by_name["conversionObtainedCount"] == 2
    assert (await mine(subtype="higher_course"))["totalCount"] == 3
    assert (await mine(category="academic"))["totalCount"] == 5
    assert (await mine(category="informal"))["totalCount"] == 0
    paged = await mine(page=2, pageSize=2)
    assert [i["id"] for i in paged["items"]] == [i["id"] for i in everything["items"][2:4]]

    other = await call(api, MINE, {}, world.tokens["other_learner"])
    assert (other["totalCount"], Decimal(other["credits"])) == (1, Decimal(4))


# -- SQL statements ------------------------------------------------------------------------------

_EXECUTE = (
    "execute_query",
    "execute_query_dict",
    "execute_insert",
    "execute_many",
    "execute_script",
)


@contextmanager
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every SQL statement sent while the block runs, on SQLite and PostgreSQL alike: the
    execute methods of the client class behind the models (transactions subclass it)."""
    client_class = type(LearnerAchievement._meta.db)
    seen: list[str] = []
    with monkeypatch.context() as patch:
        for name in _EXECUTE:
            original = getattr(client_class, name)

            def counted(self, query, *args, __original=original, **kwargs):
                seen.append(query)
                return __original(self, query, *args, **kwargs)

            patch.setattr(client_class, name, counted)
        yield seen


SCREEN_FIELDS = f"""{ACHIEVEMENT_FIELDS}
  learner {{ id name idNumber phone credits }}
  catalogueEntry {{ id name }}"""
MY_SCREEN = f"""
query Mine($pageSize: Int!) {{
  myAchievements(pageSize: $pageSize) {{
    totalCount personallyObtainedCount conversionObtainedCount credits
    items {{ {SCREEN_FIELDS} }}
  }}
}}"""
DEPOSITED_SCREEN = f"""
query Deposited($pageSize: Int!) {{
  depositedAchievements(pageSize: $pageSize) {{ totalCount items {{ {SCREEN_FIELDS} }} }}
}}"""


async def _file(world: AchievementWorld) -> StoredFile:
    return await StoredFile.create(
        owner_kind="institution_user",
        owner_id=world.main.id,
        institution_id=world.institution.id,
        filename="撤回.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        storage_key=f"bulk/{uuid.uuid4().hex}.pdf",
    )


async def _entries(world: AchievementWorld) -> list[InstitutionAchievement]:
    course = await make_entry(
        world.institution, name="统计学原理", subtype="higher_course", details=COURSE
    )
    return [world.entry, course]


async def _screen_statements(api, monkeypatch, query: str, token: str, size: int) -> int:
    with statements(monkeypatch) as seen:
        data = await call(api, query, {"pageSize": 100}, token)
    assert data["totalCount"] == size
    assert len(data["items"]) == min(size, 100)
    assert all(item["learner"]["name"] for item in data["items"])
    return len(seen)


async def test_my_achievements_statements_do_not_grow_with_the_list(api, world, monkeypatch):
    entries = await _entries(world)
    file = await _file(world)

    def rows(start: int, stop: int) -> list[LearnerAchievement]:
        return [
            _row(
                world.learner.id,
                entries[n % 2],
                n,
                source=AchievementSource.CONVERSION
                if n % 7 == 0
                else AchievementSource.INSTITUTION,
                status=AchievementStatus.WITHDRAWN if n % 5 == 0 else AchievementStatus.STORED,
                file_id=file.id if n % 5 == 0 else None,
            )
            for n in range(start, stop)
        ]

    token = world.tokens["learner"]
    await LearnerAchievement.bulk_create(rows(0, 5))
    few = await _screen_statements(api, monkeypatch, MY_SCREEN, token, 5)
    await LearnerAchievement.bulk_create(rows(5, 500), batch_size=250)
    many = await _screen_statements(api, monkeypatch, MY_SCREEN, token, 500)
    assert few == many
    assert few <= 15, few


async def test_deposited_achievements_statements_do_not_grow_with_the_list(api, world, monkeypatch):
    entries = await _entries(world)
    file = await _file(world)

    def learners(start: int, stop: int) -> list[Learner]:
        return [
            Learner(
                name=f"批量{n}",
                id_type=IdType.RESIDENT_ID,
                id_number=resident_id(n, "19800101"),
                status=LearnerStatus.INACTIVE,
                card_number=f"9{n:015d}",
                created_by_institution_id=world.institution.id,
            )
            for n in range(start, stop)
        ]

    async def deposits(start: int, stop: int) -> None:
        people = learners(start, stop)
        await Learner.bulk_create(people, batch_size=250)
        await LearnerAchievement.bulk_create(
            [
                _row(
                    person.id,
                    entries[n % 2],
                    n,
                    status=AchievementStatus.WITHDRAWN if n % 5 == 0 else AchievementStatus.STORED,
                    file_id=file.id if n % 5 == 0 else None,
                )
                for n, person in zip(range(start, stop), people, strict=True)
            ],
            batch_size=250,
        )

    token = world.tokens["main"]
    await deposits(0, 5)
    few = await _screen_statements(api, monkeypatch, DEPOSITED_SCREEN, token, 5)
    await deposits(5, 500)
    many = await _screen_statements(api, monkeypatch, DEPOSITED_SCREEN, token, 500)
    assert few == many
    assert few <= 15, few
