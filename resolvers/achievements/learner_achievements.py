"""Learner achievements (学员成果 / 个人成果): an institution's deposits and withdrawals, a
learner's own registrations with automatic matching, and the administrators' review of the
registrations that matched nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Protocol

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import (
    AchievementSource,
    AchievementStatus,
    AchievementSubtype,
    DetailSchema,
    IdType,
    Institution,
    InstitutionAchievement,
    InstitutionStatus,
    Learner,
    LearnerAchievement,
    LearnerStatus,
    RecognitionStatus,
    SubtypeAuthorisation,
)
from resolvers.accounts.learners import create_with_card
from resolvers.achievements.details import TermBook, validate_details
from resolvers.achievements.matching import find_match
from resolvers.certificates.lifecycle import revoke_listing
from resolvers.conversion.withdrawn_sources import (
    fail_relying_applications,
    tell_about_withdrawn_bases,
)
from resolvers.core import audit
from resolvers.core.actors import Actor, require_admin, require_institution, require_learner
from resolvers.core.clock import SHANGHAI, now, today
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.files import attach_file
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker, normalize_id_number
from resolvers.messages import notify, to_learner

EARLIEST_ISSUE_DATE = dt.date(1950, 1, 1)
MAX_BATCH = 100
MAX_REASON = 500
MAX_INTRODUCTION = 2000
MAX_CREDITS = Decimal(1000)
ACHIEVEMENT_LINK = "/achievements/{id}"


class ObtainedBy(StrEnum):
    """个人获取成果 (everything but conversions) / 转换获取成果."""

    PERSONAL = "personal"
    CONVERSION = "conversion"


class DetailsSource(Protocol):
    """The typed details as they arrived (the GraphQL oneOf input), read for a subtype's schema."""

    def to_domain(self, expected: DetailSchema, field: str = "details") -> dict[str, Any]: ...


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


@dataclass
class RegistrationInput:
    """登记新成果: a catalogue entry chosen (its information taken over), or entered by hand."""

    certificate_number: str
    issue_date: dt.date
    catalogue_entry_id: uuid.UUID | None = None
    subtype: str | None = None
    name: str = ""
    issuer_name: str = ""
    details: DetailsSource | None = None
    introduction: str = ""


@dataclass
class OwnFilter:
    name: str | None = None
    category: str | None = None
    subtype: str | None = None
    obtained: ObtainedBy | None = None


@dataclass
class OwnCounts:
    personally_obtained: int
    conversion_obtained: int


# -- shared checks -------------------------------------------------------------------------------


def _check_issue_date(problems: Problems, field: str, value: dt.date) -> None:
    if value > today():
        problems.add(field, ErrorCode.INVALID, "颁证日期不能晚于今天")
    elif value < EARLIEST_ISSUE_DATE:
        problems.add(field, ErrorCode.INVALID, "颁证日期不能早于1950年")


def year_range(year: int) -> tuple[dt.datetime, dt.datetime]:
    if not 1950 <= year <= 2100:
        raise DomainError.of(ErrorCode.INVALID, "入库年份不正确", "year")
    start = dt.datetime(year, 1, 1, tzinfo=SHANGHAI)
    return start, dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)


def _ids(ids: list[uuid.UUID], problems: Problems) -> list[uuid.UUID]:
    unique = list(dict.fromkeys(ids))
    if not unique:
        problems.add("ids", ErrorCode.REQUIRED, "请选择成果")
    elif len(unique) > MAX_BATCH:
        problems.add("ids", ErrorCode.TOO_LONG, f"一次最多选择{MAX_BATCH}条")
    return unique


def _text_filter(query: QuerySet, field: str, value: str | None) -> QuerySet:
    value = (value or "").strip()
    return query.filter(**{f"{field}__icontains": value}) if value else query


async def _learner_holds(
    learner_id: uuid.UUID,
    certificate_number: str,
    *,
    entry_ids: list[uuid.UUID],
    same_as: dict[str, str] | None = None,
    exclude: uuid.UUID | None = None,
) -> bool:
    """Whether the learner already holds one of ``entry_ids`` (or, for a hand-entered one, the
    same subtype, issuer and name) with this certificate number."""
    condition = Q(catalogue_entry_id__in=entry_ids) if entry_ids else None
    if same_as is not None:
        hand = Q(**same_as)
        condition = hand if condition is None else condition | hand
    if condition is None:
        return False
    query = LearnerAchievement.filter(condition, learner_id=learner_id)
    query = query.filter(certificate_number=certificate_number)
    if exclude is not None:
        query = query.exclude(id=exclude)
    return await query.exists()


