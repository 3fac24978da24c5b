"""What every use-case on learner achievements (学员成果) checks the same way: issue dates, batches
of ids, text filters, a learner already holding an achievement, and state-guarded updates."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models import AchievementStatus, LearnerAchievement
from resolvers.core.clock import SHANGHAI, now, today
from resolvers.core.errors import DomainError, ErrorCode, Problems

EARLIEST_ISSUE_DATE = dt.date(1950, 1, 1)
MAX_BATCH = 100
MAX_REASON = 500
ACHIEVEMENT_LINK = "/achievements/{id}"


def check_issue_date(problems: Problems, field: str, value: dt.date) -> None:
    if value > today():
        problems.add(field, ErrorCode.INVALID, "颁证日期不能晚于今天")
    elif value < EARLIEST_ISSUE_DATE:
        problems.add(field, ErrorCode.INVALID, "颁证日期不能早于1950年")


def year_range(year: int) -> tuple[dt.datetime, dt.datetime]:
    if not 1950 <= year <= 2100:
        raise DomainError.of(ErrorCode.INVALID, "入库年份不正确", "year")
    start = dt.datetime(year, 1, 1, tzinfo=SHANGHAI)
    return start, dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)


def unique_ids(ids: list[uuid.UUID], problems: Problems) -> list[uuid.UUID]:
    unique = list(dict.fromkeys(ids))
    if not unique:
        problems.add("ids", ErrorCode.REQUIRED, "请选择成果")
    elif len(unique) > MAX_BATCH:
        problems.add("ids", ErrorCode.TOO_LONG, f"一次最多选择{MAX_BATCH}条")
    return unique


def text_filter(query: QuerySet, field: str, value: str | None) -> QuerySet:
    value = (value or "").strip()
    return query.filter(**{f"{field}__icontains": value}) if value else query


async def learner_holds(
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


def changed_state(field: str) -> DomainError:
    return DomainError.of(ErrorCode.WRONG_STATE, "成果状态已变化，请刷新后重试", field)


async def guarded_update(
    ids: list[uuid.UUID], expected: AchievementStatus, field: str, **changes: Any
) -> None:
    """Change rows only if every one is still in the ``expected`` state: a conditional UPDATE,
    so a concurrent change (another reviewer, a withdrawal) makes this one fail whole, on SQLite
    as on PostgreSQL."""
    changed = await LearnerAchievement.filter(id__in=ids, status=expected).update(
        updated_at=now(), **changes
    )
    if changed != len(ids):
        raise changed_state(field)


def duplicate_holding() -> DomainError:
    return DomainError.of(
        ErrorCode.CONFLICT, "该学员已持有此成果（相同的个人成果编号）", "certificateNumber"
    )
