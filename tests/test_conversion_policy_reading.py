"""Conversion policies over HTTP: the portal and the institution's list."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from models import (
    ConversionPolicy,
    ConversionRule,
    PolicyStatus,
    RuleStatus,
    RuleType,
)
from resolvers.conversion.policies import public_file
from tests.achievement_fixtures import AchievementWorld, build_world
from tests.catalogue_fixtures import count_queries
from tests.conversion_policy_fixtures import (
    FILENAME,
    LIST,
    ONE,
    PORTAL,
    PORTAL_ONE,
    WITHDRAW,
    _create,
    _pdf,
    _policy_row,
    _stored_file,
)
from tests.institution_fixtures import call, top_level_error
from tests.test_files import PDF


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


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
