"""The institution catalogue (机构成果) over HTTP: saving entries per subtype, the list of seed 003
§2.2.1 with its filters and counts, deleting, recognition, authorisation of restricted subtypes,
the public catalogue, bad input, every role, and the number of SQL statements of the lists."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from models import (
    AchievementStatus,
    AuditEntry,
    InstitutionAchievement,
    LearnerAchievement,
    Message,
    RecipientKind,
    SubtypeAuthorisation,
)
from tests.catalogue_fixtures import (
    AUTHORISE,
    CREATE,
    DELETE,
    ENTRIES,
    ENTRY,
    MY_AUTHORISATIONS,
    PUBLIC,
    QUEUE,
    RECOGNISE,
    REFUSE,
    REVOKE,
    ROLES,
    SUBMIT,
    authorise,
    catalogue_world,
    count_queries,
    create_entry,
    entry_input,
    hold,
    institution_with_token,
    new_admin_token,
    recognise,
    recognised_entry,
    submit,
)
from tests.institution_fixtures import (
    audit_actions,
    codes,
    make_learner,
    top_level_error,
)


async def _payload(api, query: str, variables: dict, token: str | None) -> dict:
    (payload,) = (await api.gql(query, variables, token=token)).values()
    return payload


async def _state() -> dict[str, Any]:
    """What the catalogue mutations may change."""
    return {
        "entries": await InstitutionAchievement.all().order_by("id").values(),
        "authorisations": await SubtypeAuthorisation.all().order_by("id").values(),
        "holdings": await LearnerAchievement.all().order_by("id").values(),
        "messages": await Message.all().count(),
        "audit": await AuditEntry.all().count(),
    }


# -- saving and viewing --------------------------------------------------------------------------


async def test_institution_saves_an_entry_and_views_it(api):
    institution_id, token = await institution_with_token(api, 1)
    payload = await _payload(api, CREATE, {"input": entry_input()}, token)
    assert payload["errors"] == []
    entry = payload["entry"]
    assert entry["createdAt"].endswith("+00:00")
    assert {k: v for k, v in entry.items() if k not in ("id", "createdAt")} == {
        "name": "经济统计学毕业证书(本科)",
        "category": "academic",
        "categoryLabel": "学历成果",
        "subtype": "higher_diploma",
        "subtypeLabel": "普通高等教育学历证书",
        "issuerName": "江苏测试学院1",  # the institution's own name by default
        "introduction": "测试",
        "recognitionStatus": "UNRECOGNISED",
        "recognitionStatusLabel": "未认定",
        "credits": None,
        "recognitionNote": "",
        "recognisedAt": None,
        "institutionId": institution_id,
        "holdersCount": 0,
        "rulesCount": 0,
        "details": {
            "__typename": "DiplomaDetails",
            "level": "bachelor",
            "levelLabel": "本科",
            "discipline": "economics",
            "disciplineLabel": "经济学",
            "disciplineClass": "经济学类",
            "major": "经济统计学",
            "majorCode": "020102",
            "graduationConclusion": "graduated",
            "graduationConclusionLabel": "毕业证书",
            "schoolingYears": "4",
            "minGraduationCredits": "160",
            "originalHours": 2400,
            "originalCredits": "160",
            "validFrom": "2022-03-01",
        },
    }
    detail = await api.gql(ENTRY, {"id": entry["id"]}, token=token)
    assert detail["catalogueEntry"] == entry
    assert await audit_actions() == ["catalogue_entry.create"]
    row = await InstitutionAchievement.get(id=entry["id"])
    assert row.details["level_label"] == "本科"


@pytest.mark.parametrize(
    "subtype, typename",
    [
        ("vocational_course", "CourseDetails"),
        ("competition_award", "CompetitionDetails"),
        ("intangible_heritage", "HeritageDetails"),
        ("community_education", "CommunityDetails"),
        ("mohrss_certificate", "CertificateDetails"),
    ],
)
async def test_every_kind_of_details(api, subtype, typename):
    institution_id, token = await institution_with_token(api, 1)
    await authorise(institution_id, "mohrss_certificate")
    variables = {"input": {**entry_input(subtype, "某成果"), "issuerName": "长沙理工大学"}}
    payload = await _payload(api, CREATE, variables, token)
    assert payload["errors"] == []
    assert payload["entry"]["details"]["__typename"] == typename
    assert payload["entry"]["issuerName"] == "长沙理工大学"
    details = payload["entry"]["details"]
    if subtype == "mohrss_certificate":
        assert details["levelLabel"] == "中级"
        assert details["modules"] == [
            {"name": "实操", "credits": "2"},
            {"name": "机考", "credits": "1.5"},
        ]
    if subtype == "community_education":
        assert details["educationCategoryLabel"] == "非正式教育"
        assert details["learningLevel3Label"] == "其它"
    if subtype == "competition_award":
        assert details["awardLevelLabel"] == "省部级" and details["heldOn"] == "2023-05-20"


TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    "change, expected",
    [
        pytest.param(
            {"details": {"course": {"courseCode": "C1", "originalHours": 1, "originalCredits": 1}}},
            [("details.diploma", "INVALID")],
            id="wrong-member",
        ),
        pytest.param(
            {"details.level": "nobody"}, [("details.level", "INVALID")], id="unknown-term"
        ),
        pytest.param(
            {"details.originalHours": -5}, [("details.originalHours", "INVALID")], id="negative"
        ),
        pytest.param(
            {"details.validFrom": TOMORROW}, [("details.validFrom", "INVALID")], id="future-date"
        ),
        pytest.param(
            {"details.schoolingYears": "4.125"},
            [("details.schoolingYears", "INVALID")],
            id="three-decimals",
        ),
        pytest.param(
            {"details.majorCode": "ab"}, [("details.majorCode", "INVALID")], id="major-code"
        ),
        pytest.param({"details.major": " "}, [("details.major", "REQUIRED")], id="blank-major"),
        pytest.param({"name": "名" * 101}, [("name", "TOO_LONG")], id="long-name"),
        pytest.param({"name": ""}, [("name", "REQUIRED")], id="no-name"),
        pytest.param({"issuerName": "机" * 101}, [("issuerName", "TOO_LONG")], id="long-issuer"),
        pytest.param(
            {"introduction": "简" * 2001}, [("introduction", "TOO_LONG")], id="long-introduction"
        ),
        pytest.param({"introduction": ""}, [("introduction", "REQUIRED")], id="no-introduction"),
        pytest.param({"subtype": "nothing"}, [("subtype", "INVALID")], id="unknown-subtype"),
        pytest.param(
            {"subtype": "national_qualification", "details": {"certificate": {"level": "senior"}}},
            [("subtype", "NOT_ALLOWED")],
            id="restricted-unauthorised",
        ),
        pytest.param(
            {"subtype": "x_certificate", "details": {"certificate": {"level": "senior"}}},
            [("subtype", "NOT_ALLOWED")],
            id="x-certificate-by-hand",
        ),
        pytest.param(
            {"name": "", "details.level": "nobody", "details.originalHours": -1},
            [
                ("name", "REQUIRED"),
                ("details.level", "INVALID"),
                ("details.originalHours", "INVALID"),
            ],
            id="all-problems-at-once",
        ),
    ],
)
async def test_bad_input_is_refused_field_by_field(api, change, expected):
    _, token = await institution_with_token(api, 1)
    data = entry_input()
    for key, value in change.items():
        if key.startswith("details."):
            data["details"]["diploma"][key.split(".", 1)[1]] = value
        else:
            data[key] = value
    before = await _state()
    payload = await _payload(api, CREATE, {"input": data}, token)
    assert sorted(codes(payload)) == sorted(expected)
    assert payload["entry"] is None
    assert await _state() == before
    assert await InstitutionAchievement.all().count() == 0


async def test_x_certificate_error_says_why(api):
    _, token = await institution_with_token(api, 1)
    data = {**entry_input("mohrss_certificate"), "subtype": "x_certificate"}
    payload = await _payload(api, CREATE, {"input": data}, token)
    assert "同步" in payload["errors"][0]["message"]
    data = entry_input("other_certificate")
    payload = await _payload(api, CREATE, {"input": data}, token)
    assert "授权" in payload["errors"][0]["message"]


async def test_both_details_members_is_a_graphql_error(api):
    _, token = await institution_with_token(api, 1)
    data = entry_input()
    data["details"]["course"] = {"courseCode": "C1", "originalHours": 1, "originalCredits": 1}
    response = await api.post(CREATE, {"input": data}, token)
    assert response.status_code == 200
    assert response.json()["errors"]
    assert await InstitutionAchievement.all().count() == 0


async def test_duplicate_entries_conflict(api):
    _, token = await institution_with_token(api, 1)
    _, other_token = await institution_with_token(api, 2)
    await create_entry(api, token)
    again = await _payload(api, CREATE, {"input": entry_input()}, token)
    assert codes(again) == [("name", "CONFLICT")]
    # Another major, another level, another name or another institution is another entry.
    await create_entry(api, token, major="统计学")
    await create_entry(api, token, level="master")
    await create_entry(api, token, name="经济统计学毕业证书")
    await create_entry(api, other_token)
    # Identifying fields beyond those do not make a new entry.
    same = await _payload(api, CREATE, {"input": entry_input(originalHours=100)}, token)
    assert codes(same) == [("name", "CONFLICT")]
    assert await InstitutionAchievement.all().count() == 5


async def test_identical_saves_at_once_keep_one(api):
    _, token = await institution_with_token(api, 1)
    results = await asyncio.gather(
        *[_payload(api, CREATE, {"input": entry_input()}, token) for _ in range(4)]
    )
    assert sorted(len(r["errors"]) for r in results) == [0, 1, 1, 1]
    assert await InstitutionAchievement.all().count() == 1


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


# -- deleting ------------------------------------------------------------------------------------


async def test_delete_only_unrecognised_entries_all_or_nothing(api, admin_token):
    _, token = await institution_with_token(api, 1)
    _, other_token = await institution_with_token(api, 2)
    first = await create_entry(api, token, name="一")
    second = await create_entry(api, token, name="二")
    in_recognition = await create_entry(api, token, name="认定中的")
    recognised = await recognised_entry(api, token, admin_token, name="已认定的")
    await submit(api, token, in_recognition)
    others = await create_entry(api, other_token, name="别家的")
    learner = await make_learner(1)
    holding = await hold(first, learner)

    before = await _state()
    ids = [first, recognised, in_recognition, others, "nonsense"]
    response = await api.post(DELETE, {"ids": ids}, token)
    payload = response.json()["data"]["catalogueEntryDelete"]
    assert codes(payload) == [("ids.4", "INVALID")]
    payload = await _payload(api, DELETE, {"ids": ids[:4]}, token)
    assert codes(payload) == [
        ("ids.1", "WRONG_STATE"),
        ("ids.2", "WRONG_STATE"),
        ("ids.3", "NOT_FOUND"),
    ]
    assert "已认定的" in payload["errors"][0]["message"]
    assert "认定中的" in payload["errors"][1]["message"]
    assert payload["deletedIds"] == []
    assert await _state() == before
    assert codes(await _payload(api, DELETE, {"ids": []}, token)) == [("ids", "REQUIRED")]
    assert codes(await _payload(api, DELETE, {"ids": [first, first]}, token)) == [
        ("ids.1", "INVALID")
    ]

    payload = await _payload(api, DELETE, {"ids": [first, second]}, token)
    assert payload == {"errors": [], "deletedIds": [first, second]}
    remaining = (await api.gql(ENTRIES, token=token))["catalogueEntries"]["items"]
    assert sorted(item["name"] for item in remaining) == ["已认定的", "认定中的"]
    # The learner keeps the achievement, with its own copy of what the entry showed.
    await holding.refresh_from_db()
    assert holding.catalogue_entry_id is None
    assert holding.name == "一" and holding.details["major"] == "经济统计学"
    deletions = await AuditEntry.filter(action="catalogue_entry.delete").order_by("at", "id")
    assert sorted(str(e.object_id) for e in deletions) == sorted([first, second])
    assert deletions[0].before["name"] in ("一", "二")


# -- recognition ---------------------------------------------------------------------------------


async def test_recognition_refused_then_granted(api, admin_token):
    institution_id, token = await institution_with_token(api, 1)
    entry = await create_entry(api, token)
    other = await create_entry(api, token, "higher_course", "餐厅创建课程")

    premature = await _payload(
        api, RECOGNISE, {"input": {"id": entry, "credits": "4"}}, admin_token
    )
    assert codes(premature) == [("id", "WRONG_STATE")]

    submitted = await _payload(api, SUBMIT, {"ids": [entry, other]}, token)
    assert submitted["entries"] == [
        {"id": entry, "recognitionStatus": "RECOGNISING"},
        {"id": other, "recognitionStatus": "RECOGNISING"},
    ]
    again = await _payload(api, SUBMIT, {"ids": [entry]}, token)
    assert codes(again) == [("ids.0", "WRONG_STATE")]

    queue = (await api.gql(QUEUE, token=admin_token))["recognitionQueue"]
    assert queue["totalCount"] == 2
    assert queue["items"][0] == {
        "id": entry,
        "name": "经济统计学毕业证书(本科)",
        "institution": {"name": "江苏测试学院1"},
        "subtypeLabel": "普通高等教育学历证书",
    }
    filtered = await api.gql(QUEUE, {"subtype": "higher_course"}, token=admin_token)
    assert [i["id"] for i in filtered["recognitionQueue"]["items"]] == [other]
    filtered = await api.gql(QUEUE, {"institutionId": institution_id}, token=admin_token)
    assert filtered["recognitionQueue"]["totalCount"] == 2

    no_reason = await _payload(api, REFUSE, {"input": {"id": entry, "reason": " "}}, admin_token)
    assert codes(no_reason) == [("reason", "REQUIRED")]
    refused = await _payload(
        api, REFUSE, {"input": {"id": entry, "reason": "专业代码与名称不符"}}, admin_token
    )
    assert refused["errors"] == []
    assert refused["entry"]["recognitionStatus"] == "UNRECOGNISED"
    assert refused["entry"]["recognitionNote"] == "专业代码与名称不符"

    await submit(api, token, entry)
    for credits in ("0", "-1", "100.01", "1.234", "abc"):
        bad = await api.post(RECOGNISE, {"input": {"id": entry, "credits": credits}}, admin_token)
        body = bad.json()
        if body.get("data"):
            assert codes(body["data"]["catalogueEntryRecognise"]) == [("credits", "INVALID")]
        else:  # not a number at all: the Decimal scalar refuses it
            assert body["errors"]
    entry_row = await InstitutionAchievement.get(id=entry)
    assert entry_row.recognition_status.value == "recognising" and entry_row.credits is None

    recognised = await recognise(api, admin_token, entry, "2.5")
    assert recognised["recognitionStatus"] == "RECOGNISED"
    assert recognised["recognitionStatusLabel"] == "已认定"
    assert recognised["credits"] == "2.50"
    assert recognised["recognisedAt"].endswith("+00:00")
    assert recognised["recognitionNote"] == ""
    twice = await _payload(api, RECOGNISE, {"input": {"id": entry, "credits": "3"}}, admin_token)
    assert codes(twice) == [("id", "WRONG_STATE")]

    messages = await Message.filter(
        recipient_kind=RecipientKind.INSTITUTION, recipient_id=institution_id
    ).order_by("created_at", "id")
    assert [m.event for m in messages] == [
        "catalogue_entry.refused",
        "catalogue_entry.recognised",
    ]
    assert "专业代码与名称不符" in messages[0].body
    assert "2.50" in messages[1].body and str(messages[1].object_id) == entry
    inbox = await api.gql("{ myMessages { unreadCount items { title } } }", token=token)
    assert inbox["myMessages"]["unreadCount"] == 2
    assert [a for a in await audit_actions() if a.startswith("catalogue_entry.")] == [
        "catalogue_entry.create",
        "catalogue_entry.create",
        "catalogue_entry.submit",
        "catalogue_entry.submit",
        "catalogue_entry.refuse",
        "catalogue_entry.submit",
        "catalogue_entry.recognise",
    ]
    recognise_audit = await AuditEntry.get(action="catalogue_entry.recognise")
    assert recognise_audit.before == {
        "recognition_status": "recognising",
        "credits": None,
        "recognised_at": None,
    }
    assert recognise_audit.after["credits"] == "2.50"
    assert str(recognise_audit.institution_id) == institution_id


async def test_two_administrators_deciding_at_once(api, admin_token):
    _, token = await institution_with_token(api, 1)
    other_admin = await new_admin_token()
    for _ in range(3):
        entry = await create_entry(api, token, name=f"成果{_}")
        await submit(api, token, entry)
        results = await asyncio.gather(
            _payload(api, RECOGNISE, {"input": {"id": entry, "credits": "3"}}, admin_token),
            _payload(api, REFUSE, {"input": {"id": entry, "reason": "不符"}}, other_admin),
        )
        assert sorted(len(r["errors"]) for r in results) == [0, 1]
        loser = next(r for r in results if r["errors"])
        assert codes(loser) == [("id", "WRONG_STATE")]
        row = await InstitutionAchievement.get(id=entry)
        winner = next(r for r in results if not r["errors"])
        assert row.recognition_status.value == winner["entry"]["recognitionStatus"].lower()
        assert await Message.filter(object_id=entry).count() == 1


# -- authorisation of restricted subtypes --------------------------------------------------------


async def test_authorising_a_restricted_subtype(api, admin_token):
    institution_id, token = await institution_with_token(api, 1)
    other_id, other_token = await institution_with_token(api, 2)
    data = {"input": entry_input("mohrss_certificate", "电工(中级)")}
    assert codes(await _payload(api, CREATE, data, token)) == [("subtype", "NOT_ALLOWED")]

    grant = {"input": {"institutionId": institution_id, "subtype": "mohrss_certificate"}}
    granted = await _payload(api, AUTHORISE, grant, admin_token)
    assert granted["errors"] == []
    assert {k: v for k, v in granted["authorisation"].items() if k not in ("id", "grantedAt")} == {
        "institutionId": institution_id,
        "institutionName": "江苏测试学院1",
        "subtype": "mohrss_certificate",
        "subtypeLabel": "职业技能等级证书（人社部）",
    }
    assert codes(await _payload(api, AUTHORISE, grant, admin_token)) == [("subtype", "CONFLICT")]
    unrestricted = {"input": {"institutionId": institution_id, "subtype": "higher_diploma"}}
    assert codes(await _payload(api, AUTHORISE, unrestricted, admin_token)) == [
        ("subtype", "INVALID")
    ]
    nowhere = {"input": {"institutionId": other_id[:-4] + "0000", "subtype": "other_certificate"}}
    assert codes(await _payload(api, AUTHORISE, nowhere, admin_token)) == [
        ("institutionId", "NOT_FOUND")
    ]

    mine = await api.gql(MY_AUTHORISATIONS, token=token)
    assert [a["subtype"] for a in mine["mySubtypeAuthorisations"]] == ["mohrss_certificate"]
    assert (await api.gql(MY_AUTHORISATIONS, token=other_token))["mySubtypeAuthorisations"] == []
    everyone = await api.gql("{ subtypeAuthorisations { institutionName } }", token=admin_token)
    assert everyone["subtypeAuthorisations"] == [{"institutionName": "江苏测试学院1"}]

    created = await _payload(api, CREATE, data, token)
    assert created["errors"] == []
    assert codes(await _payload(api, CREATE, data, other_token)) == [("subtype", "NOT_ALLOWED")]

    revoked = await _payload(api, REVOKE, grant, admin_token)
    assert revoked["errors"] == [] and revoked["authorisation"]["subtype"] == "mohrss_certificate"
    assert codes(await _payload(api, REVOKE, grant, admin_token)) == [("subtype", "NOT_FOUND")]
    again = {"input": entry_input("mohrss_certificate", "电工(高级)", level="senior")}
    assert codes(await _payload(api, CREATE, again, token)) == [("subtype", "NOT_ALLOWED")]
    # What was saved under the authorisation stays.
    assert (await api.gql(ENTRY, {"id": created["entry"]["id"]}, token=token))["catalogueEntry"]

    events = await Message.filter(recipient_id=institution_id).order_by("created_at", "id")
    assert [m.event for m in events] == [
        "subtype_authorisation.granted",
        "subtype_authorisation.revoked",
    ]
    actions = await audit_actions()
    assert "subtype_authorisation.grant" in actions and "subtype_authorisation.revoke" in actions


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


# -- every role ----------------------------------------------------------------------------------

OK = "OK"
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"


def _outcomes(**overrides: str) -> dict[str, str]:
    outcomes = dict.fromkeys(ROLES, FORBIDDEN)
    outcomes["anonymous"] = UNAUTHENTICATED
    outcomes.update(overrides)
    return outcomes


INSTITUTION_OWN = _outcomes(
    main=OK, sub=OK, api_token=OK, other_main="NOT_FOUND", pending="NOT_APPROVED"
)
ADMIN_ONLY = _outcomes(admin=OK)


async def _unrecognised(api, world) -> dict:
    return {"ids": [await create_entry(api, world.tokens["main"])]}


async def _recognising(api, world) -> dict:
    entry = await create_entry(api, world.tokens["main"])
    await submit(api, world.tokens["main"], entry)
    return {"id": entry}


async def _create(api, world) -> dict:
    return {"input": entry_input()}


async def _recognise(api, world) -> dict:
    return {"input": {**await _recognising(api, world), "credits": "3"}}


async def _refuse(api, world) -> dict:
    return {"input": {**await _recognising(api, world), "reason": "不符"}}


async def _grant(api, world) -> dict:
    return {"input": {"institutionId": world.institution_id, "subtype": "other_certificate"}}


async def _granted(api, world) -> dict:
    await authorise(world.institution_id, "other_certificate")
    return await _grant(api, world)


MUTATIONS = {
    "catalogueEntryCreate": (
        CREATE,
        _create,
        _outcomes(main=OK, sub=OK, api_token=OK, other_main=OK, pending="NOT_APPROVED"),
    ),
    "catalogueEntryDelete": (DELETE, _unrecognised, INSTITUTION_OWN),
    "catalogueEntrySubmit": (SUBMIT, _unrecognised, INSTITUTION_OWN),
    "catalogueEntryRecognise": (RECOGNISE, _recognise, ADMIN_ONLY),
    "catalogueEntryRefuse": (REFUSE, _refuse, ADMIN_ONLY),
    "subtypeAuthorise": (AUTHORISE, _grant, ADMIN_ONLY),
    "subtypeAuthorisationRevoke": (REVOKE, _granted, ADMIN_ONLY),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mutation", list(MUTATIONS))
async def test_every_role_against_every_mutation(api, admin_token, mutation, role):
    query, make_variables, outcomes = MUTATIONS[mutation]
    world = await catalogue_world(api, admin_token)
    variables = await make_variables(api, world)
    token = world.tokens[role]
    expected = outcomes[role]
    before = await _state()
    if expected in (UNAUTHENTICATED, FORBIDDEN):
        assert await top_level_error(api, query, variables, token) == expected
    else:
        payload = await _payload(api, query, variables, token)
        if expected == OK:
            assert payload["errors"] == [], payload
        else:
            assert [code for _, code in codes(payload)] == [expected]
    after = await _state()
    if expected == OK:
        assert after != before and after["audit"] > before["audit"]
    else:
        assert after == before


@pytest.mark.parametrize("role", ROLES)
async def test_who_reads_what(api, admin_token, role):
    world = await catalogue_world(api, admin_token)
    await recognised_entry(api, world.tokens["main"], admin_token)
    token = world.tokens[role]
    public = await api.gql(PUBLIC, token=token)
    assert public["publicCatalogue"]["totalCount"] == 1
    assert (
        len((await api.gql("{ achievementSubtypes { code } }", token=token))["achievementSubtypes"])
        == 13
    )

    expected_list = {
        "anonymous": UNAUTHENTICATED,
        "learner": FORBIDDEN,
        "main": 1,
        "sub": 1,
        "api_token": 1,
        "other_main": 0,
        "pending": "NOT_APPROVED",
        "admin": 1,
    }[role]
    if isinstance(expected_list, int):
        listed = await api.gql(ENTRIES, token=token)
        assert listed["catalogueEntries"]["totalCount"] == expected_list
    else:
        response = await api.post(ENTRIES, {}, token)
        assert response.json()["errors"][0]["extensions"]["code"] == expected_list

    queue = {"admin": OK, "anonymous": UNAUTHENTICATED}.get(role, FORBIDDEN)
    if queue == OK:
        await api.gql(QUEUE, token=token)
    else:
        assert await top_level_error(api, QUEUE, {}, token) == queue

    mine = {
        "main": OK,
        "sub": OK,
        "api_token": OK,
        "other_main": OK,
        "pending": OK,
        "anonymous": UNAUTHENTICATED,
    }.get(role, FORBIDDEN)
    if mine == OK:
        await api.gql(MY_AUTHORISATIONS, token=token)
    else:
        assert await top_level_error(api, MY_AUTHORISATIONS, {}, token) == mine


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
