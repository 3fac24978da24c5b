"""学员账户管理: the learner accounts an institution keeps — those it created and those it deposited
achievements for. It adds inactive accounts, edits and deletes only inactive ones it created
(deleting only those with no achievements), and sees the achievements it deposited for each."""

from __future__ import annotations

import uuid

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import AchievementSource, IdType, Learner, LearnerAchievement, LearnerStatus
from resolvers.accounts.learners import create_with_card
from resolvers.achievements.checks import MAX_BATCH, year_range
from resolvers.core import audit
from resolvers.core.actors import Actor, require_institution
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker, normalize_id_number


def kept_by(institution_id: uuid.UUID) -> QuerySet[Learner]:
    """The learner accounts an institution keeps: those it created and those it deposited
    achievements for."""
    deposited_for = LearnerAchievement.filter(
        institution_id=institution_id, source=AchievementSource.INSTITUTION
    ).values("learner_id")
    return Learner.filter(
        Q(created_by_institution_id=institution_id) | Q(id__in=Subquery(deposited_for))
    )


async def list_learner_accounts(
    actor: Actor,
    page: int,
    page_size: int,
    year: int | None = None,
    name: str | None = None,
    id_number: str | None = None,
) -> tuple[list[Learner], int]:
    """学员信息, newest first; 入库年份 is the year the account was created."""
    query = learner_accounts_query(actor, year, name, id_number)
    return await paginate(query, page, page_size, "-created_at")


def learner_accounts_query(
    actor: Actor, year: int | None = None, name: str | None = None, id_number: str | None = None
) -> QuerySet[Learner]:
    """The accounts of 学员信息 matching its filters (入库年份, 学员姓名 a part of it, 身份证号),
    unordered; shared by the list and 学员信息导出."""
    query = kept_by(require_institution(actor))
    if year is not None:
        start, end = year_range(year)
        query = query.filter(created_at__gte=start, created_at__lt=end)
    if name and name.strip():
        query = query.filter(name__icontains=name.strip())
    if id_number and id_number.strip():
        query = query.filter(id_number=normalize_id_number(id_number))
    return query


async def kept_learner(actor: Actor, learner_id: uuid.UUID) -> Learner:
    learner = await kept_by(require_institution(actor)).get_or_none(id=learner_id)
    if learner is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "学员不存在", "learnerId")
    return learner


async def learner_account_achievements(
    actor: Actor, learner_id: uuid.UUID, page: int, page_size: int
) -> tuple[list[LearnerAchievement], int]:
    """查看成果: what this institution deposited for one of its learners."""
    learner = await kept_learner(actor, learner_id)
    query = LearnerAchievement.filter(
        learner_id=learner.id,
        institution_id=actor.institution_id,
        source=AchievementSource.INSTITUTION,
    )
    return await paginate(query, page, page_size, "-created_at")


def _identity(checker: FieldChecker, name: str, id_type: IdType, id_number: str) -> tuple:
    return (
        checker.text("name", name, max_length=50),
        checker.id_number("idNumber", id_type, id_number),
    )


def _taken() -> DomainError:
    return DomainError.of(ErrorCode.CONFLICT, "该证件号码已有学习账户", "idNumber")


async def create_learner_account(
    actor: Actor, name: str, id_type: IdType, id_number: str
) -> Learner:
    """增加新学员: an inactive account the person claims when they register."""
    institution_id = require_institution(actor)
    checker = FieldChecker()
    name, id_number = _identity(checker, name, id_type, id_number)
    checker.done()
    if await Learner.exists(id_type=id_type, id_number=id_number):
        raise _taken()
    try:
        async with in_transaction():
            learner = await create_with_card(
                name=name,
                id_type=id_type,
                id_number=id_number,
                status=LearnerStatus.INACTIVE,
                created_by_institution_id=institution_id,
            )
            await audit.record(actor, "learner.create", learner, after=audit.snapshot(learner))
    except IntegrityError:
        raise _taken() from None
    return learner


async def _own_inactive(
    institution_id: uuid.UUID, learner_id: uuid.UUID, field: str, *, lock: bool = True
) -> Learner:
    query = Learner.select_for_update() if lock else Learner
    learner = await query.get_or_none(id=learner_id)
    if learner is None or learner.created_by_institution_id != institution_id:
        raise DomainError.of(ErrorCode.NOT_FOUND, "学员不存在或不是本机构创建的", field)
    if learner.status != LearnerStatus.INACTIVE:
        raise DomainError.of(ErrorCode.WRONG_STATE, "已激活的学习账户不能修改或删除", field)
    return learner


async def update_learner_account(
    actor: Actor, learner_id: uuid.UUID, name: str, id_number: str, id_type: IdType | None = None
) -> Learner:
    """修改: only an inactive account this institution created."""
    institution_id = require_institution(actor, people_only=True)
    current = await _own_inactive(institution_id, learner_id, "id", lock=False)
    id_type = id_type or current.id_type
    checker = FieldChecker()
    name, id_number = _identity(checker, name, id_type, id_number)
    checker.done()
    if await Learner.filter(id_type=id_type, id_number=id_number).exclude(id=learner_id).exists():
        raise _taken()
    try:
        async with in_transaction():
            learner = await _own_inactive(institution_id, learner_id, "id")
            before = audit.snapshot(learner)
            learner.name, learner.id_type, learner.id_number = name, id_type, id_number
            await learner.save()
            await audit.record_change(actor, "learner.update", learner, before)
    except IntegrityError:
        raise _taken() from None
    return learner


async def delete_learner_accounts(actor: Actor, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """删除: inactive accounts this institution created that hold no achievement; all or
    nothing."""
    institution_id = require_institution(actor, people_only=True)
    problems = Problems()
    unique = list(dict.fromkeys(ids))
    if not unique:
        problems.add("ids", ErrorCode.REQUIRED, "请选择学员")
    elif len(unique) > MAX_BATCH:
        problems.add("ids", ErrorCode.TOO_LONG, f"一次最多选择{MAX_BATCH}条")
    problems.raise_if_any()
    async with in_transaction():
        learners = []
        for index, learner_id in enumerate(unique):
            field = f"ids.{index}"
            try:
                learner = await _own_inactive(institution_id, learner_id, field)
            except DomainError as error:
                problems.items.extend(error.problems)
                continue
            if await LearnerAchievement.exists(learner_id=learner_id):
                problems.add(field, ErrorCode.CONFLICT, f"学员{learner.name}已有成果，不能删除")
            learners.append(learner)
        problems.raise_if_any()
        for learner in learners:
            await audit.record(actor, "learner.delete", learner, before=audit.snapshot(learner))
            await learner.delete()
    return unique
