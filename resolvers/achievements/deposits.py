"""An institution's deposits (存储学员成果): storing one learner's achievement, creating the
learner's account when the ID number is new, and the list 学员成果管理."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import (
    AchievementSource,
    AchievementStatus,
    AchievementSubtype,
    IdType,
    Institution,
    InstitutionAchievement,
    Learner,
    LearnerAchievement,
    LearnerStatus,
    RecognitionStatus,
    SubtypeAuthorisation,
)
from resolvers.accounts.learners import create_with_card
from resolvers.achievements.checks import (
    ACHIEVEMENT_LINK,
    check_issue_date,
    duplicate_holding,
    learner_holds,
    text_filter,
    year_range,
)
from resolvers.core import audit
from resolvers.core.actors import Actor, require_institution
from resolvers.core.clock import now
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker, normalize_id_number
from resolvers.messages import notify, to_learner


@dataclass
class DepositInput:
    """存储学员成果 › 新增学员: one learner holding one of the institution's catalogue entries."""

    catalogue_entry_id: uuid.UUID
    learner_name: str
    id_number: str
    certificate_number: str
    issue_date: dt.date
    id_type: IdType = IdType.RESIDENT_ID


@dataclass
class DepositFilter:
    year: int | None = None  # 入库年份
    name: str | None = None
    category: str | None = None
    learner_name: str | None = None
    id_number: str | None = None
    status: AchievementStatus | None = None


async def check_may_deposit(institution_id: uuid.UUID, subtype: AchievementSubtype) -> None:
    if subtype.synced_only:
        raise DomainError.of(
            ErrorCode.NOT_ALLOWED,
            f"{subtype.label}由证书平台同步，不能手工存储",
            "catalogueEntryId",
        )
    if subtype.restricted and not await SubtypeAuthorisation.exists(
        institution_id=institution_id, subtype_id=subtype.code
    ):
        raise DomainError.of(
            ErrorCode.NOT_ALLOWED, f"机构未获授权存储{subtype.label}", "catalogueEntryId"
        )


async def deposit_achievement(actor: Actor, data: DepositInput) -> tuple[LearnerAchievement, bool]:
    """存储学员成果: stored at once; a new ID number creates an inactive learner account.
    Returns the achievement and whether the learner account was created now."""
    institution_id = require_institution(actor)
    checker = FieldChecker()
    learner_name = checker.text("learnerName", data.learner_name, max_length=50)
    id_number = checker.id_number("idNumber", data.id_type, data.id_number)
    certificate_number = checker.text("certificateNumber", data.certificate_number, max_length=60)
    check_issue_date(checker.problems, "issueDate", data.issue_date)
    checker.done()
    entry = await InstitutionAchievement.get_or_none(
        id=data.catalogue_entry_id, institution_id=institution_id
    )
    if entry is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "机构成果不存在", "catalogueEntryId")
    await check_may_deposit(institution_id, await AchievementSubtype.get(code=entry.subtype_id))
    learner = await Learner.get_or_none(id_type=data.id_type, id_number=id_number)
    if learner is not None and learner.name != learner_name:
        raise DomainError.of(
            ErrorCode.INVALID, "学员姓名与该证件号码的学习账户不一致", "learnerName"
        )
    if learner is not None and await learner_holds(
        learner.id, certificate_number, entry_ids=[entry.id]
    ):
        raise duplicate_holding()
    institution = await Institution.get(id=institution_id)
    created = learner is None
    try:
        async with in_transaction():
            if learner is None:
                learner = await create_with_card(
                    name=learner_name,
                    id_type=data.id_type,
                    id_number=id_number,
                    status=LearnerStatus.INACTIVE,
                    created_by_institution_id=institution_id,
                )
                await audit.record(actor, "learner.create", learner, after=audit.snapshot(learner))
            moment = now()
            row = await LearnerAchievement.create(
                learner_id=learner.id,
                catalogue_entry_id=entry.id,
                institution_id=institution_id,
                subtype_id=entry.subtype_id,
                category_id=entry.category_id,
                name=entry.name,
                issuer_name=entry.issuer_name,
                details=entry.details,
                introduction=entry.introduction,
                certificate_number=certificate_number,
                issue_date=data.issue_date,
                source=AchievementSource.INSTITUTION,
                status=AchievementStatus.STORED,
                credits=(
                    entry.credits
                    if entry.recognition_status == RecognitionStatus.RECOGNISED
                    else None
                ),
                created_by_kind=actor.kind.value,
                created_by_id=actor.id,
                stored_at=moment,
            )
            await audit.record(actor, "learner_achievement.deposit", row, after=audit.snapshot(row))
            await notify(
                to_learner(
                    learner.id,
                    "achievement.deposited",
                    "成果存储通知",
                    f"{institution.name}为您存储了学习成果“{row.name}”（个人成果编号"
                    f"{certificate_number}），已存入您的学分银行账户。",
                    ACHIEVEMENT_LINK.format(id=row.id),
                    row.id,
                )
            )
    except IntegrityError:
        raise duplicate_holding() from None
    return row, created


async def list_deposits(
    actor: Actor, page: int, page_size: int, filters: DepositFilter
) -> tuple[list[LearnerAchievement], int]:
    """学员成果管理: the achievements this institution deposited, newest first."""
    return await paginate(deposits_query(actor, filters), page, page_size, "-created_at")


def deposits_query(actor: Actor, filters: DepositFilter) -> QuerySet[LearnerAchievement]:
    """The rows of 学员成果管理 matching ``filters``, unordered (the list and the export)."""
    institution_id = require_institution(actor)
    query = LearnerAchievement.filter(
        institution_id=institution_id, source=AchievementSource.INSTITUTION
    )
    if filters.year is not None:
        start, end = year_range(filters.year)
        query = query.filter(created_at__gte=start, created_at__lt=end)
    query = text_filter(query, "name", filters.name)
    if filters.category:
        query = query.filter(category_id=filters.category)
    query = text_filter(query, "learner__name", filters.learner_name)
    if filters.id_number and filters.id_number.strip():
        query = query.filter(learner__id_number=normalize_id_number(filters.id_number))
    if filters.status is not None:
        query = query.filter(status=filters.status)
    return query


async def get_deposit(actor: Actor, achievement_id: uuid.UUID) -> LearnerAchievement:
    institution_id = require_institution(actor)
    row = await LearnerAchievement.get_or_none(
        id=achievement_id, institution_id=institution_id, source=AchievementSource.INSTITUTION
    )
    if row is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "成果不存在", "id")
    return row
