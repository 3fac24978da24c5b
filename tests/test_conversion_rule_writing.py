"""Conversion rules (转换规则) written over HTTP: daily codes, also under concurrent creation;
the four types and what their sources and targets may be; exempt modules; bad input that changes
nothing."""

from __future__ import annotations

import asyncio

import pytest

from models import (
    AuditEntry,
    ConversionRule,
    RuleCodeSequence,
)
from resolvers.conversion.rules import code_day
from tests.achievement_fixtures import (
    AchievementWorld,
    build_world,
)
from tests.conversion_rule_fixtures import (
    CREATE,
    UPDATE,
    Entries,
    _ids,
    a2n,
    build_entries,
    create,
    n2a,
    pdf,
    rule_tables,
)
from tests.institution_fixtures import (
    call,
    codes,
)


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


@pytest.fixture
async def entries(world: AchievementWorld) -> Entries:
    return await build_entries(world)


# -- codes ---------------------------------------------------------------------------------------


async def test_a_draft_gets_the_day_code_and_shows_what_it_converts(api, world, entries):
    token = world.tokens["main"]
    rule = await create(api, token, n2a(entries))
    day = code_day()
    assert rule["code"] == f"{day}0001"
    assert rule["createdAt"].endswith("+00:00")
    assert {k: rule[k] for k in ("ruleType", "ruleTypeLabel", "status", "statusLabel")} == {
        "ruleType": "NON_ACADEMIC_TO_ACADEMIC",
        "ruleTypeLabel": "非学历转学历",
        "status": "DRAFT",
        "statusLabel": "未提交",
    }
    assert rule["description"] == "测试" and rule["publishedAt"] is None
    assert rule["file"] is None and rule["takenDownReason"] == ""
    assert rule["institution"] == {"id": str(world.institution.id), "name": "江苏测试学院1"}
    assert rule["institutionName"] == "江苏测试学院1"
    assert rule["interpretationNote"] == "本转换规则的解释权归江苏测试学院1所有。"
    assert rule["sources"] == [
        {
            "catalogueEntryId": str(entries.other_certificate.id),
            "catalogueEntry": {
                "id": str(entries.other_certificate.id),
                "name": "学习成果名录3(高级)",
                "categoryLabel": "非学历成果",
                "issuerName": "江苏测试学院2",
                "credits": "4.00",
            },
        }
    ]
    assert [(t["kind"], t["kindLabel"], t["catalogueEntry"]["name"]) for t in rule["targets"]] == [
        ("MAJOR", "专业", "经济统计学毕业证书(本科)"),
        ("COURSE", "课程", "统计学原理"),
    ]
    major, course = (t["catalogueEntry"]["details"] for t in rule["targets"])
    assert major == {
        "__typename": "DiplomaDetails",
        "major": "经济统计学",
        "majorCode": None,
        "levelLabel": "本科",
    }
    assert course == {
        "__typename": "CourseDetails",
        "courseCode": "C1001",
        "originalHours": 48,
        "originalCredits": "3",
    }
    assert all(t["exemptModules"] == [] for t in rule["targets"])

    second = await create(api, world.tokens["sub"], a2n(entries))
    assert second["code"] == f"{day}0002"
    assert await RuleCodeSequence.get(day=day).values_list("last_number", flat=True) == 2
    entry = await AuditEntry.get(action="conversion_rule.create", object_id=rule["id"])
    assert entry.institution_id == world.institution.id
    assert entry.after is not None
    assert entry.after["code"] == rule["code"]
    assert entry.after["sources"] == [str(entries.other_certificate.id)]


async def test_concurrent_creations_of_two_institutions_get_distinct_consecutive_codes(
    api, world, entries
):
    mine = n2a(entries)
    theirs = {
        "ruleType": "NON_ACADEMIC_TO_ACADEMIC",
        "sources": _ids(entries.certificate),
        "targets": {"courses": _ids(entries.other_course)},
    }
    requests = [
        call(api, CREATE, {"input": theirs if n % 2 else mine}, world.tokens[role])
        for n, role in enumerate(["main", "other_main"] * 5)
    ]
    payloads = await asyncio.gather(*requests)
    assert all(payload["errors"] == [] for payload in payloads), payloads
    day = code_day()
    assert sorted(p["rule"]["code"] for p in payloads) == [f"{day}{n:04d}" for n in range(1, 11)]
    assert await ConversionRule.all().count() == 10
    assert (await RuleCodeSequence.get(day=day)).last_number == 10


async def test_a_day_has_at_most_9999_codes(api, world, entries):
    await RuleCodeSequence.create(day=code_day(), last_number=9999)
    before = await rule_tables()
    payload = await call(api, CREATE, {"input": n2a(entries)}, world.tokens["main"])
    assert codes(payload) == [(None, "CONFLICT")]
    assert "9999" in payload["errors"][0]["message"]
    assert await rule_tables() == before


# -- what a rule may convert ---------------------------------------------------------------------


