"""Learner achievements over HTTP: a permission table that changes nothing."""

from __future__ import annotations

import pytest

from models import (
    AchievementSource,
    AchievementStatus,
    AuditEntry,
    LearnerAchievement,
)
from tests.achievement_fixtures import (
    DELETE,
    DEPOSIT,
    REGISTER,
    REVIEW,
    ROLES,
    UPDATE,
    WITHDRAW,
    AchievementWorld,
    build_world,
    deposit_input,
    hand_input,
    make_entry,
    messages_to,
    register,
    stored_row,
    table_rows,
)
from tests.institution_fixtures import (
    OK,
    call,
    check_outcome,
    codes,
)


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


# -- who may do what -----------------------------------------------------------------------------


def _outcomes(**overrides: str) -> dict[str, str]:
    outcomes = dict.fromkeys(ROLES, "FORBIDDEN")
    outcomes["anonymous"] = "UNAUTHENTICATED"
    outcomes.update(overrides)
    return outcomes


async def _deposit_vars(api, world, role):
    return {"input": deposit_input(world.entry, 1, certificateNumber=f"PERM-{role}")}


async def _withdraw_vars(api, world, role):
    row = await stored_row(world.learner, world.entry, f"W-{role}")
    return {"input": {"ids": [str(row.id)], "reason": "测试撤回"}}


async def _register_vars(api, world, role):
    return {"input": hand_input(issuerName="别的学院", certificateNumber=f"REG-{role}")}


async def _registered_row(world, role) -> LearnerAchievement:
    return await stored_row(
        world.learner,
        await make_entry(world.institution, name=f"待审{role}"),
        f"U-{role}",
        source=AchievementSource.PERSONAL,
        status=AchievementStatus.REGISTERED,
    )


async def _update_vars(api, world, role):
    row = await _registered_row(world, role)
    return {
        "input": {
            "id": str(row.id),
            **hand_input(issuerName="别的学院", certificateNumber=f"UP-{role}"),
        }
    }


async def _delete_vars(api, world, role):
    return {"ids": [str((await _registered_row(world, role)).id)]}


async def _review_vars(api, world, role):
    row = await _registered_row(world, role)
    return {"input": {"id": str(row.id), "approve": True, "credits": "2"}}


PERMISSIONS = [
    (
        "achievementDeposit",
        DEPOSIT,
        _deposit_vars,
        _outcomes(main=OK, sub=OK, api_token=OK, other_main="NOT_FOUND"),
    ),
    (
        "achievementWithdraw",
        WITHDRAW,
        _withdraw_vars,
        _outcomes(main=OK, sub=OK, other_main="NOT_FOUND"),
    ),
    ("achievementRegister", REGISTER, _register_vars, _outcomes(learner=OK, other_learner=OK)),
    ("achievementUpdate", UPDATE, _update_vars, _outcomes(learner=OK, other_learner="NOT_FOUND")),
    ("achievementDelete", DELETE, _delete_vars, _outcomes(learner=OK, other_learner="NOT_FOUND")),
    ("achievementReview", REVIEW, _review_vars, _outcomes(admin=OK)),
]


@pytest.mark.parametrize(
    ("name", "query", "variables", "outcomes"), PERMISSIONS, ids=[p[0] for p in PERMISSIONS]
)
async def test_permission_table(api, world, name, query, variables, outcomes):
    for role in ROLES:
        data = await variables(api, world, role)
        await check_outcome(api, query, data, world.tokens[role], outcomes[role], table_rows, role)


async def test_two_reviewers_at_once_exactly_one_decision_stands(api, world):
    import asyncio

    waiting = await register(api, world.tokens["learner"], hand_input(issuerName="别的学院"))
    approve = {"input": {"id": waiting["id"], "approve": True, "credits": "1"}}
    refuse = {"input": {"id": waiting["id"], "approve": False, "reason": "无法核实"}}
    results = await asyncio.gather(
        call(api, REVIEW, approve, world.admin_token),
        call(api, REVIEW, refuse, world.admin_token),
    )
    outcomes = sorted(bool(result["errors"]) for result in results)
    assert outcomes == [False, True]
    (loser,) = [r for r in results if r["errors"]]
    assert codes(loser) == [("id", "WRONG_STATE")]
    assert len(await messages_to(world.learner)) == 1
    assert await AuditEntry.filter(action="learner_achievement.review").count() == 1