def _changed(field: str) -> DomainError:
    return DomainError.of(ErrorCode.WRONG_STATE, "成果状态已变化，请刷新后重试", field)


async def _guarded_update(
    ids: list[uuid.UUID], expected: AchievementStatus, field: str, **changes: Any
) -> None:
    """Change rows only if every one is still in the ``expected`` state: a conditional UPDATE,
    so a concurrent change (another reviewer, a withdrawal) makes this one fail whole, on SQLite
    as on PostgreSQL."""
    changed = await LearnerAchievement.filter(id__in=ids, status=expected).update(
        updated_at=now(), **changes
    )
    if changed != len(ids):
        raise _changed(field)


def _duplicate() -> DomainError:
    return DomainError.of(
        ErrorCode.CONFLICT, "该学员已持有此成果（相同的个人成果编号）", "certificateNumber"
    )


# -- institution deposits ------------------------------------------------------------------------


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
    _check_issue_date(checker.problems, "issueDate", data.issue_date)
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
    if learner is not None and await _learner_holds(
        learner.id, certificate_number, entry_ids=[entry.id]
    ):
        raise _duplicate()
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
        raise _duplicate() from None
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
    query = _text_filter(query, "name", filters.name)
    if filters.category:
        query = query.filter(category_id=filters.category)
    query = _text_filter(query, "learner__name", filters.learner_name)
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


async def withdraw_achievements(
    actor: Actor, ids: list[uuid.UUID], reason: str, file_id: uuid.UUID | None = None
) -> list[LearnerAchievement]:
    """撤回 / 批量撤回 of what the institution deposited or granted by conversion: all or
    nothing; every learner concerned is told."""
    institution_id = require_institution(actor, people_only=True)
    checker = FieldChecker()
    reason = checker.text("reason", reason, max_length=MAX_REASON)
    unique = _ids(ids, checker.problems)
    checker.done()
    file = await attach_file(actor, file_id, "fileId") if file_id is not None else None
    institution = await Institution.get(id=institution_id)
    async with in_transaction():
        found = {
            row.id: row
            for row in await LearnerAchievement.select_for_update().filter(
                id__in=unique,
                institution_id=institution_id,
                source__in=(AchievementSource.INSTITUTION, AchievementSource.CONVERSION),
            )
        }
        problems = Problems()
        for index, achievement_id in enumerate(unique):
            row = found.get(achievement_id)
            if row is None:
                problems.add(f"ids.{index}", ErrorCode.NOT_FOUND, "成果不存在")
            elif row.status != AchievementStatus.STORED:
                problems.add(
                    f"ids.{index}", ErrorCode.WRONG_STATE, f"成果已{row.status.label}，不能撤回"
                )
        problems.raise_if_any()
        moment = now()
        rows = [found[achievement_id] for achievement_id in unique]
        by_learner: dict[uuid.UUID, list[LearnerAchievement]] = defaultdict(list)
        changes = {
            "status": AchievementStatus.WITHDRAWN,
            "withdrawn_reason": reason,
            "withdrawn_at": moment,
            "withdrawn_file_id": file.id if file is not None else None,
        }
        await _guarded_update(unique, AchievementStatus.STORED, "ids", **changes)
        await fail_relying_applications(actor, unique, reason)
        await tell_about_withdrawn_bases(unique, reason)
        revoked = defaultdict(list)
        for certificate in await revoke_listing(actor, unique, reason):
            revoked[certificate.learner_id].append(certificate.number)
        for row in rows:
            before = audit.snapshot(row)
            row.update_from_dict(changes)
            await audit.record_change(actor, "learner_achievement.withdraw", row, before)
            by_learner[row.learner_id].append(row)
        await notify(
            *(
                to_learner(
                    learner_id,
                    "achievement.withdrawn",
                    "成果撤回通知",
                    f"{institution.name}撤回了您的学习成果"
                    + "、".join(f"“{row.name}”" for row in held)
                    + f"，撤回原因：{reason}"
                    + (
                        "。列有该成果的证明已随之撤销（编号" + "、".join(revoked[learner_id]) + "）"
                        if revoked[learner_id]
                        else ""
                    ),
                    ACHIEVEMENT_LINK.format(id=held[0].id),
                    held[0].id,
                )
                for learner_id, held in by_learner.items()
            )
        )
    return rows


