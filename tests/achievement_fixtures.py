"""Catalogue entries, deposits and a world of every role, for the learner-achievement tests.

Catalogue entries are written directly as rows (their mutations live elsewhere); everything the
tests are about goes through the GraphQL API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from models import (
    AchievementSource,
    AchievementStatus,
    AchievementSubtype,
    AuditEntry,
    IdType,
    Institution,
    InstitutionAchievement,
    InstitutionUser,
    Learner,
    LearnerAchievement,
    LearnerStatus,
    Message,
    RecognitionStatus,
)
from resolvers.accounts.api_tokens import create_api_token
from resolvers.accounts.learners import create_with_card
from resolvers.achievements.details import TermBook, validate_details
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.errors import Problems
from tests.institution_fixtures import (
    FIELD_ERRORS,
    call,
    login_institution,
    login_learner,
    make_institution,
    make_institution_user,
    make_learner,
    phone,
    resident_id,
)

ROLES = ("anonymous", "learner", "other_learner", "main", "sub", "other_main", "api_token", "admin")

ACHIEVEMENT_FIELDS = (
    "id name category categoryLabel subtype subtypeLabel issuerName introduction "
    "certificateNumber issueDate source sourceLabel status statusLabel credits reviewNote "
    "withdrawnReason withdrawnAt createdAt storedAt catalogueEntryId "
    "learnerName learnerIdNumber learnerPhone institution { id name } "
    "withdrawnFile { id filename } "
    "details { __typename ... on DiplomaDetails { level levelLabel major } "
    "... on CourseDetails { courseCode originalHours } }"
)

DEPOSIT = f"""
mutation Deposit($input: AchievementDepositInput!) {{
  achievementDeposit(input: $input) {{ {FIELD_ERRORS} learnerCreated
    achievement {{ {ACHIEVEMENT_FIELDS} }} }}
}}"""
WITHDRAW = f"""
mutation Withdraw($input: AchievementWithdrawInput!) {{
  achievementWithdraw(input: $input) {{ {FIELD_ERRORS} achievements {{ {ACHIEVEMENT_FIELDS} }} }}
}}"""
REGISTER = f"""
mutation Register($input: AchievementRegisterInput!) {{
  achievementRegister(input: $input) {{ {FIELD_ERRORS} achievement {{ {ACHIEVEMENT_FIELDS} }} }}
}}"""
UPDATE = f"""
mutation Update($input: AchievementUpdateInput!) {{
  achievementUpdate(input: $input) {{ {FIELD_ERRORS} achievement {{ {ACHIEVEMENT_FIELDS} }} }}
}}"""
DELETE = f"""
mutation Delete($ids: [ID!]!) {{ achievementDelete(ids: $ids) {{ {FIELD_ERRORS} deletedIds }} }}"""
REVIEW = f"""
mutation Review($input: AchievementReviewInput!) {{
  achievementReview(input: $input) {{ {FIELD_ERRORS} achievement {{ {ACHIEVEMENT_FIELDS} }} }}
}}"""
DEPOSITED = f"""
query Deposited($page: Int! = 1, $pageSize: Int! = 20, $year: Int, $name: String,
                $category: String, $learnerName: String, $idNumber: String,
                $status: AchievementStatus) {{
  depositedAchievements(page: $page, pageSize: $pageSize, year: $year, name: $name,
                        category: $category, learnerName: $learnerName, idNumber: $idNumber,
                        status: $status) {{
    totalCount page pageSize items {{ {ACHIEVEMENT_FIELDS} }}
  }}
}}"""
DEPOSITED_ONE = f"""
query One($id: ID!) {{ depositedAchievement(id: $id) {{ {ACHIEVEMENT_FIELDS}
  learner {{ id name idNumber status }} }} }}"""
MINE = f"""
query Mine($page: Int! = 1, $pageSize: Int! = 10, $name: String, $category: String,
           $subtype: String, $obtained: AchievementObtainedBy) {{
  myAchievements(page: $page, pageSize: $pageSize, name: $name, category: $category,
                 subtype: $subtype, obtained: $obtained) {{
    totalCount personallyObtainedCount conversionObtainedCount credits
    items {{ {ACHIEVEMENT_FIELDS} }}
  }}
}}"""
MINE_ONE = f"query One($id: ID!) {{ myAchievement(id: $id) {{ {ACHIEVEMENT_FIELDS} }} }}"
PENDING = f"""
query Pending($page: Int! = 1, $pageSize: Int! = 20) {{
  pendingRegistrations(page: $page, pageSize: $pageSize) {{
    totalCount items {{ {ACHIEVEMENT_FIELDS} learner {{ name }} }}
  }}
}}"""

LEARNER_FIELDS = "id name idType idNumber phone status statusLabel cardNumber credits"
ACCOUNTS = f"""
query Accounts($page: Int! = 1, $pageSize: Int! = 20, $year: Int, $name: String,
               $idNumber: String) {{
  learnerAccounts(page: $page, pageSize: $pageSize, year: $year, name: $name,
                  idNumber: $idNumber) {{ totalCount items {{ {LEARNER_FIELDS} }} }}
}}"""
ACCOUNT_ACHIEVEMENTS = """
query Held($learnerId: ID!) {
  learnerAccountAchievements(learnerId: $learnerId) { totalCount items { id name status } }
}"""
ACCOUNT_CREATE = f"""
mutation Create($input: LearnerAccountCreateInput!) {{
  learnerAccountCreate(input: $input) {{ {FIELD_ERRORS} learner {{ {LEARNER_FIELDS} }} }}
}}"""
ACCOUNT_UPDATE = f"""
mutation Update($input: LearnerAccountUpdateInput!) {{
  learnerAccountUpdate(input: $input) {{ {FIELD_ERRORS} learner {{ {LEARNER_FIELDS} }} }}
}}"""
ACCOUNT_DELETE = f"""
mutation Delete($ids: [ID!]!) {{
  learnerAccountDelete(ids: $ids) {{ {FIELD_ERRORS} deletedIds }}
}}"""

ISSUED = "2022-06-30"

DIPLOMA = {
    "level": "bachelor",
    "discipline": "economics",
    "discipline_class": "经济学类",
    "major": "经济统计学",
    "graduation_conclusion": "graduated",
    "schooling_years": Decimal(4),
    "min_graduation_credits": Decimal(160),
}
DIPLOMA_INPUT = {
    "diploma": {
        "level": "bachelor",
        "discipline": "economics",
        "disciplineClass": "经济学类",
        "major": "经济统计学",
        "graduationConclusion": "graduated",
        "schoolingYears": "4",
        "minGraduationCredits": "160",
    }
}
COURSE = {"course_code": "C1001", "original_hours": 48, "original_credits": Decimal(3)}


async def stored_details(subtype: str, values: dict[str, Any]) -> dict[str, Any]:
    """The stored form of ``values`` for the subtype's schema, checked as the API would."""
    schema = (await AchievementSubtype.get(code=subtype)).detail_schema
    problems = Problems()
    stored = validate_details(schema, values, await TermBook.load(), problems)
    problems.raise_if_any()
    return stored


