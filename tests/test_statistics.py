"""Account overviews and bank-wide statistics, computed from real rows."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from models import (
    AchievementSource,
    AchievementStatus,
    ConversionRule,
    InstitutionAchievement,
    LearnerAchievement,
    RecognitionStatus,
    RuleStatus,
    RuleType,
)
from resolvers.accounts.admins import create_administrator, issue_admin_token
from tests.test_messages import _institution_user, _learner


async def _entry(institution_id, subtype: str, category: str, status=RecognitionStatus.RECOGNISED):
    return await InstitutionAchievement.create(
        institution_id=institution_id,
        subtype_id=subtype,
        category_id=category,
        name=f"{subtype}成果",
        issuer_name="长沙理工大学",
        details={},
        recognition_status=status,
        created_by_id=uuid.uuid4(),
    )


async def _holding(
    learner,
    entry,
    number: str,
    status: AchievementStatus,
    credits: str | None,
    source=AchievementSource.INSTITUTION,
):
    return await LearnerAchievement.create(
        learner=learner,
        catalogue_entry=entry,
        institution_id=entry.institution_id,
        subtype_id=entry.subtype_id,
        category_id=entry.category_id,
        name=entry.name,
        issuer_name=entry.issuer_name,
        details={},
        certificate_number=number,
        issue_date=dt.date(2022, 3, 1),
        source=source,
        status=status,
        credits=Decimal(credits) if credits else None,
        created_by_kind="institution_user",
    )


async def test_overviews_and_bank_statistics(api):
    learner, learner_token = await _learner(api, 1)
    school, school_token = await _institution_user(api)
    diploma = await _entry(school.id, "higher_diploma", "academic")
    course = await _entry(school.id, "higher_course", "academic", RecognitionStatus.UNRECOGNISED)
    certificate = await _entry(school.id, "other_certificate", "non_academic")
    await _holding(learner, diploma, "A1", AchievementStatus.STORED, "12.5")
    await _holding(learner, certificate, "C1", AchievementStatus.STORED, "2")
    await _holding(learner, course, "B1", AchievementStatus.WITHDRAWN, "3")
    await _holding(
        learner, diploma, "A2", AchievementStatus.STORED, "1.5", AchievementSource.CONVERSION
    )

    me = await api.as_(learner_token).gql(
        "{ learnerOverview { credits achievements stored withdrawn personallyObtained"
        " conversionObtained } viewer { learner { credits } } }"
    )
    overview = me["learnerOverview"]
    assert Decimal(overview.pop("credits")) == Decimal("16")
    assert overview == {
        "achievements": 4,
        "stored": 3,
        "withdrawn": 1,
        "personallyObtained": 3,
        "conversionObtained": 1,
    }
    assert Decimal(me["viewer"]["learner"]["credits"]) == Decimal("16")

    for n, status in enumerate(
        [RuleStatus.DRAFT, RuleStatus.PUBLISHED, RuleStatus.OFF_SHELF, RuleStatus.DRAFT], 1
    ):
        await ConversionRule.create(
            code=f"20220301{n:04d}",
            institution_id=school.id,
            rule_type=RuleType.NON_ACADEMIC_TO_ACADEMIC,
            status=status,
            created_by_id=uuid.uuid4(),
        )
    overview = (
        await api.as_(school_token).gql(
            "{ institutionOverview { catalogue { total academic nonAcademic } deposits { total"
            " academic nonAcademic } rules { total draft published offShelf } learners } }"
        )
    )["institutionOverview"]
    assert overview == {
        "catalogue": {"total": 3, "academic": 2, "nonAcademic": 1},
        "deposits": {"total": 2, "academic": 1, "nonAcademic": 1},
        "rules": {"total": 4, "draft": 2, "published": 1, "offShelf": 1},
        "learners": 1,
    }

    admin = await issue_admin_token(await create_administrator("ops1", "管理员"))
    bank = (
        await api.as_(admin).gql(
            "{ bankStatistics { catalogueByCategoryAndRecognition { keys labels count }"
            " achievementsByStatus { keys count } rulesByState { keys labels count } } }"
        )
    )["bankStatistics"]
    assert {"keys": ["academic", "recognised"], "labels": ["学历成果", "已认定"], "count": 1} in (
        bank["catalogueByCategoryAndRecognition"]
    )
    assert {"keys": ["stored"], "count": 3} in bank["achievementsByStatus"]
    assert bank["rulesByState"] == [
        {"keys": ["draft"], "labels": ["未提交"], "count": 2},
        {"keys": ["off_shelf"], "labels": ["下架"], "count": 1},
        {"keys": ["published"], "labels": ["已发布"], "count": 1},
    ]


async def test_statistics_are_scoped_by_role(api):
    _, learner_token = await _learner(api, 1)
    for query in (
        "{ bankStatistics { learnersByStatus { count } } }",
        "{ institutionOverview { learners } }",
    ):
        body = (await api.post(query, token=learner_token)).json()
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