# -- a learner's own achievements ----------------------------------------------------------------


def _own_query(learner_id: uuid.UUID, filters: OwnFilter) -> QuerySet[LearnerAchievement]:
    query = _text_filter(LearnerAchievement.filter(learner_id=learner_id), "name", filters.name)
    if filters.category:
        query = query.filter(category_id=filters.category)
    if filters.subtype:
        query = query.filter(subtype_id=filters.subtype)
    return query


async def list_own(
    actor: Actor, page: int, page_size: int, filters: OwnFilter
) -> tuple[list[LearnerAchievement], int]:
    """我的成果, newest first."""
    query = _own_query(require_learner(actor), filters)
    if filters.obtained == ObtainedBy.CONVERSION:
        query = query.filter(source=AchievementSource.CONVERSION)
    elif filters.obtained == ObtainedBy.PERSONAL:
        query = query.exclude(source=AchievementSource.CONVERSION)
    return await paginate(query, page, page_size, "-created_at")


async def own_counts(actor: Actor, filters: OwnFilter) -> OwnCounts:
    """个人获取成果 N / 转换获取成果 M, under the same name and type filters."""
    query = _own_query(require_learner(actor), filters)
    conversion = await query.filter(source=AchievementSource.CONVERSION).count()
    return OwnCounts(await query.count() - conversion, conversion)


async def get_own(actor: Actor, achievement_id: uuid.UUID) -> LearnerAchievement:
    row = await LearnerAchievement.get_or_none(id=achievement_id, learner_id=require_learner(actor))
    if row is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "成果不存在", "id")
    return row


@dataclass
class _Registration:
    entry: InstitutionAchievement | None
    schema: DetailSchema
    values: dict[str, Any]


async def _prepare_registration(data: RegistrationInput) -> _Registration:
    checker = FieldChecker()
    problems = checker.problems
    certificate_number = checker.text("certificateNumber", data.certificate_number, max_length=60)
    _check_issue_date(problems, "issueDate", data.issue_date)
    common = {"certificate_number": certificate_number, "issue_date": data.issue_date}
    if data.catalogue_entry_id is not None:
        entry = await InstitutionAchievement.get_or_none(
            id=data.catalogue_entry_id, institution__status=InstitutionStatus.APPROVED
        )
        if entry is None:
            problems.add("catalogueEntryId", ErrorCode.NOT_FOUND, "机构成果不存在")
        checker.done()
        assert entry is not None
        chosen = await AchievementSubtype.get(code=entry.subtype_id)
        values = {
            "subtype_id": entry.subtype_id,
            "category_id": entry.category_id,
            "name": entry.name,
            "issuer_name": entry.issuer_name,
            "details": entry.details,
            "introduction": entry.introduction,
            "institution_id": entry.institution_id,
            "catalogue_entry_id": entry.id,
        }
        return _Registration(entry, chosen.detail_schema, values | common)
    code = (data.subtype or "").strip()
    subtype = await AchievementSubtype.get_or_none(code=code, active=True) if code else None
    if subtype is None:
        problems.add(
            "subtype",
            ErrorCode.INVALID if code else ErrorCode.REQUIRED,
            "成果子类型不存在" if code else "请选择成果子类型",
        )
    name = checker.text("name", data.name, max_length=100)
    issuer_name = checker.text("issuerName", data.issuer_name, max_length=100)
    introduction = checker.text(
        "introduction", data.introduction, max_length=MAX_INTRODUCTION, required=False
    )
    details: dict[str, Any] = {}
    if subtype is not None:
        if data.details is None:
            problems.add("details", ErrorCode.REQUIRED, f"请填写{subtype.detail_schema.label}信息")
        else:
            try:
                raw = data.details.to_domain(subtype.detail_schema)
            except DomainError as error:
                problems.items.extend(error.problems)
            else:
                details = validate_details(
                    subtype.detail_schema, raw, await TermBook.load(), problems, today=today()
                )
    checker.done()
    assert subtype is not None
    values = {
        "subtype_id": subtype.code,
        "category_id": subtype.category_id,
        "name": name,
        "issuer_name": issuer_name,
        "details": details,
        "introduction": introduction,
        "institution_id": None,
        "catalogue_entry_id": None,
    }
    return _Registration(None, subtype.detail_schema, values | common)


