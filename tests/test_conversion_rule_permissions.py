"""Conversion rules (转换规则): the role table, and institutions not yet approved, that change
nothing."""

from __future__ import annotations

import pytest

from models import (
    ConversionRule,
)
from tests.achievement_fixtures import (
    ROLES,
    AchievementWorld,
    build_world,
)
from tests.conversion_rule_fixtures import (
    CREATE,
    DELETE,
    PUBLISH,
    TAKE_DOWN,
    UPDATE,
    WITHDRAW,
    Entries,
    _ids,
    a2n,
    build_entries,
    create,
    n2a,
    pdf,
    publish_policy,
    published,
    rule_tables,
)
from tests.institution_fixtures import (
    OK,
    call,
    check_outcome,
    codes,
    make_institution,
)


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


@pytest.fixture
async def entries(world: AchievementWorld) -> Entries:
    return await build_entries(world)


# -- who may do what -----------------------------------------------------------------------------


def _outcomes(**overrides: str) -> dict[str, str]:
    outcomes = dict.fromkeys(ROLES, "FORBIDDEN")
    outcomes["anonymous"] = "UNAUTHENTICATED"
    outcomes.update(overrides)
    return outcomes


def _course_rule(e: Entries) -> dict:
    """Institution 1's rule with one target: another institution gets one NOT_ALLOWED."""
    return n2a(e, targets={"courses": _ids(e.course)})


async def _draft(api, world, e: Entries) -> dict:
    return await create(
        api,
        world.tokens["main"],
        {**_course_rule(e), "fileId": await pdf(api, world.tokens["main"])},
    )


async def _create_vars(api, world, e, role):
    return {"input": _course_rule(e)}


async def _update_vars(api, world, e, role):
    return {"input": {**a2n(e), "id": (await _draft(api, world, e))["id"]}}


async def _delete_vars(api, world, e, role):
    return {"id": (await _draft(api, world, e))["id"]}


async def _publish_vars(api, world, e, role):
    return {"id": (await _draft(api, world, e))["id"], "pledgeAccepted": True}


async def _withdraw_vars(api, world, e, role):
    return {"id": (await published(api, world, _course_rule(e)))["id"]}


async def _take_down_vars(api, world, e, role):
    return {"id": (await published(api, world, _course_rule(e)))["id"], "reason": "不符合要求"}


PERMISSIONS = [
    (
        "conversionRuleCreate",
        CREATE,
        _create_vars,
        _outcomes(main=OK, sub=OK, other_main="NOT_ALLOWED"),
    ),
    (
        "conversionRuleUpdate",
        UPDATE,
        _update_vars,
        _outcomes(main=OK, sub=OK, other_main="NOT_FOUND"),
    ),
    (
        "conversionRuleDelete",
        DELETE,
        _delete_vars,
        _outcomes(main=OK, sub=OK, other_main="NOT_FOUND"),
    ),
    (
        "conversionRulePublish",
        PUBLISH,
        _publish_vars,
        _outcomes(main=OK, sub=OK, other_main="NOT_FOUND"),
    ),
    (
        "conversionRuleWithdraw",
        WITHDRAW,
        _withdraw_vars,
        _outcomes(main=OK, sub=OK, other_main="NOT_FOUND"),
    ),
    ("conversionRuleTakeDown", TAKE_DOWN, _take_down_vars, _outcomes(admin=OK)),
]


@pytest.mark.parametrize(
    ("name", "query", "variables", "outcomes"), PERMISSIONS, ids=[p[0] for p in PERMISSIONS]
)
async def test_permission_table(api, world, entries, name, query, variables, outcomes):
    await publish_policy(world)
    await publish_policy(world, world.other_institution)
    for role in ROLES:
        data = await variables(api, world, entries, role)
        await check_outcome(api, query, data, world.tokens[role], outcomes[role], rule_tables, role)


async def test_an_institution_not_yet_approved_cannot_make_rules(api, world, entries):
    from models import InstitutionStatus
    from tests.institution_fixtures import login_institution

    _, pending_main = await make_institution(3, InstitutionStatus.PENDING)
    token = await login_institution(api, pending_main.username)
    payload = await call(api, CREATE, {"input": n2a(entries)}, token)
    assert codes(payload) == [(None, "NOT_APPROVED")]
    assert await ConversionRule.all().count() == 0
