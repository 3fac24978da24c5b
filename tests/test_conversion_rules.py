"""Conversion rules (转换规则) over HTTP: daily codes, also under concurrent creation; the four
types and what their sources and targets may be; exempt modules; publishing with a policy, the
file and the pledge; the states and what each allows; the two lists of 转换规则管理 with their
filters; the portal for anyone; the bank's take-down; bad input and a role table that change
nothing; the catalogue's rule counts; SQL statements that do not grow with the list."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from models import (
    AuditEntry,
    ConversionApplication,
    ConversionPolicy,
    ConversionRule,
    ConversionRuleSource,
    ConversionRuleTarget,
    Initiator,
    InstitutionAchievement,
    InstitutionUser,
    Message,
    PolicyStatus,
    RecipientKind,
    RuleCodeSequence,
)
from resolvers.conversion.rules import code_day
from tests.achievement_fixtures import (
    COURSE,
    ROLES,
    AchievementWorld,
    build_world,
    make_entry,
)
from tests.catalogue_fixtures import ENTRIES, count_queries
from tests.institution_fixtures import (
    FIELD_ERRORS,
    OK,
    call,
    check_outcome,
    codes,
    make_institution,
    top_level_error,
)
from tests.test_files import PDF, uploaded

CERTIFICATE = {"level": "senior", "occupation": "中式烹调师"}

RULE_FIELDS = """
id code ruleType ruleTypeLabel status statusLabel description publishedAt createdAt
takenDownReason institutionId institutionName interpretationNote institution { id name }
file { id filename url }
sources { catalogueEntryId catalogueEntry { id name categoryLabel issuerName credits } }
targets { kind kindLabel catalogueEntryId exemptModules { name credits }
  catalogueEntry { id name details { __typename
    ... on DiplomaDetails { major majorCode levelLabel }
    ... on CourseDetails { courseCode originalHours originalCredits } } } }"""
PUBLIC_FIELDS = """
id code ruleType ruleTypeLabel status description publishedAt institutionName interpretationNote
file { filename url }
sources { catalogueEntry { id name credits institutionName } }
targets { kind kindLabel exemptModules { name credits } catalogueEntry { id name credits } }"""

CREATE = f"""
mutation Create($input: ConversionRuleInput!) {{
  conversionRuleCreate(input: $input) {{ {FIELD_ERRORS} rule {{ {RULE_FIELDS} }} }}
}}"""
UPDATE = f"""
mutation Update($input: ConversionRuleUpdateInput!) {{
  conversionRuleUpdate(input: $input) {{ {FIELD_ERRORS} rule {{ {RULE_FIELDS} }} }}
}}"""
DELETE = f"""
mutation Delete($id: ID!) {{ conversionRuleDelete(id: $id) {{ {FIELD_ERRORS} deletedId }} }}"""
PUBLISH = f"""
mutation Publish($id: ID!, $pledgeAccepted: Boolean! = false) {{
  conversionRulePublish(id: $id, pledgeAccepted: $pledgeAccepted) {{
    {FIELD_ERRORS} rule {{ {RULE_FIELDS} }} }}
}}"""
WITHDRAW = f"""
mutation Withdraw($id: ID!) {{
  conversionRuleWithdraw(id: $id) {{ {FIELD_ERRORS} rule {{ {RULE_FIELDS} }} }}
}}"""
TAKE_DOWN = f"""
mutation TakeDown($id: ID!, $reason: String!) {{
  conversionRuleTakeDown(id: $id, reason: $reason) {{ {FIELD_ERRORS} rule {{ {RULE_FIELDS} }} }}
}}"""
LIST = f"""
query Rules($scope: ConversionRuleScope! = MINE, $code: String, $ruleType: ConversionRuleType,
            $sourceName: String, $targetName: String, $institutionName: String,
            $status: ConversionRuleStatus, $page: Int! = 1, $pageSize: Int! = 10) {{
  conversionRules(scope: $scope, code: $code, ruleType: $ruleType, sourceName: $sourceName,
                  targetName: $targetName, institutionName: $institutionName, status: $status,
                  page: $page, pageSize: $pageSize) {{
    totalCount page pageSize items {{ {RULE_FIELDS} }}
  }}
}}"""
ONE = f"query One($id: ID!) {{ conversionRule(id: $id) {{ {RULE_FIELDS} }} }}"
PORTAL = f"""
query Portal($code: String, $ruleType: ConversionRuleType, $sourceName: String,
             $targetName: String, $institutionName: String, $page: Int! = 1,
             $pageSize: Int! = 10) {{
  portalConversionRules(code: $code, ruleType: $ruleType, sourceName: $sourceName,
                        targetName: $targetName, institutionName: $institutionName,
                        page: $page, pageSize: $pageSize) {{
    totalCount items {{ {PUBLIC_FIELDS} }}
  }}
}}"""
PORTAL_ONE = f"query One($id: ID!) {{ portalConversionRule(id: $id) {{ {PUBLIC_FIELDS} }} }}"


@dataclass
class Entries:
    """Institution 1 (江苏测试学院1) grants majors, courses and a certificate; institution 2
    (江苏测试学院2) issues certificates and a diploma, and has a course of its own."""

    major: InstitutionAchievement
    course: InstitutionAchievement
    course_b: InstitutionAchievement
    certificate: InstitutionAchievement
    unrecognised_course: InstitutionAchievement
    other_certificate: InstitutionAchievement
    other_certificate_b: InstitutionAchievement
    other_unrecognised: InstitutionAchievement
    other_diploma: InstitutionAchievement
    other_course: InstitutionAchievement


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


@pytest.fixture
async def entries(world: AchievementWorld) -> Entries:
    one, two = world.institution, world.other_institution
    return Entries(
        major=world.entry,
        course=await make_entry(one, name="统计学原理", subtype="higher_course", details=COURSE),
        course_b=await make_entry(
            one, name="计量经济学", subtype="higher_course", details={**COURSE, "course_code": "C2"}
        ),
        certificate=await make_entry(
            one, name="统计员(高级)", subtype="other_certificate", details=CERTIFICATE
        ),
        unrecognised_course=await make_entry(
            one, name="待认定课程", subtype="higher_course", details=COURSE, recognised=False
        ),
        other_certificate=await make_entry(
            two, name="学习成果名录3(高级)", subtype="other_certificate", details=CERTIFICATE
        ),
        other_certificate_b=await make_entry(
            two,
            name="成果认定同步1(高级)",
            subtype="other_certificate",
            details={**CERTIFICATE, "occupation": "面点师"},
        ),
        other_unrecognised=await make_entry(
            two,
            name="未认定证书",
            subtype="other_certificate",
            details=CERTIFICATE,
            recognised=False,
        ),
        other_diploma=await make_entry(
            two,
            name="植物保护与检疫技术毕业证书(高职)",
            details={
                "level": "vocational_college",
                "discipline": "agriculture",
                "discipline_class": "农业类",
                "major": "植物保护与检疫技术",
                "graduation_conclusion": "graduated",
                "schooling_years": 3,
                "min_graduation_credits": 120,
            },
        ),
        other_course=await make_entry(
            two, name="餐厅创建课程", subtype="higher_course", details=COURSE
        ),
    )


def _ids(*rows: InstitutionAchievement) -> list[str]:
    return [str(row.id) for row in rows]


def n2a(e: Entries, **overrides: Any) -> dict:
    """A valid 非学历转学历 input of institution 1: institution 2's certificate → a major and a
    course of institution 1."""
    data: dict[str, Any] = {
        "ruleType": "NON_ACADEMIC_TO_ACADEMIC",
        "sources": _ids(e.other_certificate),
        "targets": {"majors": _ids(e.major), "courses": _ids(e.course)},
        "description": "测试",
    }
    data.update(overrides)
    return data


def a2n(e: Entries, **overrides: Any) -> dict:
    """A valid 学历转非学历 input of institution 1: institution 2's diploma → its certificate
    with two exempt modules."""
    data: dict[str, Any] = {
        "ruleType": "ACADEMIC_TO_NON_ACADEMIC",
        "sources": _ids(e.other_diploma),
        "targets": {
            "nonAcademic": [
                {
                    "catalogueEntryId": str(e.certificate.id),
                    "exemptModules": [
                        {"name": "实操", "credits": "2"},
                        {"name": "机考", "credits": "2.5"},
                    ],
                }
            ]
        },
    }
    data.update(overrides)
    return data


async def create(api, token: str | None, data: dict) -> dict:
    payload = await call(api, CREATE, {"input": data}, token)
    assert payload["errors"] == [], payload
    return payload["rule"]


async def publish_policy(world: AchievementWorld, institution=None) -> ConversionPolicy:
    """A published policy written directly (the policy mutations are tested elsewhere)."""
    institution = institution or world.institution
    return await ConversionPolicy.create(
        institution=institution,
        name=f"{institution.name}转换办法",
        file_id=institution.id,
        status=PolicyStatus.PUBLISHED,
        published_at=dt.datetime.now(dt.UTC),
        created_by_id=institution.id,
    )


async def pdf(api, token: str | None, name: str = "转换规则.pdf") -> str:
    """The id of a PDF uploaded through ``fileUpload``."""
    assert token is not None
    return (await uploaded(api, token, name))["id"]


async def published(api, world: AchievementWorld, data: dict, role: str = "main") -> dict:
    """A rule created and published at once by ``role`` (its institution has a policy)."""
    token = world.tokens[role]
    data = {**data, "fileId": await pdf(api, token), "publish": True, "pledgeAccepted": True}
    return await create(api, token, data)


async def rule_tables() -> dict[str, list[dict]]:
    """Every row a refused request must leave alone."""
    return {
        "rule": await ConversionRule.all().order_by("id").values(),
        "source": await ConversionRuleSource.all().order_by("id").values(),
        "target": await ConversionRuleTarget.all().order_by("id").values(),
        "sequence": await RuleCodeSequence.all().order_by("day").values(),
        "audit": await AuditEntry.all().order_by("id").values(),
        "message": await Message.all().order_by("id").values(),
        "pledges": await InstitutionUser.all()
        .order_by("id")
        .values("id", "publishing_pledge_accepted_at"),
    }


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


# -- who may do what -----------------------------------------------------------------------------


def _outcomes(**overrides: str) -> dict[str, str]:
    outcomes = dict.fromkeys(ROLES, "FORBIDDEN")
    outcomes["anonymous"] = "UNAUTHENTICATED"
    outcomes.update(overrides)
    return outcomes


def _course_rule(e: Entries) -> dict:
    """Institution 1's rule with one target: another institution gets one NOT_ALLOWED."""
    return n2a(e, targets={"courses": _ids(e.course)})


