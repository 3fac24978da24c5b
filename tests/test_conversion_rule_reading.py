"""Conversion rules (转换规则) read: the two lists of 转换规则管理 with their filters; the
catalogue's rule counts; SQL statements that do not grow with the list."""

from __future__ import annotations

from typing import Any

import pytest

from tests.achievement_fixtures import (
    AchievementWorld,
    build_world,
)
from tests.catalogue_fixtures import ENTRIES, count_queries
from tests.conversion_rule_fixtures import (
    LIST,
    ONE,
    PORTAL,
    Entries,
    _ids,
    a2n,
    build_entries,
    create,
    n2a,
    pdf,
    publish_policy,
    published,
)
from tests.institution_fixtures import (
    call,
    top_level_error,
)


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


@pytest.fixture
async def entries(world: AchievementWorld) -> Entries:
    return await build_entries(world)


# -- lists ---------------------------------------------------------------------------------------


async def _rules(api, token: str | None, **variables: Any) -> list[str]:
    data = await call(api, LIST, variables, token)
    assert data["totalCount"] == len(data["items"])
    return [item["code"] for item in data["items"]]


async def test_my_rules_and_the_rules_related_to_me_with_their_filters(api, world, entries):
    e = entries
    await publish_policy(world)
    await publish_policy(world, world.other_institution)
    mine_draft = await create(api, world.tokens["main"], n2a(e))
    mine_published = await published(api, world, a2n(e))
    # Institution 2's rules: a published one using institution 1's certificate (related to
    # institution 1), a draft using it (not related: unpublished), one using only its own.
    related = await published(
        api,
        world,
        {
            "ruleType": "NON_ACADEMIC_TO_ACADEMIC",
            "sources": _ids(e.certificate, e.other_certificate_b),
            "targets": {"courses": _ids(e.other_course)},
        },
        role="other_main",
    )
    await create(
        api,
        world.tokens["other_main"],
        {
            "ruleType": "NON_ACADEMIC_TO_ACADEMIC",
            "sources": _ids(e.certificate),
            "targets": {"courses": _ids(e.other_course)},
        },
    )
    await published(
        api,
        world,
        {
            "ruleType": "NON_ACADEMIC_TO_ACADEMIC",
            "sources": _ids(e.other_certificate),
            "targets": {"courses": _ids(e.other_course)},
        },
        role="other_main",
    )
    main = world.tokens["main"]
    draft_code, published_code = mine_draft["code"], mine_published["code"]

    assert await _rules(api, main) == [published_code, draft_code]  # newest first
    assert await _rules(api, world.tokens["api_token"]) == [published_code, draft_code]
    assert await _rules(api, main, code=draft_code[-4:]) == [draft_code]
    assert await _rules(api, main, ruleType="ACADEMIC_TO_NON_ACADEMIC") == [published_code]
    assert await _rules(api, main, status="DRAFT") == [draft_code]
    assert await _rules(api, main, status="OFF_SHELF") == []
    assert await _rules(api, main, sourceName="名录3") == [draft_code]
    assert await _rules(api, main, sourceName="植物保护") == [published_code]
    assert await _rules(api, main, targetName="统计学原理") == [draft_code]
    assert await _rules(api, main, targetName="统计员") == [published_code]
    assert await _rules(api, main, institutionName="学院1") == [published_code, draft_code]
    assert await _rules(api, main, institutionName="学院2") == []
    page = await call(api, LIST, {"page": 2, "pageSize": 1}, main)
    assert (page["totalCount"], [i["code"] for i in page["items"]]) == (2, [draft_code])

    assert await _rules(api, main, scope="RELATED") == [related["code"]]
    assert await _rules(api, main, scope="RELATED", institutionName="学院2") == [related["code"]]
    assert await _rules(api, main, scope="RELATED", institutionName="学院1") == []
    assert await _rules(api, main, scope="RELATED", sourceName="统计员") == [related["code"]]
    assert await _rules(api, main, scope="RELATED", targetName="餐厅") == [related["code"]]
    assert await _rules(api, main, scope="RELATED", status="DRAFT") == []
    # Institution 2 sees institution 1's published rule, whose source is its diploma.
    other = world.tokens["other_main"]
    assert await _rules(api, other, scope="RELATED") == [published_code]

    # Details: own rules in any state, published rules of others; administrators see all.
    detail = await call(api, ONE, {"id": related["id"]}, main)
    assert detail["institution"]["name"] == "江苏测试学院2"
    assert [s["catalogueEntry"]["name"] for s in detail["sources"]] == [
        "统计员(高级)",
        "成果认定同步1(高级)",
    ]
    assert (await call(api, ONE, {"id": mine_draft["id"]}, main))["status"] == "DRAFT"
    assert await top_level_error(api, ONE, {"id": mine_draft["id"]}, other) == "NOT_FOUND"
    assert (await call(api, ONE, {"id": mine_draft["id"]}, world.admin_token))["code"] == (
        draft_code
    )
    # A draft's file is not given to another institution; a published one's is public.
    assert detail["file"]["url"].startswith("/portal/files/")


