"""Shared GraphQL building blocks: pages, ids, times given in UTC."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Generic, TypeVar

import strawberry

from resolvers.core.clock import utc
from resolvers.core.errors import DomainError, ErrorCode

T = TypeVar("T")


@strawberry.type(description="One page of a list, with the total number of matching rows.")
class Page(Generic[T]):
    items: list[T]
    total_count: int
    page: int
    page_size: int


def shown(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored time as GraphQL's ``DateTime`` gives it: ISO 8601 in UTC, ``+00:00`` (people
    read it in Beijing time, which clients show; see README, "Times")."""
    return utc(moment) if moment is not None else None


def parse_id(value: strawberry.ID | str, field: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise DomainError.of(ErrorCode.INVALID, "ID格式不正确", field) from None
