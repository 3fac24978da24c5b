"""Demo data for ``make run``: the institutions the manuals show, an administrator, learners.

Idempotent: running it again changes nothing that exists."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from models import (
    AchievementSource,
    AchievementStatus,
    AchievementSubtype,
    ConversionPolicy,
    IdType,
    Institution,
    InstitutionAchievement,
    InstitutionKind,
    InstitutionStatus,
    InstitutionUser,
    Learner,
    LearnerAchievement,
    LearnerStatus,
    RecognitionStatus,
    RuleType,
    SubtypeAuthorisation,
)
from resolvers.accounts.admins import create_administrator
from resolvers.accounts.learners import create_with_card
from resolvers.accounts.passwords import hash_password
from resolvers.achievements.details import TermBook, validate_details
from resolvers.conversion.policies import create_policy
from resolvers.conversion.rule_checks import RuleInput
from resolvers.conversion.rules import create_rule
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import now
from resolvers.core.errors import Problems
from resolvers.core.files import FileKind, store_generated
from resolvers.core.storage import Storage
from resolvers.core.validation import credit_code_check_char, resident_id_check_char

DEMO_PASSWORD = "Demo1234"
DEMO_ADMIN = "admin"


def _credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


def _resident_id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


@dataclass(frozen=True)
class DemoInstitution:
    name: str
    kind: InstitutionKind
    credit_code: str
    school_type: str
    address: str
    postcode: str


INSTITUTIONS = [
    DemoInstitution(
        "长沙理工大学",
        InstitutionKind.SCHOOL,
        _credit_code("12430000444877560"),
        "本科",
        "湖南省长沙市天心区万家丽南路二段960号",
        "410114",
    ),
    DemoInstitution(
        "吉首大学",
        InstitutionKind.SCHOOL,
        _credit_code("12430000444879811"),
        "本科",
        "湖南省湘西土家族苗族自治州吉首市人民南路120号",
        "416000",
    ),
    DemoInstitution(
        "新疆美食培训中心",
        InstitutionKind.TRAINING_BODY,
        _credit_code("52650100MJ0000001"),
        "",
        "新疆乌鲁木齐市天山区解放南路1号",
        "830000",
    ),
    DemoInstitution(
        "南京市鼓楼区社区学院",
        InstitutionKind.COMMUNITY_COLLEGE,
        _credit_code("12320106466000001"),
        "",
        "江苏省南京市鼓楼区江东北路399号",
        "210036",
    ),
]

LEARNERS = [
    ("张三", _resident_id("43010219900101123"), "13800000001", LearnerStatus.ACTIVE),
    ("李四", _resident_id("43310119920315234"), "13800000002", LearnerStatus.ACTIVE),
    ("王芳", _resident_id("32010619950720456"), "13800000003", LearnerStatus.ACTIVE),
    ("赵敏", _resident_id("65010219980808567"), None, LearnerStatus.INACTIVE),
]


# The first school's recognised catalogue (subtype, name, details, credits), and who holds what.
CATALOGUE: list[tuple[str, str, dict[str, Any], Decimal]] = [
    (
        "higher_diploma",
        "经济统计学毕业证书(本科)",
        {
            "level": "bachelor",
            "discipline": "economics",
            "discipline_class": "经济学类",
            "major": "经济统计学",
            "graduation_conclusion": "graduated",
            "schooling_years": "4",
            "min_graduation_credits": "160",
        },
        Decimal(10),
    ),
    (
        "higher_course",
        "统计学原理",
        {"course_code": "STAT101", "original_hours": 48, "original_credits": "3"},
        Decimal(3),
    ),
]
HOLDINGS = [("张三", 0, "CSUST-2016-0001"), ("李四", 1, "CSUST-C-0002")]

# Conversion (seed 003 §2.3): the training centre's certificate, held by 王芳, converts into a
# course of the first school under its published policy and rule.
CERTIFICATE = (
    "other_certificate",
    "中式烹调师(高级)",
    {"level": "senior", "occupation": "中式烹调师"},
    Decimal(5),
)
COURSE = (
    "higher_course",
    "烹饪营养学",
    {"course_code": "NUTR201", "original_hours": 32, "original_credits": "2"},
    Decimal(2),
)
# The smallest PDF the upload check accepts, standing in for a stamped policy.
DEMO_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


async def _recognised_entry(
    institution: Institution,
    creator: InstitutionUser,
    terms: TermBook,
    item: tuple[str, str, dict[str, Any], Decimal],
) -> InstitutionAchievement:
    code, name, values, credits = item
    subtype = await AchievementSubtype.get(code=code)
    problems = Problems()
    details = validate_details(subtype.detail_schema, values, terms, problems)
    problems.raise_if_any()
    return await InstitutionAchievement.create(
        institution=institution,
        subtype_id=code,
        category_id=subtype.category_id,
        name=name,
        issuer_name=institution.name,
        details=details,
        introduction=f"{institution.name}{name}",
        recognition_status=RecognitionStatus.RECOGNISED,
        credits=credits,
        recognised_at=now(),
        created_by_id=creator.id,
    )


async def _deposit(
    learner_name: str, entry: InstitutionAchievement, number: str, creator: InstitutionUser
) -> None:
    learner = await Learner.get(name=learner_name, id_type=IdType.RESIDENT_ID)
    await LearnerAchievement.create(
        learner_id=learner.id,
        catalogue_entry_id=entry.id,
        institution_id=entry.institution_id,
        subtype_id=entry.subtype_id,
        category_id=entry.category_id,
        name=entry.name,
        issuer_name=entry.issuer_name,
        details=entry.details,
        introduction=entry.introduction,
        certificate_number=number,
        issue_date=dt.date(2020, 6, 30),
        source=AchievementSource.INSTITUTION,
        status=AchievementStatus.STORED,
        credits=entry.credits,
        created_by_kind="institution_user",
        created_by_id=creator.id,
        stored_at=now(),
    )


async def _demo_achievements(institution: Institution, creator: InstitutionUser) -> None:
    """A recognised catalogue for the first school, and deposits for two learners."""
    if await InstitutionAchievement.exists(institution_id=institution.id):
        return
    terms = await TermBook.load()
    entries = [await _recognised_entry(institution, creator, terms, item) for item in CATALOGUE]
    for learner_name, index, number in HOLDINGS:
        await _deposit(learner_name, entries[index], number, creator)


def _acting(user: InstitutionUser, institution: Institution) -> Actor:
    return Actor(
        ActorKind.INSTITUTION_USER,
        user.id,
        user.name,
        institution_id=institution.id,
        institution_approved=True,
        is_main=user.is_main,
    )


async def _demo_conversion(school: Institution, trainer: Institution, storage: Storage) -> None:
    """The training centre's certificate deposited for 王芳; the school's course, policy and a
    published rule turning the one into the other, made through the use-cases themselves."""
    if await ConversionPolicy.exists(institution_id=school.id):
        return
    terms = await TermBook.load()
    trainer_user = await InstitutionUser.get(institution=trainer, is_main=True)
    school_user = await InstitutionUser.get(institution=school, is_main=True)
    certificate = await _recognised_entry(trainer, trainer_user, terms, CERTIFICATE)
    await _deposit("王芳", certificate, "XJMS-2021-0003", trainer_user)
    course = await _recognised_entry(school, school_user, terms, COURSE)
    actor = _acting(school_user, school)
    policy_file = await store_generated(
        actor, f"{school.name}转换办法.pdf", DEMO_PDF, storage, FileKind.PDF
    )
    await create_policy(
        actor, f"{school.name}转换办法", policy_file.id, publish=True, pledge_accepted=True
    )
    rule_file = await store_generated(actor, "转换规则.pdf", DEMO_PDF, storage, FileKind.PDF)
    await create_rule(
        actor,
        RuleInput(
            rule_type=RuleType.NON_ACADEMIC_TO_ACADEMIC,
            source_ids=[certificate.id],
            course_ids=[course.id],
            description="持中式烹调师(高级)证书者，可申请转换烹饪营养学课程学分。",
            file_id=rule_file.id,
        ),
        publish=True,
        pledge_accepted=True,
    )


async def _authorise_restricted_entries(admin_id: uuid.UUID) -> None:
    """The bank's authorisation (授权) for each restricted subtype a demo institution keeps
    entries of, so every demo institution can deposit its own catalogue."""
    restricted = InstitutionAchievement.filter(subtype__restricted=True)
    for institution_id, subtype_id in set(
        await restricted.values_list("institution_id", "subtype_id")
    ):
        await SubtypeAuthorisation.get_or_create(
            institution_id=institution_id,
            subtype_id=subtype_id,
            defaults={"granted_by_id": admin_id},
        )


async def load_demo_data(storage: Storage) -> dict[str, list[str]]:
    """Create what is missing; returns the demo logins to print."""
    password_hash = await hash_password(DEMO_PASSWORD)
    logins: dict[str, list[str]] = {"institutions": [], "learners": []}
    async with in_transaction():
        admin = await create_administrator(DEMO_ADMIN, "学分银行管理中心")
        for index, demo in enumerate(INSTITUTIONS, start=1):
            institution = await Institution.get_or_none(credit_code=demo.credit_code)
            if institution is None:
                institution = await Institution.create(
                    name=demo.name,
                    credit_code=demo.credit_code,
                    kind=demo.kind,
                    school_type=demo.school_type,
                    supervising_department="教育厅",
                    legal_representative="负责人",
                    contact_person="联系人",
                    contact_phone=f"1390000000{index}",
                    contact_email=f"contact{index}@example.edu.cn",
                    postcode=demo.postcode,
                    address=demo.address,
                    business_scope="学历教育、职业培训",
                    registrant_name="联系人",
                    registrant_id_type=IdType.RESIDENT_ID.value,
                    registrant_id_number=_resident_id("11010519800101000"),
                    status=InstitutionStatus.APPROVED,
                    reviewed_at=now(),
                )
                await InstitutionUser.create(
                    institution=institution,
                    username=demo.credit_code,
                    name="联系人",
                    phone=f"1390000000{index}",
                    password_hash=password_hash,
                    is_main=True,
                )
            logins["institutions"].append(f"{demo.name}: {demo.credit_code} / {DEMO_PASSWORD}")
        for name, id_number, phone, status in LEARNERS:
            if not await Learner.exists(id_type=IdType.RESIDENT_ID, id_number=id_number):
                await create_with_card(
                    name=name,
                    id_type=IdType.RESIDENT_ID,
                    id_number=id_number,
                    phone=phone,
                    password_hash=password_hash if status == LearnerStatus.ACTIVE else None,
                    status=status,
                    activated_at=now() if status == LearnerStatus.ACTIVE else None,
                )
            if status == LearnerStatus.ACTIVE:
                logins["learners"].append(f"{name}: {id_number} or {phone} / {DEMO_PASSWORD}")
            else:
                logins["learners"].append(f"{name}: {id_number} (inactive, to be claimed)")
        first = await Institution.get(credit_code=INSTITUTIONS[0].credit_code)
        await _demo_achievements(first, await InstitutionUser.get(institution=first, is_main=True))
        trainer = await Institution.get(credit_code=INSTITUTIONS[2].credit_code)
        await _demo_conversion(first, trainer, storage)
        await _authorise_restricted_entries(admin.id)
    return logins
