"""Shared GraphQL building blocks: pages, ids, times shown in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

import strawberry

from resolvers.errors import DomainError, ErrorCode

SHANGHAI = ZoneInfo("Asia/Shanghai")
T = TypeVar("T")


@strawberry.type(description="One page of a list, with the total number of matching rows.")
class Page(Generic[T]):
    items: list[T]
    total_count: int
    page: int
    page_size: int


def shown(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored UTC time as shown to people: in Asia/Shanghai."""
    return moment.astimezone(SHANGHAI) if moment is not None else None


def parse_id(value: strawberry.ID | str, field: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise DomainError.of(ErrorCode.INVALID, "ID格式不正确", field) from None