async def _match_and_check(
    learner_id: uuid.UUID, prepared: _Registration, exclude: uuid.UUID | None = None
) -> InstitutionAchievement | None:
    values = prepared.values
    match = await find_match(
        subtype_id=values["subtype_id"],
        schema=prepared.schema,
        issuer_name=values["issuer_name"],
        name=values["name"],
        details=values["details"],
        preferred=prepared.entry.id if prepared.entry is not None else None,
    )
    entry_ids = [e.id for e in (prepared.entry, match) if e is not None]
    same_as = {key: values[key] for key in ("subtype_id", "issuer_name", "name")}
    if await _learner_holds(
        learner_id,
        values["certificate_number"],
        entry_ids=entry_ids,
        same_as=same_as,
        exclude=exclude,
    ):
        raise DomainError.of(
            ErrorCode.CONFLICT, "您已登记过该成果（相同的个人成果编号）", "certificateNumber"
        )
    return match


async def _store_matched(
    actor: Actor, row: LearnerAchievement, entry: InstitutionAchievement
) -> None:
    """自动匹配成功: stored at once with the entry's credits, linked to it; the learner is told."""
    before = audit.snapshot(row)
    row.catalogue_entry_id = entry.id
    row.institution_id = entry.institution_id
    row.status = AchievementStatus.STORED
    row.credits = entry.credits
    row.stored_at = now()
    await row.save()
    await audit.record_change(actor, "learner_achievement.match", row, before)
    await notify(
        to_learner(
            row.learner_id,
            "achievement.matched",
            "成果认定通知",
            f"您登记的学习成果“{row.name}”已自动匹配认定，存入学分银行，"
            f"获得学分银行学分{entry.credits if entry.credits is not None else 0}。",
            ACHIEVEMENT_LINK.format(id=row.id),
            row.id,
        )
    )


async def register_achievement(actor: Actor, data: RegistrationInput) -> LearnerAchievement:
    """登记新成果: registered, then matched automatically against recognised entries."""
    learner_id = require_learner(actor)
    prepared = await _prepare_registration(data)
    try:
        async with in_transaction():
            match = await _match_and_check(learner_id, prepared)
            row = await LearnerAchievement.create(
                learner_id=learner_id,
                source=AchievementSource.PERSONAL,
                status=AchievementStatus.REGISTERED,
                created_by_kind=actor.kind.value,
                created_by_id=learner_id,
                **prepared.values,
            )
            await audit.record(
                actor, "learner_achievement.register", row, after=audit.snapshot(row)
            )
            if match is not None:
                await _store_matched(actor, row, match)
    except IntegrityError:
        raise _duplicate() from None
    return row


async def update_registration(
    actor: Actor, achievement_id: uuid.UUID, data: RegistrationInput
) -> LearnerAchievement:
    """修改: only while registered; matched again afterwards."""
    learner_id = require_learner(actor)
    await _registered(learner_id, achievement_id)
    prepared = await _prepare_registration(data)
    try:
        async with in_transaction():
            row = await _registered(learner_id, achievement_id, lock=True)
            match = await _match_and_check(learner_id, prepared, exclude=row.id)
            before = audit.snapshot(row)
            await _guarded_update([row.id], AchievementStatus.REGISTERED, "id", **prepared.values)
            row.update_from_dict(prepared.values)
            await audit.record_change(actor, "learner_achievement.update", row, before)
            if match is not None:
                await _store_matched(actor, row, match)
    except IntegrityError:
        raise _duplicate() from None
    return row


