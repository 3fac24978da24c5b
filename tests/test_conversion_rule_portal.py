"""Conversion rules (转换规则) on the portal, for anyone, until withdrawn."""

from __future__ import annotations

import pytest

from tests.achievement_fixtures import (
    AchievementWorld,
    build_world,
)
from tests.conversion_rule_fixtures import (
    PORTAL,
    PORTAL_ONE,
    WITHDRAW,
    Entries,
    _ids,
    a2n,
    build_entries,
    create,
    n2a,
    publish_policy,
    published,
)
from tests.institution_fixtures import (
    call,
    top_level_error,
)
from tests.test_files import PDF


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


@pytest.fixture
async def entries(world: AchievementWorld) -> Entries:
    return await build_entries(world)


# -- the portal ----------------------------------------------------------------------------------


async def test_the_portal_shows_published_rules_to_anyone_until_withdrawn(api, world, entries):
    e = entries
    await publish_policy(world)
    rule = await published(api, world, a2n(e))
    draft = await create(api, world.tokens["main"], n2a(e))
    second = await published(api, world, n2a(e, sources=_ids(e.other_certificate_b)))

    listed = await call(api, PORTAL, {})
    assert listed["totalCount"] == 2
    assert [item["code"] for item in listed["items"]] == [second["code"], rule["code"]]
    item = listed["items"][1]
    assert item["institutionName"] == "江苏测试学院1"
    assert item["interpretationNote"] == "本转换规则的解释权归江苏测试学院1所有。"
    assert item["sources"] == [
        {
            "catalogueEntry": {
                "id": str(e.other_diploma.id),
                "name": "植物保护与检疫技术毕业证书(高职)",
                "credits": "4.00",
                "institutionName": "江苏测试学院2",
            }
        }
    ]
    assert item["targets"][0]["exemptModules"] == [
        {"name": "实操", "credits": "2"},
        {"name": "机考", "credits": "2.5"},
    ]
    learner = world.tokens["learner"]
    assert (await call(api, PORTAL, {}, learner))["totalCount"] == 2
    for variables, expected in (
        ({"code": rule["code"]}, [rule["code"]]),
        ({"ruleType": "NON_ACADEMIC_TO_ACADEMIC"}, [second["code"]]),
        ({"sourceName": "植物保护"}, [rule["code"]]),
        ({"targetName": "统计学原理"}, [second["code"]]),
        ({"institutionName": "学院1"}, [second["code"], rule["code"]]),
        ({"institutionName": "学院2"}, []),
    ):
        found = await call(api, PORTAL, variables)
        assert [i["code"] for i in found["items"]] == expected, variables

    one = await call(api, PORTAL_ONE, {"id": rule["id"]})
    assert one["code"] == rule["code"] and one["status"] == "PUBLISHED"
    url = one["file"]["url"]
    response = await api.client.get(url)
    assert response.status_code == 200 and response.content == PDF
    assert await top_level_error(api, PORTAL_ONE, {"id": draft["id"]}) == "NOT_FOUND"

    await call(api, WITHDRAW, {"id": rule["id"]}, world.tokens["main"])
    assert [i["code"] for i in (await call(api, PORTAL, {}))["items"]] == [second["code"]]
    assert await top_level_error(api, PORTAL_ONE, {"id": rule["id"]}) == "NOT_FOUND"
    assert (await api.client.get(url)).status_code == 404
