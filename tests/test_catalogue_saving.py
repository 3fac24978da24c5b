"""The catalogue over HTTP: saving, viewing and deleting entries."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from models import (
    AuditEntry,
    InstitutionAchievement,
)
from tests.catalogue_fixtures import (
    CREATE,
    DELETE,
    ENTRIES,
    ENTRY,
    authorise,
    create_entry,
    entry_input,
    hold,
    institution_with_token,
    recognised_entry,
    submit,
)
from tests.catalogue_http_fixtures import (
    _payload,
    _state,
)
from tests.institution_fixtures import (
    audit_actions,
    codes,
    make_learner,
)

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
