"""Published policies and rules written directly as rows (their own mutations are tested in
test_conversion_policy_* and test_conversion_rule_*), and the GraphQL documents of applications."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from models import (
    AuditEntry,
    ConversionApplication,
    ConversionApplicationSource,
    ConversionBatch,
    ConversionPolicy,
    ConversionReview,
    ConversionRule,
    ConversionRuleSource,
    ConversionRuleTarget,
    Institution,
    InstitutionAchievement,
    LearnerAchievement,
    Message,
    PolicyStatus,
    RuleStatus,
    RuleType,
    TargetKind,
)
from tests.achievement_fixtures import COURSE, make_entry
from tests.institution_fixtures import FIELD_ERRORS

CERTIFICATE = {"level": "senior", "occupation": "中式烹调师"}
_codes = itertools.count(1)

APPLICATION_FIELDS = (
    "id ruleCode status statusLabel initiator initiatorLabel failureReason appliedAt decidedAt "
    "learnerName learnerIdNumber rule { id code } "
    "sources { id name certificateNumber issueDate } "
    "targetAchievements { id name source status credits certificateNumber } "
    "initiatingInstitution { id name } batch { id name } "
    "reviews { decision decisionLabel reason reviewerName createdAt }"
)
APPLY = f"""
mutation Apply($ruleId: ID!) {{
  conversionApply(ruleId: $ruleId) {{ {FIELD_ERRORS} application {{ {APPLICATION_FIELDS} }} }}
}}"""
BATCH_APPLY = f"""
mutation Batch($input: ConversionBatchApplyInput!) {{
  conversionBatchApply(input: $input) {{ {FIELD_ERRORS}
    batch {{ id name learnerCount pendingCount initiatingInstitution {{ name }}
             rule {{ code }} }} }}
}}"""
REVIEW = f"""
mutation Review($input: ConversionReviewInput!) {{
  conversionApplicationReview(input: $input) {{ {FIELD_ERRORS} approvedCount rejectedCount
    applications {{ {APPLICATION_FIELDS} }} }}
}}"""
OPTION_FIELDS = (
    "eligible alreadyApplied targetsHeld applicationStatus rule { id code } "
    "heldSources { id name } missingSources { id name }"
)
OPTIONS = f"""
query {{ myConversionOptions {{ met {{ {OPTION_FIELDS} }} nearlyMet {{ {OPTION_FIELDS} }} }} }}"""
ACHIEVEMENT_RULES = f"""
query Rules($id: ID!, $targetName: String, $targetInstitution: String) {{
  achievementConversionRules(achievementId: $id, targetName: $targetName,
                             targetInstitution: $targetInstitution) {{ {OPTION_FIELDS} }}
}}"""
MY_APPLICATIONS = f"""
query Mine($status: ConversionApplicationStatus, $initiator: ConversionInitiator) {{
  myConversionApplications(status: $status, initiator: $initiator) {{
    totalCount succeededCount pendingCount failedCount items {{ {APPLICATION_FIELDS} }}
  }}
}}"""
INSTITUTION_APPLICATIONS = f"""
query Records($scope: ConversionRecordScope!, $year: Int, $ruleCode: String,
              $learnerName: String, $idNumber: String, $status: ConversionApplicationStatus) {{
  conversionApplications(scope: $scope, year: $year, ruleCode: $ruleCode,
                         learnerName: $learnerName, idNumber: $idNumber, status: $status) {{
    totalCount items {{ {APPLICATION_FIELDS} }}
  }}
}}"""
BATCHES = """
query Batches($pendingOnly: Boolean! = true, $initiatorName: String) {
  conversionBatches(pendingOnly: $pendingOnly, initiatorName: $initiatorName) {
    totalCount items { id name learnerCount pendingCount initiatingInstitution { name } }
  }
}"""
BATCH_APPLICATIONS = f"""
query Learners($batchId: ID!, $status: ConversionApplicationStatus) {{
  conversionBatchApplications(batchId: $batchId, status: $status) {{
    totalCount items {{ {APPLICATION_FIELDS} }}
  }}
}}"""
CANDIDATES = """
query Candidates($ruleId: ID!, $learnerName: String, $idNumber: String) {
  conversionBatchCandidates(ruleId: $ruleId, learnerName: $learnerName, idNumber: $idNumber) {
    totalCount items { id name idNumber }
  }
}"""
COUNTS = "query { conversionCounts { personalPending batchesPending received initiated } }"


async def publish_policy(institution: Institution) -> ConversionPolicy:
    return await ConversionPolicy.create(
        institution=institution,
        name=f"{institution.name}转换办法",
        file_id=institution.id,
        status=PolicyStatus.PUBLISHED,
        published_at=dt.datetime.now(dt.UTC),
        created_by_id=institution.id,
    )


async def certificate_entry(institution: Institution, name: str = "中式烹调师(高级)"):
    return await make_entry(
        institution, name=name, subtype="other_certificate", details=CERTIFICATE, credits="5"
    )


async def course_entry(
    institution: Institution, name: str = "烹饪工艺学", code: str = "C1001", **kwargs
) -> InstitutionAchievement:
    return await make_entry(
        institution,
        name=name,
        subtype="higher_course",
        details={**COURSE, "course_code": code},
        **kwargs,
    )


async def make_rule(
    institution: Institution,
    sources: list[InstitutionAchievement],
    targets: list[tuple[TargetKind, InstitutionAchievement, list[dict]]],
    *,
    rule_type: RuleType = RuleType.NON_ACADEMIC_TO_ACADEMIC,
    status: RuleStatus = RuleStatus.PUBLISHED,
) -> ConversionRule:
    """A rule of ``institution`` written as rows, with a code of its own test day."""
    rule = await ConversionRule.create(
        code=f"20220301{next(_codes):04d}",
        institution=institution,
        rule_type=rule_type,
        description="测试转换说明",
        status=status,
        published_at=dt.datetime.now(dt.UTC) if status == RuleStatus.PUBLISHED else None,
        created_by_id=institution.id,
    )
    for sort, entry in enumerate(sources):
        await ConversionRuleSource.create(
            rule=rule, catalogue_entry=entry, institution_id=entry.institution_id, sort=sort
        )
    for sort, (kind, entry, modules) in enumerate(targets):
        await ConversionRuleTarget.create(
            rule=rule, kind=kind, catalogue_entry=entry, exempt_modules=modules, sort=sort
        )
    return rule


def module(name: str, credits: str) -> dict:
    return {"name": name, "credits": str(Decimal(credits))}


CONVERSION_TABLES = (
    ConversionApplication,
    ConversionApplicationSource,
    ConversionBatch,
    ConversionReview,
    LearnerAchievement,
    Message,
)


async def conversion_rows() -> dict[str, list[dict]]:
    """Every row of the tables an application or a review writes."""
    return {
        model._meta.db_table: await model.all().order_by("id").values()
        for model in (*CONVERSION_TABLES, AuditEntry)
    }
