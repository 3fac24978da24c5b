"""Conversion policies (转换办法) over HTTP: saved or published at once, one published per
institution (also under concurrent requests), withdrawn, edited and deleted only while unpublished
or off the shelf, the pledge asked on a user's first publication, taken down by an
administrator; the portal's list, detail and file route; bad input and a permission table that
change nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import pytest

from models import (
    AuditEntry,
    ConversionPolicy,
    ConversionRule,
    InstitutionUser,
    Message,
    PolicyStatus,
    RecipientKind,
    RuleStatus,
    RuleType,
    StoredFile,
)
from resolvers.conversion import policies as conversion_policies
from resolvers.conversion.policies import ALREADY_PUBLISHED, public_file
from tests.achievement_fixtures import ROLES, AchievementWorld, build_world
from tests.catalogue_fixtures import count_queries
from tests.institution_fixtures import FIELD_ERRORS, OK, call, check_outcome, codes, top_level_error
from tests.test_files import PDF, uploaded

POLICY_FIELDS = (
    "id name status statusLabel uploadedAt publishedAt takenDownReason institutionId "
    "institution { id name } fileName fileUrl file { id filename }"
)
PORTAL_FIELDS = "id name publishedAt institutionId institutionName fileName fileUrl"
PAYLOAD = f"{FIELD_ERRORS} policy {{ {POLICY_FIELDS} }}"

CREATE = f"""
mutation Create($input: ConversionPolicyCreateInput!) {{
  conversionPolicyCreate(input: $input) {{ {PAYLOAD} }}
}}"""
UPDATE = f"""
mutation Update($input: ConversionPolicyUpdateInput!) {{
  conversionPolicyUpdate(input: $input) {{ {PAYLOAD} }}
}}"""
DELETE = f"""
mutation Delete($id: ID!) {{ conversionPolicyDelete(id: $id) {{ {FIELD_ERRORS} deletedId }} }}"""
PUBLISH = f"""
mutation Publish($id: ID!, $pledgeAccepted: Boolean! = false) {{
  conversionPolicyPublish(id: $id, pledgeAccepted: $pledgeAccepted) {{ {PAYLOAD} }}
}}"""
WITHDRAW = f"""
mutation Withdraw($id: ID!) {{ conversionPolicyWithdraw(id: $id) {{ {PAYLOAD} }} }}"""
TAKE_DOWN = f"""
mutation TakeDown($id: ID!, $reason: String!) {{
  conversionPolicyTakeDown(id: $id, reason: $reason) {{ {PAYLOAD} }}
}}"""
LIST = f"""
query List($page: Int! = 1, $pageSize: Int! = 10, $status: ConversionPolicyStatus,
           $publishedFrom: Date, $publishedTo: Date, $institutionName: String) {{
  conversionPolicies(page: $page, pageSize: $pageSize, status: $status,
                     publishedFrom: $publishedFrom, publishedTo: $publishedTo,
                     institutionName: $institutionName) {{
    totalCount page pageSize items {{ {POLICY_FIELDS} }}
  }}
}}"""
ONE = f"query One($id: ID!) {{ conversionPolicy(id: $id) {{ {POLICY_FIELDS} }} }}"
PORTAL = f"""
query Portal($page: Int! = 1, $pageSize: Int! = 10, $institutionName: String, $name: String) {{
  portalConversionPolicies(page: $page, pageSize: $pageSize, institutionName: $institutionName,
                           name: $name) {{ totalCount items {{ {PORTAL_FIELDS} }} }}
}}"""
PORTAL_ONE = f"query One($id: ID!) {{ portalConversionPolicy(id: $id) {{ {PORTAL_FIELDS} }} }}"
PLEDGE = "{ publishingPledgeAccepted }"
POLICY_NAME = "长沙理工大学转换办法"
FILENAME = "学分银行转换办法.pdf"


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


async def _rows() -> dict[str, list[dict]]:
    """Every row a policy mutation may write, to compare before and after a refused request."""
    return {
        "conversion_policy": await ConversionPolicy.all().order_by("id").values(),
        "message": await Message.all().order_by("id").values(),
        "audit_entry": await AuditEntry.all().order_by("id").values(),
        "institution_user": await InstitutionUser.all().order_by("id").values(),
    }


async def _pdf(api, token: str, filename: str = FILENAME, data: bytes = PDF) -> str:
    """The id of a PDF uploaded through ``fileUpload``."""
    return (await uploaded(api, token, filename, data))["id"]


async def _create(api, token: str, file_id: str, **overrides: Any) -> dict:
    data = {"name": POLICY_NAME, "fileId": file_id, **overrides}
    payload = await call(api, CREATE, {"input": data}, token)
    assert payload["errors"] == [], payload
    return payload["policy"]


async def _publish(api, token: str, policy_id: str, pledge: bool = True) -> dict:
    payload = await call(api, PUBLISH, {"id": policy_id, "pledgeAccepted": pledge}, token)
    assert payload["errors"] == [], payload
    return payload["policy"]


async def _stored_file(world: AchievementWorld, **values: Any) -> StoredFile:
    """A file row of institution 1 written directly (the upload itself is tested elsewhere)."""
    data: dict[str, Any] = {
        "owner_kind": "institution_user",
        "owner_id": world.main.id,
        "institution_id": world.institution.id,
        "filename": FILENAME,
        "content_type": "application/pdf",
        "size": 1024,
        "sha256": "0" * 64,
        "storage_key": f"test/{uuid.uuid4().hex}.pdf",
    }
    data.update(values)
    return await StoredFile.create(**data)


async def _policy_row(
    world: AchievementWorld,
    status: PolicyStatus = PolicyStatus.UNPUBLISHED,
    published_at: dt.datetime | None = None,
    name: str = POLICY_NAME,
) -> ConversionPolicy:
    """A policy of institution 1 written directly, for states a test does not walk through."""
    if status == PolicyStatus.PUBLISHED and published_at is None:
        published_at = dt.datetime.now(dt.UTC)
    return await ConversionPolicy.create(
        institution_id=world.institution.id,
        name=name,
        file_id=(await _stored_file(world)).id,
        status=status,
        published_at=published_at,
        created_by_id=world.main.id,
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _audit(policy_id: str) -> list[str]:
    entries = await AuditEntry.filter(object_id=policy_id).order_by("at", "id")
    return [entry.action for entry in entries]


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


# -- the portal ----------------------------------------------------------------------------------


async def test_the_portal_lists_published_policies_to_anyone(api, world):
    main, other = world.tokens["main"], world.tokens["other_main"]
    ours = await _create(api, main, await _pdf(api, main), publish=True, pledgeAccepted=True)
    hidden = await _create(api, main, await _pdf(api, main), name="草稿办法")
    theirs = await _create(
        api,
        other,
        await _pdf(api, other),
        name="另一所学院转换办法",
        publish=True,
        pledgeAccepted=True,
    )

    portal = await call(api, PORTAL, {}, None)
    assert portal["totalCount"] == 2
    assert [item["id"] for item in portal["items"]] == [theirs["id"], ours["id"]]  # latest first
    by_institution = await call(api, PORTAL, {"institutionName": world.other_institution.name})
    assert [item["id"] for item in by_institution["items"]] == [theirs["id"]]
    by_name = await call(api, PORTAL, {"name": "长沙理工"}, None)
    assert [item["id"] for item in by_name["items"]] == [ours["id"]]
    assert (await call(api, PORTAL, {"name": "不存在"}))["totalCount"] == 0
    page = await call(api, PORTAL, {"page": 2, "pageSize": 1})
    assert [item["id"] for item in page["items"]] == [ours["id"]]

    one = await call(api, PORTAL_ONE, {"id": ours["id"]}, None)
    assert one["institutionName"] == world.institution.name
    assert await top_level_error(api, PORTAL_ONE, {"id": hidden["id"]}) == "NOT_FOUND"
    assert await top_level_error(api, PORTAL_ONE, {"id": "nonsense"}) == "INVALID"

    # The portal's type has nothing internal to ask for.
    response = await api.post(
        f'query {{ portalConversionPolicy(id: "{ours["id"]}") {{ status }} }}'
    )
    assert response.json()["errors"]


async def test_the_public_file_route_serves_published_files_only(api, world):
    token = world.tokens["main"]
    data = PDF + b"% stamped policy\n" * 100
    file_id = await _pdf(api, token, FILENAME, data)
    policy = await _create(api, token, file_id, publish=True, pledgeAccepted=True)

    response = await api.client.get(f"/portal/files/{file_id}")  # no login
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E5%AD%A6%E5%88%86" in disposition
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"

    await call(api, WITHDRAW, {"id": policy["id"]}, token)
    assert (await api.client.get(f"/portal/files/{file_id}")).status_code == 404
    assert (await api.client.get(f"/portal/files/{uuid.uuid4()}")).status_code == 404
    assert (await api.client.get("/portal/files/nonsense")).status_code == 404
    # A file attached to nothing published (a learner's upload) is not public either.
    other = await _pdf(api, world.tokens["learner"])
    assert (await api.client.get(f"/portal/files/{other}")).status_code == 404


async def test_public_file_also_serves_published_rules(world):
    file = await _stored_file(world)
    rule = await ConversionRule.create(
        code="202203010001",
        institution_id=world.institution.id,
        rule_type=RuleType.NON_ACADEMIC_TO_ACADEMIC,
        file_id=file.id,
        created_by_id=world.main.id,
    )
    assert await public_file(file.id) is None  # a draft
    await ConversionRule.filter(id=rule.id).update(status=RuleStatus.PUBLISHED)
    found = await public_file(file.id)
    assert found is not None and found.id == file.id
    await ConversionRule.filter(id=rule.id).update(status=RuleStatus.OFF_SHELF)
    assert await public_file(file.id) is None


# -- the institution's list ----------------------------------------------------------------------


async def test_the_list_filters_by_publication_day_and_status(api, world):
    token = world.tokens["main"]
    # 2022-03-01 16:30 UTC is 2022-03-02 00:30 in Shanghai.
    early = await _policy_row(
        world, PolicyStatus.OFF_SHELF, dt.datetime(2022, 3, 1, 3, 0, tzinfo=dt.UTC), "三月一日"
    )
    late = await _policy_row(
        world, PolicyStatus.PUBLISHED, dt.datetime(2022, 3, 1, 16, 30, tzinfo=dt.UTC), "三月二日"
    )
    draft = await _policy_row(world, name="草稿")
    foreign = await ConversionPolicy.create(
        institution_id=world.other_institution.id,
        name="别人的",
        file_id=(await _stored_file(world, institution_id=world.other_institution.id)).id,
        created_by_id=world.other_main.id,
    )

    async def ids(token: str | None = token, **variables: Any) -> list[str]:
        return [item["id"] for item in (await call(api, LIST, variables, token))["items"]]

    assert await ids() == [str(draft.id), str(late.id), str(early.id)]  # newest upload first
    assert await ids(publishedFrom="2022-03-02") == [str(late.id)]
    assert await ids(publishedTo="2022-03-01") == [str(early.id)]
    assert await ids(publishedFrom="2022-03-01", publishedTo="2022-03-02") == [
        str(late.id),
        str(early.id),
    ]
    assert await ids(status="UNPUBLISHED") == [str(draft.id)]
    assert await ids(status="OFF_SHELF") == [str(early.id)]
    assert await ids(page=2, pageSize=2) == [str(early.id)]
    assert await ids(world.api_token) == [str(draft.id), str(late.id), str(early.id)]
    assert await ids(world.tokens["other_main"]) == [str(foreign.id)]
    assert len(await ids(world.admin_token)) == 4
    assert await ids(world.admin_token, institutionName=world.other_institution.name) == [
        str(foreign.id)
    ]
    backwards = {"publishedFrom": "2022-03-02", "publishedTo": "2022-03-01"}
    assert await top_level_error(api, LIST, backwards, token) == "INVALID"
    assert await top_level_error(api, LIST, {}, world.tokens["learner"]) == "FORBIDDEN"
    assert await top_level_error(api, LIST, {}, None) == "UNAUTHENTICATED"

    one = {"id": str(draft.id)}
    assert (await call(api, ONE, one, world.api_token))["name"] == "草稿"
    assert (await call(api, ONE, one, world.admin_token))["id"] == str(draft.id)
    assert await top_level_error(api, ONE, one, world.tokens["other_main"]) == "NOT_FOUND"
    assert await top_level_error(api, ONE, one, world.tokens["learner"]) == "FORBIDDEN"
    assert await top_level_error(api, ONE, one, None) == "UNAUTHENTICATED"


async def test_list_and_portal_statements_do_not_grow_with_the_list(api, world, monkeypatch):
    async def fill(count: int) -> None:
        for n in range(count):
            await _policy_row(
                world, PolicyStatus.OFF_SHELF, dt.datetime.now(dt.UTC), name=f"办法{n}"
            )

    async def measure() -> dict[str, int]:
        counts = {}
        for name, query, token in (
            ("conversionPolicies", LIST, world.tokens["main"]),
            ("portalConversionPolicies", PORTAL, None),
        ):
            with count_queries(monkeypatch) as statements:
                await call(api, query, {"pageSize": 100}, token)
            counts[name] = len(statements)
        return counts

    await _policy_row(world, PolicyStatus.PUBLISHED)
    await fill(2)
    small = await measure()
    await fill(30)
    assert await measure() == small


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