async def test_the_four_types_take_sources_and_targets_of_their_categories(api, world, entries):
    e = entries
    token = world.tokens["main"]
    a2a = {
        "ruleType": "ACADEMIC_TO_ACADEMIC",
        "sources": _ids(e.other_diploma),
        "targets": {"courses": _ids(e.course, e.course_b)},
    }
    n2n = {
        "ruleType": "NON_ACADEMIC_TO_NON_ACADEMIC",
        "sources": _ids(e.other_certificate, e.other_certificate_b),
        "targets": {"nonAcademic": [{"catalogueEntryId": str(e.certificate.id)}]},
    }
    made = [await create(api, token, data) for data in (n2a(e), a2n(e), a2a, n2n)]
    assert [rule["ruleTypeLabel"] for rule in made] == [
        "非学历转学历",
        "学历转非学历",
        "学历转学历",
        "非学历转非学历",
    ]
    assert [t["kind"] for t in made[1]["targets"]] == ["NON_ACADEMIC"]
    assert made[1]["targets"][0]["exemptModules"] == [
        {"name": "实操", "credits": "2"},
        {"name": "机考", "credits": "2.5"},
    ]
    assert [t["kind"] for t in made[2]["targets"]] == ["COURSE", "COURSE"]
    assert len(made[3]["sources"]) == 2

    wrong = [
        # A certificate as the source of an academic-to-* rule, a diploma for non-academic.
        (
            {**a2a, "sources": _ids(e.other_certificate)},
            [("sources.0", "INVALID")],
        ),
        (
            n2a(e, sources=_ids(e.other_diploma)),
            [("sources.0", "INVALID")],
        ),
        # Academic targets for a non-academic target side, and the other way round.
        (
            {**n2n, "targets": {"courses": _ids(e.course)}},
            [("targets.nonAcademic", "REQUIRED"), ("targets.courses", "INVALID")],
        ),
        (
            n2a(
                e, targets={"courses": _ids(e.course), "nonAcademic": n2n["targets"]["nonAcademic"]}
            ),
            [("targets.nonAcademic", "INVALID")],
        ),
        # A major must be a diploma, a course a course, an academic target academic.
        (
            n2a(e, targets={"majors": _ids(e.course), "courses": _ids(e.major)}),
            [("targets.majors.0", "INVALID"), ("targets.courses.0", "INVALID")],
        ),
        (
            n2a(e, targets={"courses": _ids(e.certificate)}),
            [("targets.courses.0", "INVALID")],
        ),
        (
            {**n2n, "targets": {"nonAcademic": [{"catalogueEntryId": str(e.course.id)}]}},
            [("targets.nonAcademic.0.catalogueEntryId", "INVALID")],
        ),
    ]
    for data, expected in wrong:
        payload = await call(api, CREATE, {"input": data}, token)
        assert codes(payload) == expected, (data, payload)
    assert await ConversionRule.all().count() == 4


async def test_sources_are_recognised_entries_of_any_institution(api, world, entries):
    e = entries
    token = world.tokens["main"]
    # The institution's own recognised entry may be a source too.
    own = await create(
        api,
        token,
        {
            "ruleType": "NON_ACADEMIC_TO_ACADEMIC",
            "sources": _ids(e.certificate),
            "targets": {"courses": _ids(e.course)},
        },
    )
    assert own["sources"][0]["catalogueEntryId"] == str(e.certificate.id)

    unknown = "00000000-0000-4000-8000-000000000000"
    cases = [
        ([str(e.other_unrecognised.id)], [("sources.0", "NOT_FOUND")]),
        ([unknown], [("sources.0", "NOT_FOUND")]),
        ([str(e.other_certificate.id), str(e.other_certificate.id)], [("sources.1", "INVALID")]),
        (["not-an-id"], [("sources.0", "INVALID")]),
        ([], [("sources", "REQUIRED")]),
        ([str(e.other_certificate.id)] * 21, [("sources", "TOO_LONG")]),
    ]
    for sources, expected in cases:
        payload = await call(api, CREATE, {"input": n2a(e, sources=sources)}, token)
        assert codes(payload) == expected, (sources, payload)
    own_unrecognised = {
        "ruleType": "ACADEMIC_TO_ACADEMIC",
        "sources": _ids(e.unrecognised_course),
        "targets": {"courses": _ids(e.course)},
    }
    payload = await call(api, CREATE, {"input": own_unrecognised}, token)
    assert codes(payload) == [("sources.0", "WRONG_STATE")]
    assert await ConversionRule.all().count() == 1


