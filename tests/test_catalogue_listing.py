"""The catalogue over HTTP: the list, the public catalogue, SQL statements per list."""

from __future__ import annotations

from typing import Any

from models import (
    AchievementStatus,
    InstitutionAchievement,
)
from tests.catalogue_fixtures import (
    ENTRIES,
    ENTRY,
    PUBLIC,
    QUEUE,
    count_queries,
    create_entry,
    hold,
    institution_with_token,
    recognised_entry,
    submit,
)
from tests.institution_fixtures import (
    make_learner,
    top_level_error,
)

# -- the list ------------------------------------------------------------------------------------


async def test_list_columns_filters_and_counts(api, admin_token):
    institution_id, token = await institution_with_token(api, 1)
    other_id, other_token = await institution_with_token(api, 2)
    economics = await create_entry(api, token)
    crops = await create_entry(
        api,
        token,
        "vocational_diploma",
        "作物生产技术学位证书(高职)",
        level="vocational_college",
        major="作物生产技术",
    )
    course = await create_entry(api, token, "higher_course", "餐厅创建课程")
    await create_entry(api, other_token, "higher_course", "别家课程")
    await submit(api, token, course)
    learners = [await make_learner(n) for n in range(1, 5)]
    await hold(economics, learners[0])
    await hold(economics, learners[1])
    await hold(economics, learners[2], certificate_number="NO.2")
    await hold(economics, learners[3], AchievementStatus.WITHDRAWN)
    await hold(economics, learners[3], AchievementStatus.REFUSED, certificate_number="NO.3")
    await hold(crops, learners[0], AchievementStatus.REGISTERED)

    listed = (await api.gql(ENTRIES, token=token))["catalogueEntries"]
    assert listed["totalCount"] == 3 and listed["page"] == 1 and listed["pageSize"] == 20
    rows = {item["name"]: item for item in listed["items"]}
    assert rows["经济统计学毕业证书(本科)"] == {
        "id": economics,
        "name": "经济统计学毕业证书(本科)",
        "categoryLabel": "学历成果",
        "subtypeLabel": "普通高等教育学历证书",
        "recognitionStatusLabel": "未认定",
        "holdersCount": 3,
        "rulesCount": 0,
        "institution": {"name": "江苏测试学院1"},
        "details": {"__typename": "DiplomaDetails"},
    }
    assert rows["作物生产技术学位证书(高职)"]["holdersCount"] == 1
    assert rows["餐厅创建课程"]["recognitionStatusLabel"] == "认定中"
    # Newest first.
    assert [item["id"] for item in listed["items"]] == [course, crops, economics]

    async def names(token: str, **filters: Any) -> list[str]:
        result = (await api.gql(ENTRIES, filters, token=token))["catalogueEntries"]
        return sorted(item["name"] for item in result["items"])

    assert await names(token, name="证书") == [
        "作物生产技术学位证书(高职)",
        "经济统计学毕业证书(本科)",
    ]
    assert await names(token, subtype="higher_course") == ["餐厅创建课程"]
    assert await names(token, category="non_academic") == []
    assert await names(token, recognitionStatus="RECOGNISING") == ["餐厅创建课程"]
    assert await names(token, name="课程", category="academic") == ["餐厅创建课程"]
    # Institution users never see another institution's entries, whatever they pass.
    assert await names(other_token, institutionId=institution_id) == ["别家课程"]
    assert await names(admin_token) == [
        "作物生产技术学位证书(高职)",
        "别家课程",
        "经济统计学毕业证书(本科)",
        "餐厅创建课程",
    ]
    assert await names(admin_token, institutionId=other_id) == ["别家课程"]

    second = await api.gql(ENTRIES, {"page": 2, "pageSize": 2}, token=token)
    assert second["catalogueEntries"]["totalCount"] == 3
    assert [i["id"] for i in second["catalogueEntries"]["items"]] == [economics]
    response = await api.post(ENTRIES, {"pageSize": 1000}, token)
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID"

    # The detail is for its institution and administrators only.
    assert (await api.gql(ENTRY, {"id": economics}, token=admin_token))["catalogueEntry"][
        "holdersCount"
    ] == 3
    response = await api.post(ENTRY, {"id": economics}, other_token)
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await top_level_error(api, ENTRY, {"id": economics}) == "UNAUTHENTICATED"


# -- the public catalogue ------------------------------------------------------------------------