async def make_entry(
    institution: Institution,
    *,
    name: str = "经济统计学毕业证书(本科)",
    subtype: str = "higher_diploma",
    details: dict[str, Any] | None = None,
    recognised: bool = True,
    credits: str | None = "4",
    issuer_name: str | None = None,
) -> InstitutionAchievement:
    """A catalogue entry of ``institution``, recognised with ``credits`` unless told."""
    row = await AchievementSubtype.get(code=subtype)
    return await InstitutionAchievement.create(
        institution=institution,
        subtype_id=subtype,
        category_id=row.category_id,
        name=name,
        issuer_name=issuer_name or institution.name,
        details=await stored_details(subtype, details or DIPLOMA),
        introduction="测试成果简介",
        recognition_status=(
            RecognitionStatus.RECOGNISED if recognised else RecognitionStatus.UNRECOGNISED
        ),
        credits=Decimal(credits) if recognised and credits is not None else None,
        recognised_at=dt.datetime.now(dt.UTC) if recognised else None,
        created_by_id=institution.id,
    )


def deposit_input(entry: InstitutionAchievement, n: int, **overrides: Any) -> dict:
    """A valid ``AchievementDepositInput`` for learner ``n`` (``resident_id(n, "19950505")``,
    the ID number of ``make_learner(n)``, named ``学员{n}``)."""
    data = {
        "catalogueEntryId": str(entry.id),
        "learnerName": f"学员{n}",
        "idNumber": resident_id(n, "19950505"),
        "certificateNumber": f"CERT-{n:05d}",
        "issueDate": ISSUED,
    }
    data.update(overrides)
    return data


def hand_input(**overrides: Any) -> dict:
    """A valid hand-entered ``AchievementRegisterInput`` (a general higher education diploma)."""
    data = {
        "subtype": "higher_diploma",
        "name": "经济统计学毕业证书(本科)",
        "issuerName": "江苏测试学院1",
        "details": DIPLOMA_INPUT,
        "introduction": "本科毕业",
        "certificateNumber": "HAND-0001",
        "issueDate": ISSUED,
    }
    data.update(overrides)
    return data


