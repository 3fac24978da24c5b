"""Learner achievements over HTTP: a learner registers (matched automatically or reviewed by an
administrator), edits and deletes while registered."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from models import (
    AuditEntry,
    LearnerAchievement,
)
from resolvers.core.clock import today
from tests.achievement_fixtures import (
    DELETE,
    DIPLOMA_INPUT,
    MINE,
    PENDING,
    REGISTER,
    REVIEW,
    UPDATE,
    AchievementWorld,
    build_world,
    deposit,
    deposit_input,
    hand_input,
    make_entry,
    messages_to,
    register,
    table_rows,
)
from tests.institution_fixtures import (
    call,
    codes,
)


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


# -- a learner's registrations -------------------------------------------------------------------


async def test_hand_registration_matching_a_recognised_entry_is_stored_at_once(api, world):
    achievement = await register(api, world.tokens["learner"], hand_input())
    assert achievement["status"] == "STORED"
    assert achievement["source"] == "PERSONAL"
    assert Decimal(achievement["credits"]) == Decimal(4)
    assert achievement["catalogueEntryId"] == str(world.entry.id)
    assert achievement["details"]["levelLabel"] == "本科"
    row = await LearnerAchievement.get(id=achievement["id"])
    assert row.institution_id == world.institution.id
    assert row.stored_at is not None
    (message,) = await messages_to(world.learner)
    assert message.event == "achievement.matched"
    mine = await call(api, MINE, {}, world.tokens["learner"])
    assert Decimal(mine["credits"]) == Decimal(4)
    assert mine["personallyObtainedCount"] == 1
    actions = (
        await AuditEntry.filter(object_id=row.id).order_by("at").values_list("action", flat=True)
    )
    assert list(actions) == ["learner_achievement.register", "learner_achievement.match"]


async def test_registration_that_matches_nothing_waits_for_an_administrator(api, world):
    token = world.tokens["learner"]
    different_major = {"diploma": {**DIPLOMA_INPUT["diploma"], "major": "统计学"}}
    unmatched = [
        hand_input(details=different_major, certificateNumber="H-1"),
        hand_input(issuerName="别的学院", certificateNumber="H-2"),
        hand_input(name="经济统计学毕业证书", certificateNumber="H-3"),
        hand_input(subtype="vocational_diploma", certificateNumber="H-4"),
    ]
    for data in unmatched:
        achievement = await register(api, token, data)
        assert achievement["status"] == "REGISTERED", data
        assert achievement["credits"] is None
        assert achievement["catalogueEntryId"] is None
    assert await messages_to(world.learner) == []
    # an unrecognised entry does not match either
    unrecognised = await make_entry(world.institution, name="未认定成果", recognised=False)
    chosen = await register(
        api,
        token,
        {
            "catalogueEntryId": str(unrecognised.id),
            "certificateNumber": "H-5",
            "issueDate": ISSUED_DATE,
        },
    )
    assert chosen["status"] == "REGISTERED"
    assert chosen["catalogueEntryId"] == str(unrecognised.id)
    assert chosen["name"] == "未认定成果"

    pending = await call(api, PENDING, {}, world.admin_token)
    assert pending["totalCount"] == 5
    assert [i["certificateNumber"] for i in pending["items"]] == ["H-1", "H-2", "H-3", "H-4", "H-5"]


ISSUED_DATE = "2021-07-01"


async def test_choosing_a_recognised_catalogue_entry_stores_it(api, world):
    other = await make_entry(
        world.other_institution,
        name="作物生产技术毕业证书(高职)",
        subtype="vocational_diploma",
        credits="6.5",
    )
    achievement = await register(
        api,
        world.tokens["learner"],
        {
            "catalogueEntryId": str(other.id),
            "certificateNumber": "Z-1",
            "issueDate": ISSUED_DATE,
            "name": "ignored",
        },
    )
    assert achievement["status"] == "STORED"
    assert achievement["name"] == "作物生产技术毕业证书(高职)"
    assert achievement["issuerName"] == world.other_institution.name
    assert Decimal(achievement["credits"]) == Decimal("6.5")
    assert achievement["source"] == "PERSONAL"
    # the same entry with the same certificate number again
    again = await call(
        api,
        REGISTER,
        {
            "input": {
                "catalogueEntryId": str(other.id),
                "certificateNumber": "Z-1",
                "issueDate": ISSUED_DATE,
            }
        },
        world.tokens["learner"],
    )
    assert codes(again) == [("certificateNumber", "CONFLICT")]


async def test_administrator_stores_or_refuses_a_registration(api, world):
    token = world.tokens["learner"]
    waiting = [
        await register(api, token, hand_input(issuerName="别的学院", certificateNumber=f"R-{i}"))
        for i in range(3)
    ]
    approved = await call(
        api,
        REVIEW,
        {"input": {"id": waiting[0]["id"], "approve": True, "credits": "3.5"}},
        world.admin_token,
    )
    assert approved["errors"] == []
    assert approved["achievement"]["status"] == "STORED"
    assert approved["achievement"]["source"] == "PERSONAL"
    assert Decimal(approved["achievement"]["credits"]) == Decimal("3.5")
    refused = await call(
        api,
        REVIEW,
        {"input": {"id": waiting[1]["id"], "approve": False, "reason": "证书无法核实"}},
        world.admin_token,
    )
    assert refused["achievement"]["status"] == "REFUSED"
    assert refused["achievement"]["reviewNote"] == "证书无法核实"
    messages = await messages_to(world.learner)
    assert [(m.event, m.title) for m in messages] == [
        ("achievement.reviewed", "成果审核通过"),
        ("achievement.reviewed", "成果审核未通过"),
    ]
    assert "证书无法核实" in messages[1].body
    mine = await call(api, MINE, {}, token)
    assert Decimal(mine["credits"]) == Decimal("3.5")
    pending = await call(api, PENDING, {}, world.admin_token)
    assert [i["id"] for i in pending["items"]] == [waiting[2]["id"]]

    cases = [
        ({"id": waiting[0]["id"], "approve": True}, [("id", "WRONG_STATE")]),
        ({"id": waiting[2]["id"], "approve": False}, [("reason", "REQUIRED")]),
        ({"id": waiting[2]["id"], "approve": True, "credits": "-1"}, [("credits", "INVALID")]),
        ({"id": waiting[2]["id"], "approve": True, "credits": "1.234"}, [("credits", "INVALID")]),
        (
            {"id": waiting[2]["id"], "approve": False, "reason": "长" * 501},
            [("reason", "TOO_LONG")],
        ),
    ]
    before = await table_rows()
    for data, expected in cases:
        payload = await call(api, REVIEW, {"input": data}, world.admin_token)
        assert codes(payload) == expected, data
    assert await table_rows() == before


async def test_update_and_delete_only_while_registered(api, world):
    token = world.tokens["learner"]
    waiting = await register(api, token, hand_input(issuerName="别的学院"))
    updated = await call(
        api,
        UPDATE,
        {
            "input": {
                "id": waiting["id"],
                **hand_input(issuerName="别的学院", certificateNumber="NEW-1"),
            }
        },
        token,
    )
    assert updated["errors"] == []
    assert updated["achievement"]["certificateNumber"] == "NEW-1"
    assert updated["achievement"]["status"] == "REGISTERED"
    # corrected so that it matches: stored at once
    corrected = await call(api, UPDATE, {"input": {"id": waiting["id"], **hand_input()}}, token)
    assert corrected["achievement"]["status"] == "STORED"
    assert [m.event for m in await messages_to(world.learner)] == ["achievement.matched"]

    deposited = await deposit(api, world.tokens["main"], deposit_input(world.entry, 1))
    before = await table_rows()
    for achievement_id in (waiting["id"], deposited["id"]):
        payload = await call(
            api,
            UPDATE,
            {"input": {"id": achievement_id, **hand_input(certificateNumber="Q")}},
            token,
        )
        assert codes(payload) == [("id", "WRONG_STATE")]
        deleted = await call(api, DELETE, {"ids": [achievement_id]}, token)
        assert codes(deleted) == [("ids.0", "WRONG_STATE")]
    assert await table_rows() == before

    first = await register(api, token, hand_input(issuerName="别的学院", certificateNumber="D1"))
    second = await register(api, token, hand_input(issuerName="别的学院", certificateNumber="D2"))
    mixed = await call(api, DELETE, {"ids": [first["id"], deposited["id"]]}, token)
    assert codes(mixed) == [("ids.1", "WRONG_STATE")]
    assert await LearnerAchievement.exists(id=first["id"])
    done = await call(api, DELETE, {"ids": [first["id"], second["id"]]}, token)
    assert done == {"errors": [], "deletedIds": [first["id"], second["id"]]}
    assert not await LearnerAchievement.exists(id__in=[first["id"], second["id"]])
    assert await AuditEntry.filter(action="learner_achievement.delete").count() == 2


async def test_duplicate_registrations_are_refused(api, world):
    token = world.tokens["learner"]
    await register(api, token, hand_input(issuerName="别的学院"))
    await deposit(api, world.tokens["main"], deposit_input(world.entry, 1, certificateNumber="D"))
    cases = [
        # the same subtype, issuer, name and certificate number by hand
        hand_input(issuerName="别的学院"),
        # what the institution already deposited, entered by hand (it matches that entry)
        hand_input(certificateNumber="D"),
        # the same entry chosen, with the deposit's certificate number
        {
            "catalogueEntryId": str(world.entry.id),
            "certificateNumber": "D",
            "issueDate": ISSUED_DATE,
        },
    ]
    before = await table_rows()
    for data in cases:
        payload = await call(api, REGISTER, {"input": data}, token)
        assert codes(payload) == [("certificateNumber", "CONFLICT")], data
    assert await table_rows() == before
    # another learner may hold the same
    await register(api, world.tokens["other_learner"], hand_input(issuerName="别的学院"))


async def test_registration_bad_input_writes_nothing(api, world):
    token = world.tokens["learner"]
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    bad_level = {"diploma": {**DIPLOMA_INPUT["diploma"], "level": "kindergarten"}}
    cases = [
        (hand_input(issueDate=tomorrow), [("issueDate", "INVALID")]),
        (hand_input(details=bad_level), [("details.level", "INVALID")]),
        (
            hand_input(
                details={
                    "course": {"courseCode": "C1", "originalHours": 10, "originalCredits": "1"}
                }
            ),
            [("details.diploma", "INVALID")],
        ),
        (hand_input(details=None), [("details", "REQUIRED")]),
        (hand_input(subtype="no_such_subtype"), [("subtype", "INVALID")]),
        (hand_input(subtype=None), [("subtype", "REQUIRED")]),
        (hand_input(name="名" * 101), [("name", "TOO_LONG")]),
        (hand_input(issuerName=""), [("issuerName", "REQUIRED")]),
        (hand_input(certificateNumber=""), [("certificateNumber", "REQUIRED")]),
        (
            {
                "catalogueEntryId": "00000000-0000-0000-0000-000000000000",
                "certificateNumber": "X",
                "issueDate": ISSUED_DATE,
            },
            [("catalogueEntryId", "NOT_FOUND")],
        ),
    ]
    before = await table_rows()
    for data, expected in cases:
        payload = await call(api, REGISTER, {"input": data}, token)
        assert codes(payload) == expected, data
    response = await api.post(
        REGISTER,
        {
            "input": hand_input(
                details={"diploma": DIPLOMA_INPUT["diploma"], "course": {"courseCode": "C"}}
            )
        },
        token,
    )
    assert response.json()["errors"]  # oneOf: exactly one member
    assert await table_rows() == before


async def test_restricted_and_synced_subtypes_may_be_registered_by_hand(api, world):
    token = world.tokens["learner"]
    for subtype in ("national_qualification", "x_certificate"):
        achievement = await register(
            api,
            token,
            hand_input(
                subtype=subtype,
                name="电工",
                issuerName="人社局",
                details={
                    "certificate": {
                        "level": "senior",
                        "modules": [{"name": "实操", "credits": "2"}],
                    }
                },
                certificateNumber=subtype,
            ),
        )
        assert achievement["status"] == "REGISTERED"
        assert achievement["source"] == "PERSONAL"