async def test_public_catalogue_shows_recognised_entries_to_anyone(api, admin_token):
    _, token = await institution_with_token(api, 1)
    _, other_token = await institution_with_token(api, 2)
    economics = await recognised_entry(api, token, admin_token, credits="4")
    await recognised_entry(
        api, other_token, admin_token, "competition_award", "技能大赛一等奖", credits="1.5"
    )
    await create_entry(api, token, "higher_course", "未认定的课程")
    pending = await create_entry(api, token, "higher_course", "认定中的课程")
    await submit(api, token, pending)

    result = (await api.gql(PUBLIC))["publicCatalogue"]
    assert result["totalCount"] == 2
    item = next(i for i in result["items"] if i["id"] == economics)
    assert item["institutionName"] == "江苏测试学院1"
    assert item["credits"] == "4.00"
    assert item["categoryLabel"] == "学历成果" and item["subtypeLabel"] == "普通高等教育学历证书"
    assert item["details"]["major"] == "经济统计学"

    async def names(**filters: Any) -> list[str]:
        found = (await api.gql(PUBLIC, filters))["publicCatalogue"]["items"]
        return sorted(i["name"] for i in found)

    assert await names(keyword="大赛") == ["技能大赛一等奖"]
    assert await names(keyword="测试学院1") == ["经济统计学毕业证书(本科)"]  # the issuer
    assert await names(category="informal") == ["技能大赛一等奖"]
    assert await names(subtype="higher_diploma") == ["经济统计学毕业证书(本科)"]
    assert await names(institutionName="学院2") == ["技能大赛一等奖"]
    assert await names(keyword="课程") == []

    fields = await api.gql('{ __type(name: "PublicCatalogueEntry") { fields { name } } }')
    names_of_fields = {f["name"] for f in fields["__type"]["fields"]}
    assert names_of_fields.isdisjoint(
        {"recognitionNote", "holdersCount", "institution", "institutionId", "recognitionStatus"}
    )


# -- SQL statements per list ---------------------------------------------------------------------


async def _fill(
    institution_id: str, learners: list, start: int, count: int, recognise: bool
) -> None:
    """``count`` more recognised (or recognising) entries copied from the first one, each held
    by every one of ``learners``."""
    model = await InstitutionAchievement.filter(institution_id=institution_id).first()
    assert model is not None
    status = "recognised" if recognise else "recognising"
    rows = [
        InstitutionAchievement(
            institution_id=model.institution_id,
            subtype_id=model.subtype_id,
            category_id=model.category_id,
            name=f"成果{n:03d}",
            issuer_name=model.issuer_name,
            details=model.details,
            introduction="",
            recognition_status=status,
            credits=model.credits,
            recognised_at=model.recognised_at,
            created_by_id=model.created_by_id,
        )
        for n in range(start, start + count)
    ]
    await InstitutionAchievement.bulk_create(rows)
    for row in rows:
        for learner in learners:
            await hold(row.id, learner)


async def test_lists_run_the_same_statements_for_5_rows_as_for_50(api, admin_token, monkeypatch):
    institution_id, token = await institution_with_token(api, 1)
    await recognised_entry(api, token, admin_token)
    learners = [await make_learner(1), await make_learner(2)]
    await _fill(institution_id, learners, 1, 4, recognise=True)
    await _fill(institution_id, learners, 100, 5, recognise=False)

    screens = {
        "catalogueEntries": (ENTRIES, token, {"pageSize": 100}),
        "publicCatalogue": (PUBLIC, None, {"pageSize": 100}),
        "recognitionQueue": (QUEUE, admin_token, {"pageSize": 100}),
    }

    async def measure() -> dict[str, tuple[int, int]]:
        counts = {}
        for name, (query, who, variables) in screens.items():
            with count_queries(monkeypatch) as statements:
                data = await api.gql(query, variables, token=who)
            counts[name] = (data[name]["totalCount"], len(statements))
        return counts

    small = await measure()
    assert small["catalogueEntries"][0] == 10
    assert small["publicCatalogue"][0] == 5 and small["recognitionQueue"][0] == 5
    await _fill(institution_id, learners, 5, 45, recognise=True)
    await _fill(institution_id, learners, 200, 45, recognise=False)
    large = await measure()
    assert large["catalogueEntries"][0] == 100
    assert large["publicCatalogue"][0] == 50 and large["recognitionQueue"][0] == 50
    for name in screens:
        assert small[name][1] == large[name][1], (name, small, large)
    # The institution's list: who is calling (session, user, institution), the count, the page,
    # then one query each for subtypes, categories, institutions and holders, and two for the
    # related conversion rules (as a source, as a target).
    assert small["catalogueEntries"][1] <= 11, small
