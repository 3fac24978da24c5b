"""Learner achievements over HTTP: an institution deposits, lists, views and withdraws, with
messages for the learner."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from models import (
    AchievementStatus,
    AuditEntry,
    IdType,
    Learner,
    LearnerAchievement,
    LearnerStatus,
    StoredFile,
    SubtypeAuthorisation,
)
from resolvers.core.clock import today
from tests.achievement_fixtures import (
    COURSE,
    DEPOSIT,
    DEPOSITED,
    DEPOSITED_ONE,
    MINE,
    MINE_ONE,
    WITHDRAW,
    AchievementWorld,
    build_world,
    deposit,
    deposit_input,
    hand_input,
    make_entry,
    messages_to,
    register,
    row_counts,
    table_rows,
)
from tests.institution_fixtures import (
    call,
    codes,
    make_institution,
    resident_id,
    top_level_error,
)
from tests.learner_achievement_fixtures import (
    _file,
)


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


# -- deposits ------------------------------------------------------------------------------------


async def test_deposit_for_a_new_id_number_creates_an_inactive_learner(api, world):
    token = world.tokens["main"]
    data = deposit_input(world.entry, 30, learnerName="毕志刚")
    payload = await call(api, DEPOSIT, {"input": data}, token)
    assert payload["errors"] == []
    assert payload["learnerCreated"] is True
    achievement = payload["achievement"]
    assert achievement["status"] == "STORED"
    assert achievement["statusLabel"] == "存储"
    assert achievement["source"] == "INSTITUTION"
    assert achievement["sourceLabel"] == "机构存储"
    assert Decimal(achievement["credits"]) == Decimal(4)
    assert achievement["name"] == world.entry.name
    assert achievement["issuerName"] == world.entry.issuer_name
    assert achievement["categoryLabel"] == "学历成果"
    assert achievement["subtypeLabel"] == "普通高等教育学历证书"
    assert achievement["details"] == {
        "__typename": "DiplomaDetails",
        "level": "bachelor",
        "levelLabel": "本科",
        "major": "经济统计学",
    }
    assert achievement["catalogueEntryId"] == str(world.entry.id)
    assert achievement["institution"]["id"] == str(world.institution.id)
    assert achievement["learnerName"] == "毕志刚"
    assert achievement["learnerIdNumber"] == data["idNumber"]  # the depositor's detail view
    assert achievement["storedAt"] is not None

    learner = await Learner.get(id_number=data["idNumber"])
    assert learner.status == LearnerStatus.INACTIVE
    assert learner.created_by_institution_id == world.institution.id
    row = await LearnerAchievement.get(id=achievement["id"])
    assert row.institution_id == world.institution.id
    assert row.certificate_number == data["certificateNumber"]
    assert row.issue_date == dt.date(2022, 6, 30)

    (message,) = await messages_to(learner)
    assert message.event == "achievement.deposited"
    assert world.institution.name in message.body and world.entry.name in message.body
    assert message.object_id == row.id
    actions = await AuditEntry.all().order_by("at").values_list("action", flat=True)
    assert list(actions)[-2:] == ["learner.create", "learner_achievement.deposit"]


async def test_deposit_for_an_existing_learner_by_sub_user_and_api_token(api, world):
    by_sub = await deposit(api, world.tokens["sub"], deposit_input(world.entry, 1))
    by_token = await deposit(
        api, world.tokens["api_token"], deposit_input(world.entry, 1, certificateNumber="B-2")
    )
    assert {by_sub["learnerName"], by_token["learnerName"]} == {world.learner.name}
    assert await LearnerAchievement.filter(learner_id=world.learner.id).count() == 2
    assert await Learner.all().count() == 2  # nobody new
    assert len(await messages_to(world.learner)) == 2
    mine = await call(api, MINE, {}, world.tokens["learner"])
    assert Decimal(mine["credits"]) == Decimal(8)


async def test_deposit_of_an_unrecognised_entry_holds_no_credits(api, world):
    entry = await make_entry(world.institution, name="作物生产技术", recognised=False)
    achievement = await deposit(api, world.tokens["main"], deposit_input(entry, 1))
    assert achievement["status"] == "STORED"
    assert achievement["credits"] is None
    mine = await call(api, MINE, {}, world.tokens["learner"])
    assert Decimal(mine["credits"]) == 0


async def test_deposit_refusals(api, world):
    token = world.tokens["main"]
    await deposit(api, token, deposit_input(world.entry, 1))
    cases = [
        # the name must match the account of that ID number
        (
            deposit_input(world.entry, 1, learnerName="别人", certificateNumber="X"),
            [("learnerName", "INVALID")],
        ),
        # the same entry with the same certificate number twice
        (deposit_input(world.entry, 1), [("certificateNumber", "CONFLICT")]),
        # an entry of another institution
        (
            deposit_input(await make_entry(world.other_institution), 1),
            [("catalogueEntryId", "NOT_FOUND")],
        ),
        (
            deposit_input(world.entry, 1, catalogueEntryId="not-a-uuid"),
            [("catalogueEntryId", "INVALID")],
        ),
    ]
    before = await table_rows()
    for data, expected in cases:
        payload = await call(api, DEPOSIT, {"input": data}, token)
        assert codes(payload) == expected, data
    assert await table_rows() == before


async def test_restricted_subtype_needs_the_authorisation_in_force(api, world):
    entry = await make_entry(
        world.institution,
        name="电工(中级)",
        subtype="mohrss_certificate",
        details={"level": "intermediate"},
    )
    token = world.tokens["main"]
    before = await row_counts()
    refused = await call(api, DEPOSIT, {"input": deposit_input(entry, 1)}, token)
    assert codes(refused) == [("catalogueEntryId", "NOT_ALLOWED")]
    assert await row_counts() == before

    authorisation = await SubtypeAuthorisation.create(
        institution=world.institution, subtype_id="mohrss_certificate", granted_by_id=world.main.id
    )
    await deposit(api, token, deposit_input(entry, 1))
    await authorisation.delete()  # revoked: no longer in force
    again = await call(api, DEPOSIT, {"input": deposit_input(entry, 2)}, token)
    assert codes(again) == [("catalogueEntryId", "NOT_ALLOWED")]


async def test_pending_institution_cannot_deposit(api, world):
    from models import InstitutionStatus
    from tests.institution_fixtures import login_institution

    pending, user = await make_institution(5, InstitutionStatus.PENDING)
    entry = await make_entry(pending)
    token = await login_institution(api, user.username)
    before = await row_counts()
    payload = await call(api, DEPOSIT, {"input": deposit_input(entry, 1)}, token)
    assert codes(payload) == [(None, "NOT_APPROVED")]
    assert await row_counts() == before


async def test_deposit_bad_input_writes_nothing(api, world):
    token = world.tokens["main"]
    first17 = resident_id(40, "19950505")[:17]
    wrong_check = first17 + ("0" if resident_id(40, "19950505")[17] != "0" else "1")
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    cases = [
        ({"idNumber": wrong_check}, [("idNumber", "INVALID")]),
        ({"issueDate": tomorrow}, [("issueDate", "INVALID")]),
        ({"issueDate": "1949-12-31"}, [("issueDate", "INVALID")]),
        ({"learnerName": "名" * 51}, [("learnerName", "TOO_LONG")]),
        ({"learnerName": "  "}, [("learnerName", "REQUIRED")]),
        ({"certificateNumber": "C" * 61}, [("certificateNumber", "TOO_LONG")]),
        (
            {"idNumber": "123", "certificateNumber": ""},
            [("idNumber", "INVALID"), ("certificateNumber", "REQUIRED")],
        ),
    ]
    before = await table_rows()
    for overrides, expected in cases:
        data = deposit_input(world.entry, 40, **overrides)
        payload = await call(api, DEPOSIT, {"input": data}, token)
        assert codes(payload) == expected, overrides
    # a wrong enum or a malformed date never reaches the resolver: a top-level validation error
    for overrides in ({"idType": "DRIVING_LICENCE"}, {"issueDate": "2022-13-01"}):
        variables = {"input": deposit_input(world.entry, 40, **overrides)}
        response = await api.post(DEPOSIT, variables, token)
        body = response.json()
        assert response.status_code == 200
        assert body.get("data") is None and body["errors"], body
        assert "input" in body["errors"][0]["message"]
    assert await table_rows() == before


async def test_passport_holder_is_found_by_id_type_and_number(api, world):
    token = world.tokens["main"]
    data = deposit_input(
        world.entry, 41, idType="PASSPORT", idNumber="E12345678", learnerName="John"
    )
    first = await call(api, DEPOSIT, {"input": data}, token)
    assert first["errors"] == [] and first["learnerCreated"] is True
    second = await call(api, DEPOSIT, {"input": {**data, "certificateNumber": "P-2"}}, token)
    assert second["errors"] == [] and second["learnerCreated"] is False
    learner = await Learner.get(id_number="E12345678")
    assert learner.id_type == IdType.PASSPORT


# -- the institution's list and detail -----------------------------------------------------------


async def test_deposited_list_filters_and_masks(api, world):
    token = world.tokens["main"]
    course = await make_entry(
        world.institution, name="统计学原理", subtype="higher_course", details=COURSE
    )
    await deposit(api, token, deposit_input(world.entry, 1))
    await deposit(api, token, deposit_input(course, 1))
    await deposit(api, token, deposit_input(world.entry, 31, learnerName="测试2"))
    other = await make_entry(world.other_institution)
    await deposit(api, world.tokens["other_main"], deposit_input(other, 1))

    listed = await call(api, DEPOSITED, {}, token)
    assert listed["totalCount"] == 3
    for item in listed["items"]:
        number = item["learnerIdNumber"]
        assert "*****" in number and len(number) == 15
    mine = [i for i in listed["items"] if i["learnerName"] == world.learner.name]
    assert {i["learnerPhone"] for i in mine} == {
        f"{world.learner.phone[:3]}****{world.learner.phone[-4:]}"
    }

    async def total(**filters) -> int:
        return (await call(api, DEPOSITED, filters, token))["totalCount"]

    assert await total(name="原理") == 1
    assert await total(category="academic") == 3
    assert await total(category="informal") == 0
    assert await total(learnerName="测试") == 1
    assert await total(idNumber=resident_id(1, "19950505")) == 2
    assert await total(status="STORED") == 3
    assert await total(status="WITHDRAWN") == 0
    assert await total(year=today().year) == 3
    assert await total(year=2001) == 0
    bad_year = await top_level_error(api, DEPOSITED, {"year": 1800}, token)
    assert bad_year == "INVALID"
    bad_page = await top_level_error(api, DEPOSITED, {"pageSize": 500}, token)
    assert bad_page == "INVALID"

    other_view = await call(api, DEPOSITED, {}, world.tokens["other_main"])
    assert other_view["totalCount"] == 1


async def test_deposited_detail_shows_the_id_number_whole_to_the_depositor(api, world):
    token = world.tokens["main"]
    achievement = await deposit(api, token, deposit_input(world.entry, 1))
    detail = await call(api, DEPOSITED_ONE, {"id": achievement["id"]}, token)
    assert detail["learnerIdNumber"] == world.learner.id_number
    assert detail["learnerPhone"] == world.learner.phone
    assert detail["certificateNumber"] == "CERT-00001"
    by_sub = await call(api, DEPOSITED_ONE, {"id": achievement["id"]}, world.tokens["sub"])
    assert by_sub["learnerIdNumber"] == world.learner.id_number
    # another institution does not see it at all
    code = await top_level_error(
        api, DEPOSITED_ONE, {"id": achievement["id"]}, world.tokens["other_main"]
    )
    assert code == "NOT_FOUND"
    # the holder sees it whole in their own detail view
    own = await call(api, MINE_ONE, {"id": achievement["id"]}, world.tokens["learner"])
    assert own["learnerIdNumber"] == world.learner.id_number
    code = await top_level_error(
        api, MINE_ONE, {"id": achievement["id"]}, world.tokens["other_learner"]
    )
    assert code == "NOT_FOUND"


# -- withdrawal ----------------------------------------------------------------------------------


async def test_withdraw_a_selection_with_a_reason_and_a_file(api, world):
    token = world.tokens["main"]
    first = await deposit(api, token, deposit_input(world.entry, 1))
    second = await deposit(api, token, deposit_input(world.entry, 1, certificateNumber="C-2"))
    third = await deposit(api, token, deposit_input(world.entry, 2))
    kept = await deposit(api, token, deposit_input(world.entry, 2, certificateNumber="C-3"))
    file = await _file(world)
    payload = await call(
        api,
        WITHDRAW,
        {
            "input": {
                "ids": [first["id"], second["id"], third["id"]],
                "reason": "证书信息录入错误",
                "fileId": str(file.id),
            }
        },
        world.tokens["sub"],
    )
    assert payload["errors"] == []
    assert [a["id"] for a in payload["achievements"]] == [first["id"], second["id"], third["id"]]
    for achievement in payload["achievements"]:
        assert achievement["status"] == "WITHDRAWN"
        assert achievement["statusLabel"] == "撤回"
        assert achievement["withdrawnReason"] == "证书信息录入错误"
        assert achievement["withdrawnAt"] is not None
        assert achievement["credits"] is None
        assert achievement["withdrawnFile"] == {"id": str(file.id), "filename": "撤回说明.pdf"}

    # one message per learner, after the deposit messages
    learner_messages = await messages_to(world.learner)
    assert [m.event for m in learner_messages] == [
        "achievement.deposited",
        "achievement.deposited",
        "achievement.withdrawn",
    ]
    assert "证书信息录入错误" in learner_messages[-1].body
    assert [m.event for m in await messages_to(world.other_learner)][-1] == "achievement.withdrawn"

    # no credits any more, still visible with its state
    mine = await call(api, MINE, {}, world.tokens["learner"])
    assert Decimal(mine["credits"]) == 0
    assert {i["status"] for i in mine["items"]} == {"WITHDRAWN"}
    other = await call(api, MINE, {}, world.tokens["other_learner"])
    assert Decimal(other["credits"]) == Decimal(4)
    listed = await call(api, DEPOSITED, {"status": "WITHDRAWN"}, token)
    assert listed["totalCount"] == 3
    assert (await LearnerAchievement.get(id=kept["id"])).status == AchievementStatus.STORED
    actions = await AuditEntry.filter(action="learner_achievement.withdraw").count()
    assert actions == 3


async def test_withdraw_is_all_or_nothing(api, world):
    token = world.tokens["main"]
    first = await deposit(api, token, deposit_input(world.entry, 1))
    second = await deposit(api, token, deposit_input(world.entry, 2))
    done = await call(api, WITHDRAW, {"input": {"ids": [first["id"]], "reason": "错误"}}, token)
    assert done["errors"] == []
    other_entry = await make_entry(world.other_institution)
    foreign = await deposit(api, world.tokens["other_main"], deposit_input(other_entry, 2))
    other_file = await StoredFile.create(
        owner_kind="institution_user",
        owner_id=world.other_main.id,
        institution_id=world.other_institution.id,
        filename="x.pdf",
        content_type="application/pdf",
        size=10,
        sha256="1" * 64,
        storage_key="other/x.pdf",
    )
    cases = [
        # a withdrawn achievement withdrawn again
        ({"ids": [second["id"], first["id"]], "reason": "再撤回"}, [("ids.1", "WRONG_STATE")]),
        # another institution's deposit
        ({"ids": [second["id"], foreign["id"]], "reason": "x"}, [("ids.1", "NOT_FOUND")]),
        ({"ids": [second["id"]], "reason": "长" * 501}, [("reason", "TOO_LONG")]),
        ({"ids": [second["id"]], "reason": " "}, [("reason", "REQUIRED")]),
        ({"ids": [], "reason": "x"}, [("ids", "REQUIRED")]),
        ({"ids": ["nope"], "reason": "x"}, [("ids.0", "INVALID")]),
        (
            {"ids": [second["id"]], "reason": "x", "fileId": str(other_file.id)},
            [("fileId", "NOT_FOUND")],
        ),
    ]
    before = await table_rows()
    for data, expected in cases:
        payload = await call(api, WITHDRAW, {"input": data}, token)
        assert codes(payload) == expected, data
    assert await table_rows() == before
    assert (await LearnerAchievement.get(id=second["id"])).status == AchievementStatus.STORED


async def test_only_institution_deposits_can_be_withdrawn(api, world):
    """A learner's own registration matched to the institution's entry is not a deposit."""
    matched = await register(api, world.tokens["learner"], hand_input())
    assert matched["status"] == "STORED"
    payload = await call(
        api, WITHDRAW, {"input": {"ids": [matched["id"]], "reason": "x"}}, world.tokens["main"]
    )
    assert codes(payload) == [("ids.0", "NOT_FOUND")]
