"""Conversion rules (转换规则) published with a policy, the file and the pledge; the states and
what each allows; the bank's take-down."""

from __future__ import annotations

import pytest

from models import (
    AuditEntry,
    ConversionApplication,
    ConversionRule,
    ConversionRuleSource,
    ConversionRuleTarget,
    Initiator,
    InstitutionUser,
    Message,
    RecipientKind,
)
from tests.achievement_fixtures import (
    AchievementWorld,
    build_world,
)
from tests.conversion_rule_fixtures import (
    CREATE,
    DELETE,
    ONE,
    PORTAL_ONE,
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
    call,
    codes,
    top_level_error,
)


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


@pytest.fixture
async def entries(world: AchievementWorld) -> Entries:
    return await build_entries(world)


# -- publishing ----------------------------------------------------------------------------------


async def test_publishing_needs_a_published_policy_the_file_and_the_pledge(api, world, entries):
    token = world.tokens["main"]
    before = await rule_tables()
    payload = await call(api, CREATE, {"input": n2a(entries, publish=True)}, token)
    assert set(codes(payload)) == {(None, "WRONG_STATE"), ("fileId", "REQUIRED")}
    assert "请先发布转换办法" in str(payload["errors"])
    assert await rule_tables() == before

    file_id = await pdf(api, token, "学分银行测试问题.pdf")
    before = await rule_tables()
    payload = await call(api, CREATE, {"input": n2a(entries, publish=True, fileId=file_id)}, token)
    assert codes(payload) == [(None, "WRONG_STATE")]
    assert await rule_tables() == before

    # A draft with its file is kept; publishing it needs the policy.
    draft = await create(api, token, n2a(entries, fileId=file_id))
    assert draft["file"]["filename"] == "学分银行测试问题.pdf"
    assert draft["file"]["url"].startswith(f"/files/{file_id}?")  # signed, not public yet
    payload = await call(api, PUBLISH, {"id": draft["id"], "pledgeAccepted": True}, token)
    assert codes(payload) == [(None, "WRONG_STATE")]

    await publish_policy(world)
    before = await rule_tables()
    payload = await call(api, PUBLISH, {"id": draft["id"]}, token)
    assert codes(payload) == [("pledgeAccepted", "REQUIRED")]
    assert await rule_tables() == before
    payload = await call(api, PUBLISH, {"id": draft["id"], "pledgeAccepted": True}, token)
    assert payload["errors"] == []
    rule = payload["rule"]
    assert (rule["status"], rule["statusLabel"]) == ("PUBLISHED", "已发布")
    assert rule["publishedAt"].endswith("+00:00")
    assert rule["file"]["url"] == f"/portal/files/{file_id}"
    assert (await InstitutionUser.get(id=world.main.id)).publishing_pledge_accepted_at
    assert await AuditEntry.filter(action="conversion_rule.publish", object_id=draft["id"]).count()

    # Once accepted, the pledge is not asked again; another user accepts it for themself.
    again = await call(api, CREATE, {"input": n2a(entries, fileId=file_id, publish=True)}, token)
    assert again["errors"] == [] and again["rule"]["status"] == "PUBLISHED"
    sub = world.tokens["sub"]
    payload = await call(api, CREATE, {"input": n2a(entries, fileId=file_id, publish=True)}, sub)
    assert codes(payload) == [("pledgeAccepted", "REQUIRED")]
    payload = await call(
        api,
        CREATE,
        {"input": n2a(entries, fileId=file_id, publish=True, pledgeAccepted=True)},
        sub,
    )
    assert payload["errors"] == []

    # A draft without its file cannot be published.
    bare = await create(api, token, n2a(entries))
    payload = await call(api, PUBLISH, {"id": bare["id"]}, token)
    assert codes(payload) == [(None, "REQUIRED")]


