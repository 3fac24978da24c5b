"""学员账户管理 over HTTP: the institution's learners (created or deposited for), adding inactive
accounts, editing and deleting only inactive ones it created, and "view achievements"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models import AuditEntry, Learner, LearnerStatus
from resolvers.achievements.learner_achievements import today
from tests.achievement_fixtures import (
    ACCOUNT_ACHIEVEMENTS,
    ACCOUNT_CREATE,
    ACCOUNT_DELETE,
    ACCOUNT_UPDATE,
    ACCOUNTS,
    ROLES,
    AchievementWorld,
    build_world,
    deposit,
    deposit_input,
    inactive_learner,
    make_entry,
    stored_row,
    table_rows,
)
from tests.institution_fixtures import OK, call, check_outcome, codes, resident_id, top_level_error


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


async def test_create_an_inactive_account(api, world):
    number = resident_id(50, "20010101")
    payload = await call(
        api,
        ACCOUNT_CREATE,
        {"input": {"name": "测试学历1", "idNumber": number.lower()}},
        world.tokens["sub"],
    )
    assert payload["errors"] == []
    learner = payload["learner"]
    assert learner["status"] == "INACTIVE"
    assert learner["statusLabel"] == "未激活"
    assert learner["idNumber"] == number  # the creator sees it whole outside lists
    assert learner["phone"] is None
    assert len(learner["cardNumber"]) == 16
    row = await Learner.get(id=learner["id"])
    assert row.created_by_institution_id == world.institution.id
    assert await AuditEntry.filter(action="learner.create", object_id=row.id).exists()

    before = await table_rows()
    cases = [
        ({"name": "重复", "idNumber": number}, [("idNumber", "CONFLICT")]),
        # an active learner's ID number
        ({"name": "重复", "idNumber": world.learner.id_number}, [("idNumber", "CONFLICT")]),
        (
            {"name": "x", "idNumber": number[:17] + ("1" if number[17] != "1" else "2")},
            [("idNumber", "INVALID")],
        ),
        ({"name": "", "idNumber": resident_id(51, "20010101")}, [("name", "REQUIRED")]),
        ({"name": "名" * 51, "idNumber": resident_id(51, "20010101")}, [("name", "TOO_LONG")]),
        ({"name": "x", "idType": "PASSPORT", "idNumber": "e1"}, [("idNumber", "INVALID")]),
    ]
    for data, expected in cases:
        result = await call(api, ACCOUNT_CREATE, {"input": data}, world.tokens["main"])
        assert codes(result) == expected, data
    bad_enum = await api.post(
        ACCOUNT_CREATE,
        {"input": {"name": "x", "idType": "NOPE", "idNumber": "1"}},
        world.tokens["main"],
    )
    assert bad_enum.json()["errors"] and bad_enum.json().get("data") is None
    assert await table_rows() == before


async def test_list_the_institutions_learners(api, world):
    token = world.tokens["main"]
    created = await inactive_learner(world.institution, 1, "测试课程1")
    await inactive_learner(world.other_institution, 2, "别家学员")
    await deposit(api, token, deposit_input(world.entry, 1))  # the active learner 1
    await deposit(api, token, deposit_input(world.entry, 60, learnerName="毕志刚"))

    listed = await call(api, ACCOUNTS, {}, token)
    assert listed["totalCount"] == 3
    names = [item["name"] for item in listed["items"]]
    assert sorted(names) == sorted(["测试课程1", world.learner.name, "毕志刚"])
    for item in listed["items"]:
        assert "*****" in item["idNumber"]  # masked in the list, even for its creator
        assert item["phone"] is None or "****" in item["phone"]
    statuses = {item["name"]: item["status"] for item in listed["items"]}
    assert statuses[world.learner.name] == "ACTIVE"
    assert statuses["测试课程1"] == "INACTIVE"
    by_learner = {item["name"]: item for item in listed["items"]}
    assert Decimal(by_learner[world.learner.name]["credits"]) == 4

    async def total(**filters) -> int:
        return (await call(api, ACCOUNTS, filters, token))["totalCount"]

    assert await total(name="测试") == 1
    assert await total(idNumber=created.id_number) == 1
    assert await total(idNumber=world.other_learner.id_number) == 0
    assert await total(year=today().year) == 3
    assert await total(year=2000) == 0
    other = await call(api, ACCOUNTS, {}, world.tokens["other_main"])
    assert [i["name"] for i in other["items"]] == ["别家学员"]
    by_token = await call(api, ACCOUNTS, {}, world.tokens["api_token"])
    assert by_token["totalCount"] == 3


async def test_view_achievements_of_a_learner(api, world):
    token = world.tokens["main"]
    mine = await deposit(api, token, deposit_input(world.entry, 1))
    other_entry = await make_entry(world.other_institution)
    await deposit(api, world.tokens["other_main"], deposit_input(other_entry, 1))
    held = await call(api, ACCOUNT_ACHIEVEMENTS, {"learnerId": str(world.learner.id)}, token)
    assert held == {
        "totalCount": 1,
        "items": [{"id": mine["id"], "name": world.entry.name, "status": "STORED"}],
    }
    code = await top_level_error(
        api, ACCOUNT_ACHIEVEMENTS, {"learnerId": str(world.other_learner.id)}, token
    )
    assert code == "NOT_FOUND"


async def test_update_only_inactive_accounts_it_created(api, world):
    token = world.tokens["main"]
    learner = await inactive_learner(world.institution, 1)
    new_number = resident_id(70, "20010101")
    payload = await call(
        api,
        ACCOUNT_UPDATE,
        {"input": {"id": str(learner.id), "name": "改名", "idNumber": new_number}},
        token,
    )
    assert payload["errors"] == []
    assert payload["learner"]["name"] == "改名"
    assert payload["learner"]["idNumber"] == new_number
    assert await AuditEntry.filter(action="learner.update", object_id=learner.id).exists()

    foreign = await inactive_learner(world.other_institution, 2)
    await deposit(api, token, deposit_input(world.entry, 80, learnerName="存储学员"))
    deposited_for = await Learner.get(name="存储学员")
    deposited_for.created_by_institution_id = world.other_institution.id
    await deposited_for.save()
    activated = await inactive_learner(world.institution, 3)
    activated.status = LearnerStatus.ACTIVE
    await activated.save()
    taken = await inactive_learner(world.institution, 4)

    before = await table_rows()
    cases = [
        (foreign.id, {}, [("id", "NOT_FOUND")]),
        (deposited_for.id, {}, [("id", "NOT_FOUND")]),
        (world.learner.id, {}, [("id", "NOT_FOUND")]),
        (activated.id, {}, [("id", "WRONG_STATE")]),
        (learner.id, {"idNumber": taken.id_number}, [("idNumber", "CONFLICT")]),
        (learner.id, {"idNumber": "110"}, [("idNumber", "INVALID")]),
        (learner.id, {"name": " "}, [("name", "REQUIRED")]),
    ]
    for learner_id, overrides, expected in cases:
        data = {
            "id": str(learner_id),
            "name": "新名",
            "idNumber": resident_id(71, "20010101"),
            **overrides,
        }
        result = await call(api, ACCOUNT_UPDATE, {"input": data}, token)
        assert codes(result) == expected, data
    assert await table_rows() == before


async def test_delete_only_inactive_accounts_it_created_without_achievements(api, world):
    token = world.tokens["main"]
    first = await inactive_learner(world.institution, 1)
    second = await inactive_learner(world.institution, 2)
    holding = await inactive_learner(world.institution, 3)
    await stored_row(holding, world.entry, "H-1")
    foreign = await inactive_learner(world.other_institution, 4)

    before = await table_rows()
    cases = [
        ([first.id, holding.id], [("ids.1", "CONFLICT")]),
        ([first.id, foreign.id], [("ids.1", "NOT_FOUND")]),
        ([world.learner.id], [("ids.0", "NOT_FOUND")]),
        ([], [("ids", "REQUIRED")]),
    ]
    for ids, expected in cases:
        result = await call(api, ACCOUNT_DELETE, {"ids": [str(i) for i in ids]}, token)
        assert codes(result) == expected, ids
    assert await table_rows() == before

    done = await call(
        api, ACCOUNT_DELETE, {"ids": [str(first.id), str(second.id)]}, world.tokens["sub"]
    )
    assert done == {"errors": [], "deletedIds": [str(first.id), str(second.id)]}
    assert not await Learner.exists(id__in=[first.id, second.id])
    assert await AuditEntry.filter(action="learner.delete").count() == 2


# -- who may do what -----------------------------------------------------------------------------

_counter = iter(range(100, 10_000))


def _outcomes(**overrides: str) -> dict[str, str]:
    outcomes = dict.fromkeys(ROLES, "FORBIDDEN")
    outcomes["anonymous"] = "UNAUTHENTICATED"
    outcomes.update(overrides)
    return outcomes


async def _create_vars(api, world, role):
    return {"input": {"name": f"新学员{role}", "idNumber": resident_id(next(_counter), "19990909")}}


async def _update_vars(api, world, role):
    learner = await inactive_learner(world.institution, next(_counter))
    return {
        "input": {
            "id": str(learner.id),
            "name": "改名",
            "idNumber": resident_id(next(_counter), "19990909"),
        }
    }


async def _delete_vars(api, world, role):
    learner = await inactive_learner(world.institution, next(_counter))
    return {"ids": [str(learner.id)]}


PERMISSIONS = [
    (
        "learnerAccountCreate",
        ACCOUNT_CREATE,
        _create_vars,
        _outcomes(main=OK, sub=OK, other_main=OK, api_token=OK),
    ),
    (
        "learnerAccountUpdate",
        ACCOUNT_UPDATE,
        _update_vars,
        _outcomes(main=OK, sub=OK, other_main="NOT_FOUND"),
    ),
    (
        "learnerAccountDelete",
        ACCOUNT_DELETE,
        _delete_vars,
        _outcomes(main=OK, sub=OK, other_main="NOT_FOUND"),
    ),
]


@pytest.mark.parametrize(
    ("name", "query", "variables", "outcomes"), PERMISSIONS, ids=[p[0] for p in PERMISSIONS]
)
async def test_permission_table(api, world, name, query, variables, outcomes):
    for role in ROLES:
        data = await variables(api, world, role)
        await check_outcome(api, query, data, world.tokens[role], outcomes[role], table_rows, role)


async def test_queries_refuse_other_roles(api, world):
    for role in ("anonymous", "learner", "admin"):
        code = await top_level_error(api, ACCOUNTS, {}, world.tokens[role])
        assert code == ("UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN")
