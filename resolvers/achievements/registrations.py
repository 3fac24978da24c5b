"""A learner's own achievements (个人成果): 我的成果, and registering new ones (登记新成果), matched
automatically against the recognised catalogue entries; changed or deleted while registered."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import (
    AchievementSource,
    AchievementStatus,
    AchievementSubtype,
    DetailSchema,
    InstitutionAchievement,
    InstitutionStatus,
    LearnerAchievement,
)
from resolvers.achievements.checks import (
    ACHIEVEMENT_LINK,
    changed_state,
    check_issue_date,
    duplicate_holding,
    guarded_update,
    learner_holds,
    text_filter,
    unique_ids,
)
from resolvers.achievements.details import TermBook, validate_details
from resolvers.achievements.matching import find_match
from resolvers.core import audit
from resolvers.core.actors import Actor, require_learner
from resolvers.core.clock import now, today
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker
from resolvers.messages import notify, to_learner

MAX_INTRODUCTION = 2000


class ObtainedBy(StrEnum):
    """个人获取成果 (everything but conversions) / 转换获取成果."""

    PERSONAL = "personal"
    CONVERSION = "conversion"


class DetailsSource(Protocol):
    """The typed details as they arrived (the GraphQL oneOf input), read for a subtype's schema."""

    def to_domain(self, expected: DetailSchema, field: str = "details") -> dict[str, Any]: ...


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


def _own_query(learner_id: uuid.UUID, filters: OwnFilter) -> QuerySet[LearnerAchievement]:
    query = text_filter(LearnerAchievement.filter(learner_id=learner_id), "name", filters.name)
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
    check_issue_date(problems, "issueDate", data.issue_date)
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
    if await learner_holds(
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
        raise duplicate_holding() from None
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
            await guarded_update([row.id], AchievementStatus.REGISTERED, "id", **prepared.values)
            row.update_from_dict(prepared.values)
            await audit.record_change(actor, "learner_achievement.update", row, before)
            if match is not None:
                await _store_matched(actor, row, match)
    except IntegrityError:
        raise duplicate_holding() from None
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
    unique = unique_ids(ids, problems)
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
            raise changed_state("ids")
        for row in rows:
            await audit.record(actor, "learner_achievement.delete", row, before=audit.snapshot(row))
    return unique