async def test_states_decide_what_may_be_edited_deleted_published_withdrawn(api, world, entries):
    await publish_policy(world)
    token = world.tokens["main"]
    file_id = await pdf(api, token)
    rule = await create(api, token, n2a(entries, fileId=file_id))
    rule_id = rule["id"]

    payload = await call(api, WITHDRAW, {"id": rule_id}, token)
    assert codes(payload) == [("id", "WRONG_STATE")]
    edited = await call(
        api, UPDATE, {"input": {**a2n(entries, fileId=file_id), "id": rule_id}}, token
    )
    assert edited["errors"] == []
    assert edited["rule"]["code"] == rule["code"]
    assert edited["rule"]["status"] == "DRAFT"
    assert edited["rule"]["ruleType"] == "ACADEMIC_TO_NON_ACADEMIC"
    assert [s["catalogueEntryId"] for s in edited["rule"]["sources"]] == _ids(entries.other_diploma)
    assert [t["kind"] for t in edited["rule"]["targets"]] == ["NON_ACADEMIC"]
    assert await ConversionRuleSource.filter(rule_id=rule_id).count() == 1
    assert await ConversionRuleTarget.filter(rule_id=rule_id).count() == 1
    change = await AuditEntry.get(action="conversion_rule.update", object_id=rule_id)
    assert change.before is not None and change.after is not None
    assert change.before["rule_type"] == "non_academic_to_academic"
    assert change.after["rule_type"] == "academic_to_non_academic"

    payload = await call(api, PUBLISH, {"id": rule_id, "pledgeAccepted": True}, token)
    assert payload["rule"]["status"] == "PUBLISHED"
    before = await rule_tables()
    for query, variables in (
        (UPDATE, {"input": {**n2a(entries), "id": rule_id}}),
        (DELETE, {"id": rule_id}),
        (PUBLISH, {"id": rule_id}),
    ):
        payload = await call(api, query, variables, token)
        assert codes(payload) == [("id", "WRONG_STATE")], query
    assert await rule_tables() == before

    payload = await call(api, WITHDRAW, {"id": rule_id}, token)
    assert (payload["rule"]["status"], payload["rule"]["statusLabel"]) == ("OFF_SHELF", "下架")
    payload = await call(api, WITHDRAW, {"id": rule_id}, token)
    assert codes(payload) == [("id", "WRONG_STATE")]
    # Off the shelf: it may be edited (and stays off), and published again in the same step.
    edited = await call(
        api, UPDATE, {"input": {**n2a(entries, fileId=file_id), "id": rule_id}}, token
    )
    assert edited["rule"]["status"] == "OFF_SHELF"
    edited = await call(
        api,
        UPDATE,
        {"input": {**n2a(entries, fileId=file_id, publish=True), "id": rule_id}},
        token,
    )
    assert edited["errors"] == [] and edited["rule"]["status"] == "PUBLISHED"
    await call(api, WITHDRAW, {"id": rule_id}, token)

    # An application made under it keeps it from being deleted.
    application = await ConversionApplication.create(
        rule_id=rule_id,
        rule_code=rule["code"],
        target_institution_id=world.institution.id,
        learner=world.learner,
        initiator=Initiator.LEARNER,
        created_by_kind="learner",
        created_by_id=world.learner.id,
    )
    payload = await call(api, DELETE, {"id": rule_id}, token)
    assert codes(payload) == [("id", "CONFLICT")]
    # Nor edited while it waits for review: approval would grant what was never applied for.
    before = await rule_tables()
    update = {"input": {**a2n(entries, fileId=file_id), "id": rule_id}}
    payload = await call(api, UPDATE, update, token)
    assert codes(payload) == [("id", "CONFLICT")] and "待审核" in payload["errors"][0]["message"]
    assert await rule_tables() == before
    await application.delete()
    payload = await call(api, DELETE, {"id": rule_id}, token)
    assert payload == {"errors": [], "deletedId": rule_id}
    assert not await ConversionRule.exists(id=rule_id)
    assert not await ConversionRuleSource.exists(rule_id=rule_id)
    deleted = await AuditEntry.get(action="conversion_rule.delete", object_id=rule_id)
    assert deleted.before is not None and deleted.before["code"] == rule["code"]

    draft = await create(api, token, n2a(entries))
    payload = await call(api, DELETE, {"id": draft["id"]}, token)
    assert payload["deletedId"] == draft["id"]
    assert [a for a in await _actions() if a.startswith("conversion_rule.")] == [
        "conversion_rule.create",
        "conversion_rule.update",
        "conversion_rule.publish",
        "conversion_rule.withdraw",
        "conversion_rule.update",
        "conversion_rule.update",
        "conversion_rule.publish",
        "conversion_rule.withdraw",
        "conversion_rule.delete",
        "conversion_rule.create",
        "conversion_rule.delete",
    ]


async def _actions() -> list[str]:
    return [entry.action for entry in await AuditEntry.all().order_by("at", "id")]


async def test_an_administrator_takes_a_rule_down_with_a_reason(api, world, entries):
    await publish_policy(world)
    rule = await published(api, world, n2a(entries))
    admin = world.admin_token
    for reason, expected in (("", "REQUIRED"), ("长" * 501, "TOO_LONG")):
        payload = await call(api, TAKE_DOWN, {"id": rule["id"], "reason": reason}, admin)
        assert codes(payload) == [("reason", expected)]
    payload = await call(api, TAKE_DOWN, {"id": rule["id"], "reason": "转换依据不充分"}, admin)
    assert payload["errors"] == []
    assert payload["rule"]["status"] == "OFF_SHELF"
    assert payload["rule"]["takenDownReason"] == "转换依据不充分"
    payload = await call(api, TAKE_DOWN, {"id": rule["id"], "reason": "再次"}, admin)
    assert codes(payload) == [("id", "WRONG_STATE")]

    (message,) = await Message.filter(
        recipient_kind=RecipientKind.INSTITUTION, recipient_id=world.institution.id
    )
    assert message.title == "转换规则已下架"
    assert rule["code"] in message.body and "转换依据不充分" in message.body
    entry = await AuditEntry.get(action="conversion_rule.take_down", object_id=rule["id"])
    assert entry.institution_id == world.institution.id
    assert entry.after == {"status": "off_shelf", "taken_down_reason": "转换依据不充分"}
    assert await top_level_error(api, PORTAL_ONE, {"id": rule["id"]}) == "NOT_FOUND"

    # The institution sees why, edits it and publishes it again; the reason is cleared.
    mine = await call(api, ONE, {"id": rule["id"]}, world.tokens["main"])
    assert mine["takenDownReason"] == "转换依据不充分"
    payload = await call(api, PUBLISH, {"id": rule["id"]}, world.tokens["main"])
    assert payload["rule"]["status"] == "PUBLISHED"
    assert payload["rule"]["takenDownReason"] == ""