async def _registered(
    learner_id: uuid.UUID, achievement_id: uuid.UUID, *, lock: bool = False, field: str = "id"
) -> LearnerAchievement:
    query = LearnerAchievement.select_for_update() if lock else LearnerAchievement
    row = await query.get_or_none(id=achievement_id, learner_id=learner_id)
    if row is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "成果不存在", field)
    if row.status != AchievementStatus.REGISTERED:
        raise DomainError.of(
            ErrorCode.WRONG_STATE,
            f"成果已{row.status.label}，只有登记状态的成果可以修改或删除",
            field,
        )
    return row


async def delete_registrations(actor: Actor, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """删除: only registered ones, all or nothing."""
    learner_id = require_learner(actor)
    problems = Problems()
    unique = _ids(ids, problems)
    problems.raise_if_any()
    async with in_transaction():
        rows = []
        for index, achievement_id in enumerate(unique):
            try:
                rows.append(
                    await _registered(learner_id, achievement_id, lock=True, field=f"ids.{index}")
                )
            except DomainError as error:
                problems.items.extend(error.problems)
        problems.raise_if_any()
        deleted = await LearnerAchievement.filter(
            id__in=unique, learner_id=learner_id, status=AchievementStatus.REGISTERED
        ).delete()
        if deleted != len(unique):
            raise _changed("ids")
        for row in rows:
            await audit.record(actor, "learner_achievement.delete", row, before=audit.snapshot(row))
    return unique


# -- administrators ------------------------------------------------------------------------------


async def list_pending(
    actor: Actor, page: int, page_size: int
) -> tuple[list[LearnerAchievement], int]:
    """Registrations that matched no recognised entry, oldest first."""
    require_admin(actor)
    query = LearnerAchievement.filter(
        status=AchievementStatus.REGISTERED, source=AchievementSource.PERSONAL
    )
    return await paginate(query, page, page_size, "created_at")


def _check_credits(problems: Problems, value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    try:
        credits = Decimal(value)
    except (InvalidOperation, ValueError):
        problems.add("credits", ErrorCode.INVALID, "学分应为数字")
        return None
    if not credits.is_finite() or not 0 <= credits <= MAX_CREDITS:
        problems.add("credits", ErrorCode.INVALID, f"学分应在0-{MAX_CREDITS}之间")
    elif credits.as_tuple().exponent < -2:  # type: ignore[operator]
        problems.add("credits", ErrorCode.INVALID, "学分最多保留两位小数")
    return credits


async def review_registration(
    actor: Actor,
    achievement_id: uuid.UUID,
    approve: bool,
    credits: Decimal | None = None,
    reason: str = "",
) -> LearnerAchievement:
    """存储 (with credits) or refuse (with a reason) a registration; the learner is told."""
    require_admin(actor)
    checker = FieldChecker()
    reason = checker.text("reason", reason, max_length=MAX_REASON, required=not approve)
    checked = _check_credits(checker.problems, credits) if approve else None
    checker.done()
    async with in_transaction():
        row = await LearnerAchievement.select_for_update().get_or_none(
            id=achievement_id, source=AchievementSource.PERSONAL
        )
        if row is None:
            raise DomainError.of(ErrorCode.NOT_FOUND, "成果不存在", "id")
        if row.status != AchievementStatus.REGISTERED:
            raise DomainError.of(ErrorCode.WRONG_STATE, f"成果已{row.status.label}", "id")
        before = audit.snapshot(row)
        if approve:
            changes: dict[str, Any] = {
                "status": AchievementStatus.STORED,
                "credits": checked,
                "stored_at": now(),
                "review_note": reason,
            }
            title = "成果审核通过"
            body = f"您登记的学习成果“{row.name}”已审核通过，存入学分银行" + (
                f"，获得学分银行学分{checked}。" if checked is not None else "。"
            )
        else:
            changes = {"status": AchievementStatus.REFUSED, "review_note": reason}
            title = "成果审核未通过"
            body = f"您登记的学习成果“{row.name}”未通过审核，原因：{reason}"
        # guarded by the state it was read in: of two reviewers at once, exactly one stands
        await _guarded_update([row.id], AchievementStatus.REGISTERED, "id", **changes)
        row.update_from_dict(changes)
        await audit.record_change(actor, "learner_achievement.review", row, before)
        await notify(
            to_learner(
                row.learner_id,
                "achievement.reviewed",
                title,
                body,
                ACHIEVEMENT_LINK.format(id=row.id),
                row.id,
            )
        )
    return row
