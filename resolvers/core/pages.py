"""Paginated lists: ``page`` from 1, ``page_size`` up to 100, stable ordering, a total count."""

from __future__ import annotations

from typing import TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from resolvers.core.errors import DomainError, ErrorCode, Problem

MAX_PAGE_SIZE = 100
M = TypeVar("M", bound=Model)


async def paginate(
    query: QuerySet[M], page: int, page_size: int, *order: str
) -> tuple[list[M], int]:
    problems = []
    if page < 1:
        problems.append(Problem("page", ErrorCode.INVALID, "页码从1开始"))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        problems.append(Problem("pageSize", ErrorCode.INVALID, f"每页条数应为1-{MAX_PAGE_SIZE}"))
    if problems:
        raise DomainError(problems)
    total = await query.count()
    rows = await query.order_by(*order, "id").offset((page - 1) * page_size).limit(page_size)
    return rows, total
