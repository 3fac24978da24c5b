"""Conversion policies over HTTP: saving, publishing, withdrawing, editing, deleting."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from models import (
    AuditEntry,
    ConversionPolicy,
    InstitutionUser,
    Message,
    PolicyStatus,
    RecipientKind,
)
from resolvers.conversion import policies as conversion_policies
from resolvers.conversion.policies import ALREADY_PUBLISHED
from tests.achievement_fixtures import AchievementWorld, build_world
from tests.conversion_policy_fixtures import (
    CREATE,
    DELETE,
    FILENAME,
    LIST,
    ONE,
    PLEDGE,
    POLICY_NAME,
    PORTAL,
    PORTAL_ONE,
    PUBLISH,
    TAKE_DOWN,
    UPDATE,
    WITHDRAW,
    _audit,
    _bearer,
    _create,
    _pdf,
    _policy_row,
    _publish,
    _rows,
)
from tests.institution_fixtures import call, codes, top_level_error
from tests.test_files import PDF


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


# -- saving and publishing -----------------------------------------------------------------------


async def test_save_then_publish(api, world):
    token = world.tokens["main"]
    file_id = await _pdf(api, token)
    saved = await _create(api, token, file_id)
    assert saved["name"] == POLICY_NAME
    assert (saved["status"], saved["statusLabel"]) == ("UNPUBLISHED", "未发布")
    assert saved["publishedAt"] is None
    assert saved["uploadedAt"].endswith("+00:00")
    assert saved["fileName"] == FILENAME
    assert saved["file"] == {"id": file_id, "filename": FILENAME}
    assert saved["institution"] == {"id": str(world.institution.id), "name": world.institution.name}
    # Unpublished: the owner gets a signed link, which works with their token only.
    assert saved["fileUrl"].startswith(f"/files/{file_id}?expires=")
    assert (await api.client.get(saved["fileUrl"], headers=_bearer(token))).content == PDF
    assert (await api.client.get(f"/portal/files/{file_id}")).status_code == 404

    published = await _publish(api, token, saved["id"])
    assert (published["status"], published["statusLabel"]) == ("PUBLISHED", "已发布")
    assert published["publishedAt"].endswith("+00:00")
    assert published["fileUrl"] == f"/portal/files/{file_id}"
    assert await _audit(saved["id"]) == ["conversion_policy.create", "conversion_policy.publish"]

    listed = await call(api, LIST, {}, token)
    assert listed["totalCount"] == 1
    assert listed["items"][0] == published
    assert await call(api, ONE, {"id": saved["id"]}, token) == published


async def test_publish_at_once_shows_it_on_the_portal(api, world):
    token = world.tokens["sub"]
    file_id = await _pdf(api, token)
    policy = await _create(api, token, file_id, publish=True, pledgeAccepted=True)
    assert policy["status"] == "PUBLISHED"
    assert policy["publishedAt"] is not None
    assert await _audit(policy["id"]) == ["conversion_policy.create", "conversion_policy.publish"]

    portal = await call(api, PORTAL, {}, None)
    assert portal["totalCount"] == 1
    (item,) = portal["items"]
    assert item == {
        "id": policy["id"],
        "name": POLICY_NAME,
        "publishedAt": policy["publishedAt"],
        "institutionId": str(world.institution.id),
        "institutionName": world.institution.name,
        "fileName": FILENAME,
        "fileUrl": f"/portal/files/{file_id}",
    }


async def test_pledge_asked_on_first_publication_and_recorded(api, world):
    main, sub = world.tokens["main"], world.tokens["sub"]
    assert (await api.gql(PLEDGE, token=main))["publishingPledgeAccepted"] is False
    file_id = await _pdf(api, main)

    # Publishing at once without the pledge saves nothing.
    before = await _rows()
    refused = await call(
        api, CREATE, {"input": {"name": POLICY_NAME, "fileId": file_id, "publish": True}}, main
    )
    assert codes(refused) == [("pledgeAccepted", "REQUIRED")]
    assert refused["policy"] is None
    assert await _rows() == before

    saved = await _create(api, main, file_id)
    before = await _rows()
    refused = await call(api, PUBLISH, {"id": saved["id"]}, main)
    assert codes(refused) == [("pledgeAccepted", "REQUIRED")]
    assert "信息发布安全承诺书" in refused["errors"][0]["message"]
    assert await _rows() == before

    await _publish(api, main, saved["id"], pledge=True)
    user = await InstitutionUser.get(id=world.main.id)
    assert user.publishing_pledge_accepted_at is not None
    assert (await api.gql(PLEDGE, token=main))["publishingPledgeAccepted"] is True

    # Not asked again: withdrawn and published once more without it.
    await call(api, WITHDRAW, {"id": saved["id"]}, main)
    await _publish(api, main, saved["id"], pledge=False)
    assert (await InstitutionUser.get(id=world.main.id)).publishing_pledge_accepted_at == (
        user.publishing_pledge_accepted_at
    )

    # The pledge is personal: a colleague accepts it on their own first publication.
    await call(api, WITHDRAW, {"id": saved["id"]}, main)
    assert (await api.gql(PLEDGE, token=sub))["publishingPledgeAccepted"] is False
    refused = await call(api, PUBLISH, {"id": saved["id"]}, sub)
    assert codes(refused) == [("pledgeAccepted", "REQUIRED")]
    await _publish(api, sub, saved["id"], pledge=True)
    assert (await InstitutionUser.get(id=world.sub.id)).publishing_pledge_accepted_at is not None


async def test_a_second_publication_is_refused_and_writes_nothing(api, world):
    token = world.tokens["main"]
    first = await _create(api, token, await _pdf(api, token), publish=True, pledgeAccepted=True)
    second = await _create(api, token, await _pdf(api, token), name="第二版转换办法")

    before = await _rows()
    refused = await call(api, PUBLISH, {"id": second["id"], "pledgeAccepted": True}, token)
    assert codes(refused) == [("id", "CONFLICT")]
    assert refused["errors"][0]["message"] == ALREADY_PUBLISHED == "已有一条已发布状态的转换办法"
    assert await _rows() == before

    refused = await call(
        api,
        CREATE,
        {"input": {"name": "第三版", "fileId": await _pdf(api, token), "publish": True}},
        token,
    )
    assert codes(refused) == [("publish", "CONFLICT")]
    assert await ConversionPolicy.all().count() == 2

    # Another institution publishes its own all the same.
    other = world.tokens["other_main"]
    await _create(api, other, await _pdf(api, other), publish=True, pledgeAccepted=True)
    assert await ConversionPolicy.filter(status=PolicyStatus.PUBLISHED).count() == 2

    # Once the first is withdrawn, the second may be published.
    await call(api, WITHDRAW, {"id": first["id"]}, token)
    assert (await _publish(api, token, second["id"]))["status"] == "PUBLISHED"


async def test_concurrent_publications_leave_exactly_one_published(api, world):
    token = world.tokens["main"]
    ids = [(await _create(api, token, await _pdf(api, token)))["id"] for _ in range(2)]
    results = await asyncio.gather(
        *(call(api, PUBLISH, {"id": key, "pledgeAccepted": True}, token) for key in ids)
    )
    assert sorted(bool(result["errors"]) for result in results) == [False, True]
    (loser,) = [result for result in results if result["errors"]]
    assert codes(loser) == [("id", "CONFLICT")]
    assert loser["errors"][0]["message"] == ALREADY_PUBLISHED
    assert await ConversionPolicy.filter(status=PolicyStatus.PUBLISHED).count() == 1
    assert await AuditEntry.filter(action="conversion_policy.publish").count() == 1

    # Two uploads published at once: one policy is written.
    await ConversionPolicy.all().delete()
    files = [await _pdf(api, token) for _ in range(2)]
    results = await asyncio.gather(
        *(
            call(
                api,
                CREATE,
                {"input": {"name": POLICY_NAME, "fileId": key, "publish": True}},
                token,
            )
            for key in files
        )
    )
    assert sorted(bool(result["errors"]) for result in results) == [False, True]
    assert await ConversionPolicy.all().count() == 1


async def test_the_unique_index_answers_like_the_check(api, world, monkeypatch):
    """Were the check under the lock ever skipped, the database's partial unique index refuses
    the second publication, and the client reads the same error."""

    async def unchecked(institution_id: uuid.UUID, field: str) -> None:
        return None

    published = await _policy_row(world, PolicyStatus.PUBLISHED)
    waiting = await _policy_row(world)
    monkeypatch.setattr(conversion_policies, "_refuse_second_publication", unchecked)
    token = world.tokens["main"]
    before = await _rows()
    refused = await call(api, PUBLISH, {"id": str(waiting.id), "pledgeAccepted": True}, token)
    assert codes(refused) == [("id", "CONFLICT")]
    assert refused["errors"][0]["message"] == ALREADY_PUBLISHED
    assert await _rows() == before
    assert (await ConversionPolicy.get(id=published.id)).status == PolicyStatus.PUBLISHED


# -- withdrawing, editing, deleting --------------------------------------------------------------


async def test_withdraw_takes_it_off_the_portal_at_once(api, world):
    token = world.tokens["main"]
    file_id = await _pdf(api, token)
    policy = await _create(api, token, file_id, publish=True, pledgeAccepted=True)
    assert (await call(api, PORTAL_ONE, {"id": policy["id"]}, None))["name"] == POLICY_NAME
    assert (await api.client.get(f"/portal/files/{file_id}")).status_code == 200

    payload = await call(api, WITHDRAW, {"id": policy["id"]}, token)
    assert payload["errors"] == []
    assert (payload["policy"]["status"], payload["policy"]["statusLabel"]) == (
        "UNPUBLISHED",
        "未发布",
    )
    assert payload["policy"]["publishedAt"] is None
    assert (await _audit(policy["id"]))[-1:] == ["conversion_policy.withdraw"]

    assert (await call(api, PORTAL, {}, None))["totalCount"] == 0
    assert await top_level_error(api, PORTAL_ONE, {"id": policy["id"]}) == "NOT_FOUND"
    assert (await api.client.get(f"/portal/files/{file_id}")).status_code == 404

    before = await _rows()
    again = await call(api, WITHDRAW, {"id": policy["id"]}, token)
    assert codes(again) == [("id", "WRONG_STATE")]
    assert await _rows() == before


async def test_edit_and_delete_only_while_unpublished_or_off_the_shelf(api, world):
    token = world.tokens["main"]
    first_file = await _pdf(api, token, "第一版.pdf")
    policy = await _create(api, token, first_file, publish=True, pledgeAccepted=True)

    before = await _rows()
    refused = await call(api, UPDATE, {"input": {"id": policy["id"], "name": "改名"}}, token)
    assert codes(refused) == [("id", "WRONG_STATE")]
    refused = await call(api, DELETE, {"id": policy["id"]}, token)
    assert codes(refused) == [("id", "WRONG_STATE")]
    assert refused["deletedId"] is None
    assert await _rows() == before

    await call(api, WITHDRAW, {"id": policy["id"]}, token)
    renamed = await call(api, UPDATE, {"input": {"id": policy["id"], "name": "  修订版  "}}, token)
    assert renamed["errors"] == []
    assert renamed["policy"]["name"] == "修订版"
    assert renamed["policy"]["fileName"] == "第一版.pdf"  # no new file: the old one stays
    second_file = await _pdf(api, token, "第二版.pdf")
    replaced = await call(
        api, UPDATE, {"input": {"id": policy["id"], "name": "修订版", "fileId": second_file}}, token
    )
    assert replaced["policy"]["file"] == {"id": second_file, "filename": "第二版.pdf"}
    update = await AuditEntry.filter(action="conversion_policy.update").order_by("at", "id")
    assert [entry.after for entry in update] == [{"name": "修订版"}, {"file_id": second_file}]

    # Off the shelf: editable, deletable and publishable again.
    await _publish(api, token, policy["id"])
    await call(api, TAKE_DOWN, {"id": policy["id"], "reason": "文件不清晰"}, world.admin_token)
    edited = await call(api, UPDATE, {"input": {"id": policy["id"], "name": "重新盖章版"}}, token)
    assert (edited["errors"], edited["policy"]["status"]) == ([], "OFF_SHELF")
    republished = await _publish(api, token, policy["id"])
    assert (republished["status"], republished["takenDownReason"]) == ("PUBLISHED", "")
    await call(api, TAKE_DOWN, {"id": policy["id"], "reason": "再次下架"}, world.admin_token)
    deleted = await call(api, DELETE, {"id": policy["id"]}, token)
    assert (deleted["errors"], deleted["deletedId"]) == ([], policy["id"])
    assert await ConversionPolicy.all().count() == 0
    assert (await _audit(policy["id"]))[-1] == "conversion_policy.delete"

    unpublished = await _create(api, token, await _pdf(api, token))
    assert (await call(api, DELETE, {"id": unpublished["id"]}, token))["errors"] == []


async def test_an_administrator_takes_a_policy_down_and_the_institution_is_told(api, world):
    token = world.tokens["main"]
    file_id = await _pdf(api, token)
    policy = await _create(api, token, file_id, publish=True, pledgeAccepted=True)

    before = await _rows()
    for reason, code in (("   ", "REQUIRED"), ("长" * 501, "TOO_LONG")):
        refused = await call(
            api, TAKE_DOWN, {"id": policy["id"], "reason": reason}, world.admin_token
        )
        assert codes(refused) == [("reason", code)]
    assert await _rows() == before

    payload = await call(
        api, TAKE_DOWN, {"id": policy["id"], "reason": "内容与盖章文件不符"}, world.admin_token
    )
    assert payload["errors"] == []
    taken = payload["policy"]
    assert (taken["status"], taken["statusLabel"]) == ("OFF_SHELF", "下架")
    assert taken["takenDownReason"] == "内容与盖章文件不符"
    assert taken["publishedAt"] == policy["publishedAt"]

    (message,) = await Message.filter(recipient_id=world.institution.id)
    assert message.recipient_kind == RecipientKind.INSTITUTION
    assert message.event == "conversion_policy.taken_down"
    assert POLICY_NAME in message.body and "内容与盖章文件不符" in message.body
    assert str(message.object_id) == policy["id"]
    (entry,) = await AuditEntry.filter(action="conversion_policy.take_down")
    assert (entry.actor_kind, str(entry.institution_id)) == (
        "administrator",
        taken["institutionId"],
    )
    assert entry.after == {"status": "off_shelf", "taken_down_reason": "内容与盖章文件不符"}

    assert (await call(api, PORTAL, {}, None))["totalCount"] == 0
    assert await top_level_error(api, PORTAL_ONE, {"id": policy["id"]}) == "NOT_FOUND"
    assert (await api.client.get(f"/portal/files/{file_id}")).status_code == 404
    listed = await call(api, LIST, {}, token)
    assert listed["items"][0]["takenDownReason"] == "内容与盖章文件不符"

    before = await _rows()
    again = await call(api, TAKE_DOWN, {"id": policy["id"], "reason": "再次"}, world.admin_token)
    assert codes(again) == [("id", "WRONG_STATE")]
    missing = await call(
        api, TAKE_DOWN, {"id": str(uuid.uuid4()), "reason": "x"}, world.admin_token
    )
    assert codes(missing) == [("id", "NOT_FOUND")]
    assert await _rows() == before
