"""Conversion policies over HTTP: bad input and who may do what."""

from __future__ import annotations

import uuid

import pytest

from models import (
    ConversionPolicy,
    PolicyStatus,
)
from tests.achievement_fixtures import ROLES, AchievementWorld, build_world
from tests.conversion_policy_fixtures import (
    CREATE,
    DELETE,
    POLICY_NAME,
    PUBLISH,
    TAKE_DOWN,
    UPDATE,
    WITHDRAW,
    _create,
    _pdf,
    _policy_row,
    _rows,
    _stored_file,
)
from tests.institution_fixtures import OK, call, check_outcome, codes


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


# -- bad input -----------------------------------------------------------------------------------


async def test_bad_input_is_refused_field_by_field_and_writes_nothing(api, world):
    token = world.tokens["main"]
    file_id = await _pdf(api, token)
    other_file = await _pdf(api, world.tokens["other_main"])
    workbook = await _stored_file(
        world,
        filename="转换办法.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    cases = [
        ({"name": "长" * 101, "fileId": file_id}, [("name", "TOO_LONG")]),
        ({"name": "   ", "fileId": file_id}, [("name", "REQUIRED")]),
        ({"name": POLICY_NAME}, [("fileId", "REQUIRED")]),
        ({"name": POLICY_NAME, "fileId": "nonsense"}, [("fileId", "INVALID")]),
        ({"name": POLICY_NAME, "fileId": other_file}, [("fileId", "NOT_FOUND")]),
        ({"name": POLICY_NAME, "fileId": str(workbook.id)}, [("fileId", "INVALID")]),
        ({"name": "长" * 101}, [("name", "TOO_LONG"), ("fileId", "REQUIRED")]),
        (
            {"name": POLICY_NAME, "fileId": other_file, "publish": True, "pledgeAccepted": True},
            [("fileId", "NOT_FOUND")],
        ),
    ]
    before = await _rows()
    for data, expected in cases:
        payload = await call(api, CREATE, {"input": data}, token)
        assert (codes(payload), payload["policy"]) == (expected, None), data
    assert await _rows() == before
    assert len(await ConversionPolicy.all()) == 0

    policy = await _create(api, token, file_id)
    before = await _rows()
    for data, expected in cases[:2] + cases[3:6]:
        payload = await call(api, UPDATE, {"input": {"id": policy["id"], **data}}, token)
        assert codes(payload) == expected, data
    missing = await call(api, UPDATE, {"input": {"id": str(uuid.uuid4()), "name": "x"}}, token)
    assert codes(missing) == [("id", "NOT_FOUND")]
    for query in (DELETE, PUBLISH, WITHDRAW):
        assert codes(await call(api, query, {"id": "nonsense"}, token)) == [("id", "INVALID")]
    assert await _rows() == before


# -- who may do what -----------------------------------------------------------------------------


def _outcomes(**overrides: str) -> dict[str, str]:
    outcomes = dict.fromkeys(ROLES, "FORBIDDEN")
    outcomes["anonymous"] = "UNAUTHENTICATED"
    outcomes.update(overrides)
    return outcomes


# People of the institution only: API tokens may not upload, publish or change policies (the
# pledge is personal); another institution does not find the policy (or the file).
_PEOPLE = _outcomes(main=OK, sub=OK, other_main="NOT_FOUND")


async def _nothing_published(world: AchievementWorld) -> None:
    await ConversionPolicy.filter(
        institution_id=world.institution.id, status=PolicyStatus.PUBLISHED
    ).update(status=PolicyStatus.UNPUBLISHED, published_at=None)


async def _create_vars(world: AchievementWorld) -> dict:
    file = await _stored_file(world)
    return {"input": {"name": POLICY_NAME, "fileId": str(file.id)}}


async def _update_vars(world: AchievementWorld) -> dict:
    policy = await _policy_row(world)
    return {"input": {"id": str(policy.id), "name": "修订版"}}


async def _id_vars(world: AchievementWorld) -> dict:
    return {"id": str((await _policy_row(world)).id)}


async def _publish_vars(world: AchievementWorld) -> dict:
    await _nothing_published(world)
    return {"id": str((await _policy_row(world)).id), "pledgeAccepted": True}


async def _published_vars(world: AchievementWorld) -> dict:
    await _nothing_published(world)
    return {"id": str((await _policy_row(world, PolicyStatus.PUBLISHED)).id)}


async def _take_down_vars(world: AchievementWorld) -> dict:
    return {**(await _published_vars(world)), "reason": "文件不清晰"}


PERMISSIONS = [
    ("conversionPolicyCreate", CREATE, _create_vars, _PEOPLE),
    ("conversionPolicyUpdate", UPDATE, _update_vars, _PEOPLE),
    ("conversionPolicyDelete", DELETE, _id_vars, _PEOPLE),
    ("conversionPolicyPublish", PUBLISH, _publish_vars, _PEOPLE),
    ("conversionPolicyWithdraw", WITHDRAW, _published_vars, _PEOPLE),
    ("conversionPolicyTakeDown", TAKE_DOWN, _take_down_vars, _outcomes(admin=OK)),
]


@pytest.mark.parametrize(
    ("name", "query", "variables", "outcomes"), PERMISSIONS, ids=[p[0] for p in PERMISSIONS]
)
async def test_permission_table(api, world, name, query, variables, outcomes):
    for role in ROLES:
        data = await variables(world)
        await check_outcome(api, query, data, world.tokens[role], outcomes[role], _rows, role)