async def stored_row(
    learner: Learner,
    entry: InstitutionAchievement,
    certificate_number: str,
    *,
    source: AchievementSource = AchievementSource.INSTITUTION,
    status: AchievementStatus = AchievementStatus.STORED,
) -> LearnerAchievement:
    """A learner achievement written directly (for states the test does not walk through)."""
    return await LearnerAchievement.create(
        learner=learner,
        catalogue_entry_id=entry.id,
        institution_id=entry.institution_id,
        subtype_id=entry.subtype_id,
        category_id=entry.category_id,
        name=entry.name,
        issuer_name=entry.issuer_name,
        details=entry.details,
        certificate_number=certificate_number,
        issue_date=dt.date(2022, 6, 30),
        source=source,
        status=status,
        credits=entry.credits if status == AchievementStatus.STORED else None,
        created_by_kind="institution_user",
        stored_at=dt.datetime.now(dt.UTC) if status == AchievementStatus.STORED else None,
    )


async def inactive_learner(institution: Institution, n: int, name: str | None = None) -> Learner:
    """An inactive account created by ``institution``, ID number ``resident_id(n, "20000101")``."""
    return await create_with_card(
        name=name or f"未激活{n}",
        id_type=IdType.RESIDENT_ID,
        id_number=resident_id(n, "20000101"),
        status=LearnerStatus.INACTIVE,
        created_by_institution_id=institution.id,
    )


async def row_counts() -> dict[str, int]:
    """The tables a refused request must leave alone."""
    return {
        "learner_achievement": await LearnerAchievement.all().count(),
        "learner": await Learner.all().count(),
        "message": await Message.all().count(),
        "audit_entry": await AuditEntry.all().count(),
    }


async def table_rows() -> dict[str, list[dict]]:
    """Every row of those tables, to compare before and after a refused request."""
    return {
        "learner_achievement": await LearnerAchievement.all().order_by("id").values(),
        "learner": await Learner.all().order_by("id").values(),
        "message": await Message.all().order_by("id").values(),
        "audit_entry": await AuditEntry.all().order_by("id").values(),
    }


async def messages_to(learner: Learner) -> list[Message]:
    return await Message.filter(recipient_id=learner.id).order_by("created_at", "id")


@dataclass
class AchievementWorld:
    """Institution 1 (main user, sub-user, API token) with a recognised catalogue entry;
    institution 2 with its main user; learners 1 and 2; an administrator."""

    institution: Institution
    main: InstitutionUser
    sub: InstitutionUser
    other_institution: Institution
    other_main: InstitutionUser
    learner: Learner
    other_learner: Learner
    entry: InstitutionAchievement
    api_token: str
    admin_token: str
    tokens: dict[str, str | None] = field(default_factory=dict)


async def build_world(api, admin_token: str) -> AchievementWorld:
    institution, main = await make_institution(1)
    sub = await make_institution_user(institution, "sub_user_a", phone(1, "138"))
    main_actor = Actor(
        ActorKind.INSTITUTION_USER,
        main.id,
        main.name,
        institution_id=institution.id,
        institution_approved=True,
        is_main=True,
    )
    _, secret = await create_api_token(main_actor, "教务系统")
    other_institution, other_main = await make_institution(2)
    world = AchievementWorld(
        institution=institution,
        main=main,
        sub=sub,
        other_institution=other_institution,
        other_main=other_main,
        learner=await make_learner(1),
        other_learner=await make_learner(2),
        entry=await make_entry(institution),
        api_token=secret,
        admin_token=admin_token,
    )
    world.tokens = {
        "anonymous": None,
        "learner": await login_learner(api, world.learner.phone or ""),
        "other_learner": await login_learner(api, world.other_learner.phone or ""),
        "main": await login_institution(api, main.username),
        "sub": await login_institution(api, sub.username),
        "other_main": await login_institution(api, other_main.username),
        "api_token": secret,
        "admin": admin_token,
    }
    return world


async def deposit(api, token: str | None, data: dict) -> dict:
    """The payload of an ``achievementDeposit`` that must succeed."""
    payload = await call(api, DEPOSIT, {"input": data}, token)
    assert payload["errors"] == [], payload
    return payload["achievement"]


async def register(api, token: str | None, data: dict) -> dict:
    payload = await call(api, REGISTER, {"input": data}, token)
    assert payload["errors"] == [], payload
    return payload["achievement"]