async def _draft(api, world, e: Entries) -> dict:
    return await create(
        api,
        world.tokens["main"],
        {**_course_rule(e), "fileId": await pdf(api, world.tokens["main"])},
    )


async def _create_vars(api, world, e, role):
    return {"input": _course_rule(e)}


async def _update_vars(api, world, e, role):
    return {"input": {**a2n(e), "id": (await _draft(api, world, e))["id"]}}


async def _delete_vars(api, world, e, role):
    return {"id": (await _draft(api, world, e))["id"]}


async def _publish_vars(api, world, e, role):
    return {"id": (await _draft(api, world, e))["id"], "pledgeAccepted": True}


async def _withdraw_vars(api, world, e, role):
    return {"id": (await published(api, world, _course_rule(e)))["id"]}


async def _take_down_vars(api, world, e, role):
    return {"id": (await published(api, world, _course_rule(e)))["id"], "reason": "不符合要求"}


PERMISSIONS = [
    (
        "conversionRuleCreate",
        CREATE,
        _create_vars,
        _outcomes(main=OK, sub=OK, other_main="NOT_ALLOWED"),
    ),
    (
        "conversionRuleUpdate",
        UPDATE,
        _update_vars,
        _outcomes(main=OK, sub=OK, other_main="NOT_FOUND"),
    ),
    (
        "conversionRuleDelete",
        DELETE,
        _delete_vars,
        _outcomes(main=OK, sub=OK, other_main="NOT_FOUND"),
    ),
    (
        "conversionRulePublish",
        PUBLISH,
        _publish_vars,
        _outcomes(main=OK, sub=OK, other_main="NOT_FOUND"),
    ),
    (
        "conversionRuleWithdraw",
        WITHDRAW,
        _withdraw_vars,
        _outcomes(main=OK, sub=OK, other_main="NOT_FOUND"),
    ),
    ("conversionRuleTakeDown", TAKE_DOWN, _take_down_vars, _outcomes(admin=OK)),
]


@pytest.mark.parametrize(
    ("name", "query", "variables", "outcomes"), PERMISSIONS, ids=[p[0] for p in PERMISSIONS]
)
async def test_permission_table(api, world, entries, name, query, variables, outcomes):
    await publish_policy(world)
    await publish_policy(world, world.other_institution)
    for role in ROLES:
        data = await variables(api, world, entries, role)
        await check_outcome(api, query, data, world.tokens[role], outcomes[role], rule_tables, role)


async def test_an_institution_not_yet_approved_cannot_make_rules(api, world, entries):
    from models import InstitutionStatus
    from tests.institution_fixtures import login_institution

    _, pending_main = await make_institution(3, InstitutionStatus.PENDING)
    token = await login_institution(api, pending_main.username)
    payload = await call(api, CREATE, {"input": n2a(entries)}, token)
    assert codes(payload) == [(None, "NOT_APPROVED")]
    assert await ConversionRule.all().count() == 0
