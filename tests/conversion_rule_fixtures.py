"""The documents, entries and helpers shared by the conversion-rule tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from models import (
    AuditEntry,
    ConversionPolicy,
    ConversionRule,
    ConversionRuleSource,
    ConversionRuleTarget,
    InstitutionAchievement,
    InstitutionUser,
    Message,
    PolicyStatus,
    RuleCodeSequence,
)
from tests.achievement_fixtures import (
    COURSE,
    AchievementWorld,
    make_entry,
)
from tests.institution_fixtures import (
    FIELD_ERRORS,
    call,
)
from tests.test_files import uploaded

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


async def build_entries(world: AchievementWorld) -> Entries:
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