async def test_the_lists_are_for_institutions(api, world):
    assert await top_level_error(api, LIST, {}) == "UNAUTHENTICATED"
    for role in ("learner", "admin"):
        assert await top_level_error(api, LIST, {}, world.tokens[role]) == "FORBIDDEN"
    assert await top_level_error(api, ONE, {"id": str(world.entry.id)}) == "UNAUTHENTICATED"
    payload = await api.post(LIST, {"pageSize": 101}, world.tokens["main"])
    assert payload.json()["errors"][0]["extensions"]["field"] == "pageSize"


# -- the catalogue's and the overview's counts ---------------------------------------------------


async def test_catalogue_entries_count_the_rules_their_institution_can_see(api, world, entries):
    e = entries
    await publish_policy(world, world.other_institution)
    await create(api, world.tokens["main"], n2a(e))  # a draft: the major and course as targets
    await published(  # institution 2's published rule with the major as its source
        api,
        world,
        {
            "ruleType": "ACADEMIC_TO_NON_ACADEMIC",
            "sources": _ids(e.major),
            "targets": {"nonAcademic": [{"catalogueEntryId": str(e.other_certificate.id)}]},
        },
        role="other_main",
    )
    await create(  # institution 2's draft with the course as its source: not counted for 1
        api,
        world.tokens["other_main"],
        {
            "ruleType": "ACADEMIC_TO_ACADEMIC",
            "sources": _ids(e.course),
            "targets": {"courses": _ids(e.other_course)},
        },
    )

    async def counts(role: str) -> dict[str, int]:
        data = await call(api, ENTRIES, {"pageSize": 100}, world.tokens[role])
        return {item["name"]: item["rulesCount"] for item in data["items"]}

    mine = await counts("main")
    assert mine["经济统计学毕业证书(本科)"] == 2
    assert mine["统计学原理"] == 1
    assert mine["统计员(高级)"] == 0
    theirs = await counts("other_main")
    assert theirs["学习成果名录3(高级)"] == 1  # its own published target, not 1's draft source
    assert theirs["餐厅创建课程"] == 1

    overview = await call(
        api,
        "{ institutionOverview { rules { total draft published offShelf } } }",
        token=world.tokens["other_main"],
    )
    assert overview["rules"] == {"total": 2, "draft": 1, "published": 1, "offShelf": 0}


# -- SQL statements ------------------------------------------------------------------------------


async def test_lists_run_the_same_statements_for_3_rules_as_for_10(
    api, world, entries, monkeypatch
):
    await publish_policy(world)
    e = entries
    token = world.tokens["main"]
    file_id = await pdf(api, token)

    async def add(count: int) -> None:
        for n in range(count):
            data = n2a(e) if n % 2 else a2n(e)
            await create(
                api, token, {**data, "fileId": file_id, "publish": True, "pledgeAccepted": True}
            )

    screens = {
        "conversionRules": (LIST, token),
        "portalConversionRules": (PORTAL, None),
    }

    async def measure(size: int) -> dict[str, int]:
        counted = {}
        for name, (query, who) in screens.items():
            with count_queries(monkeypatch) as statements:
                data = await api.gql(query, {"pageSize": 20}, token=who)
            assert data[name]["totalCount"] == size
            assert all(item["sources"] and item["targets"] for item in data[name]["items"])
            counted[name] = len(statements)
        return counted

    await add(3)
    few = await measure(3)
    await add(7)
    many = await measure(10)
    assert few == many, (few, many)
    # The portal: the count, the page, sources, targets and their entries, the rules'
    # institutions, the entries' institutions, the files.
    assert few["portalConversionRules"] <= 8, few
    # The institution's list adds who is calling and the entries' categories.
    assert few["conversionRules"] <= 12, few