async def test_targets_are_the_institutions_own_and_courses_are_required(api, world, entries):
    e = entries
    token = world.tokens["main"]
    cases = [
        (
            {"majors": _ids(e.major), "courses": _ids(e.other_course)},
            [("targets.courses.0", "NOT_ALLOWED")],
        ),
        ({"majors": _ids(e.major)}, [("targets.courses", "REQUIRED")]),
        ({"courses": _ids(e.unrecognised_course)}, [("targets.courses.0", "WRONG_STATE")]),
        (
            {"courses": _ids(e.course, e.course)},
            [("targets.courses.1", "INVALID")],
        ),
        (
            {"majors": _ids(e.major), "courses": ["00000000-0000-4000-8000-000000000000"]},
            [("targets.courses.0", "NOT_FOUND")],
        ),
        ({"courses": _ids(*[e.course] * 21)}, [("targets.courses", "TOO_LONG")]),
    ]
    for targets, expected in cases:
        payload = await call(api, CREATE, {"input": n2a(e, targets=targets)}, token)
        assert codes(payload) == expected, (targets, payload)
    # An entry cannot be both a source and a target.
    both = {
        "ruleType": "ACADEMIC_TO_ACADEMIC",
        "sources": _ids(e.course),
        "targets": {"courses": _ids(e.course)},
    }
    payload = await call(api, CREATE, {"input": both}, token)
    assert codes(payload) == [("targets.courses.0", "INVALID")]
    assert payload["errors"][0]["message"] == "同一成果不能既是源成果又是目标成果"
    # A major is optional.
    rule = await create(api, token, n2a(e, targets={"courses": _ids(e.course)}))
    assert [t["kind"] for t in rule["targets"]] == ["COURSE"]
    assert await ConversionRule.all().count() == 1


async def test_exempt_modules_of_non_academic_targets(api, world, entries):
    e = entries
    token = world.tokens["main"]

    def with_modules(modules: list[dict]) -> dict:
        return a2n(
            e,
            targets={
                "nonAcademic": [
                    {"catalogueEntryId": str(e.certificate.id), "exemptModules": modules}
                ]
            },
        )

    rule = await create(api, token, with_modules([]))
    assert rule["targets"][0]["exemptModules"] == []
    rule = await create(
        api,
        token,
        with_modules([{"name": " 理论 ", "credits": "0.5"}, {"name": "x", "credits": 100}]),
    )
    assert rule["targets"][0]["exemptModules"] == [
        {"name": "理论", "credits": "0.5"},
        {"name": "x", "credits": "100"},
    ]
    path = "targets.nonAcademic.0.exemptModules"
    payload = await call(
        api,
        CREATE,
        {
            "input": with_modules(
                [
                    {"name": "", "credits": "1"},
                    {"name": "长" * 51, "credits": "1"},
                    {"name": "实操", "credits": "0.4"},
                    {"name": "实操", "credits": "100.5"},
                    {"name": "机考", "credits": "1.234"},
                ]
            )
        },
        token,
    )
    assert codes(payload) == [
        (f"{path}.0.name", "REQUIRED"),
        (f"{path}.1.name", "TOO_LONG"),
        (f"{path}.2.credits", "INVALID"),
        (f"{path}.3.name", "INVALID"),
        (f"{path}.3.credits", "INVALID"),
        (f"{path}.4.credits", "INVALID"),
    ]
    many = [{"name": f"模块{n}", "credits": "1"} for n in range(21)]
    payload = await call(api, CREATE, {"input": with_modules(many)}, token)
    assert codes(payload) == [(path, "TOO_LONG")]
    payload = await call(api, CREATE, {"input": a2n(e, targets={})}, token)
    assert codes(payload) == [("targets.nonAcademic", "REQUIRED")]
    other = a2n(e, targets={"nonAcademic": [{"catalogueEntryId": str(e.other_certificate_b.id)}]})
    payload = await call(api, CREATE, {"input": other}, token)
    assert codes(payload) == [("targets.nonAcademic.0.catalogueEntryId", "NOT_ALLOWED")]
    assert await ConversionRule.all().count() == 2


async def test_bad_input_is_answered_field_by_field_and_writes_nothing(api, world, entries):
    e = entries
    other_file = await pdf(api, world.tokens["other_main"])
    data = n2a(
        e,
        sources=[str(e.other_unrecognised.id), str(e.other_diploma.id)],
        targets={"majors": _ids(e.course), "courses": _ids(e.other_course)},
        description="长" * 2001,
        fileId=other_file,
    )
    before = await rule_tables()
    payload = await call(api, CREATE, {"input": data}, world.tokens["main"])
    assert sorted(codes(payload), key=str) == sorted(
        [
            ("description", "TOO_LONG"),
            ("fileId", "NOT_FOUND"),
            ("sources.0", "NOT_FOUND"),
            ("sources.1", "INVALID"),
            ("targets.majors.0", "INVALID"),
            ("targets.courses.0", "NOT_ALLOWED"),
        ],
        key=str,
    )
    assert await rule_tables() == before
    # An update with bad input leaves the rule as it was.
    rule = await create(api, world.tokens["main"], n2a(e))
    before = await rule_tables()
    payload = await call(api, UPDATE, {"input": {**data, "id": rule["id"]}}, world.tokens["main"])
    assert len(payload["errors"]) == 6
    assert await rule_tables() == before
