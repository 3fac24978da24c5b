"""Shared GraphQL building blocks: pages, ids, times given in UTC."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import Any, Generic, Self, TypeVar, overload

import strawberry

from resolvers.core.clock import utc
from resolvers.core.errors import DomainError, ErrorCode

T = TypeVar("T")
R = TypeVar("R")


@strawberry.type(description="One page of a list, with the total number of matching rows.")
class Page(Generic[T]):
    items: list[T]
    total_count: int
    page: int
    page_size: int

    @overload
    @classmethod
    def of(cls, rows: Iterable[T], total: int, page: int, page_size: int, **extra: Any) -> Self: ...

    @overload
    @classmethod
    def of(
        cls,
        rows: Iterable[R],
        total: int,
        page: int,
        page_size: int,
        convert: Callable[[R], T],
        **extra: Any,
    ) -> Self: ...

    @classmethod
    def of(
        cls,
        rows: Iterable[Any],
        total: int,
        page: int,
        page_size: int,
        convert: Callable[[Any], T] | None = None,
        **extra: Any,
    ) -> Self:
        """The page of ``rows`` (one page of ``total`` matching rows), each converted to its
        GraphQL type by ``convert`` (given as they are without one); ``extra`` fills the fields a
        subclass adds, such as the counts shown beside a list."""
        return cls(
            items=[convert(row) for row in rows] if convert is not None else list(rows),
            total_count=total,
            page=page,
            page_size=page_size,
            **extra,
        )


def shown(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored time as GraphQL's ``DateTime`` gives it: ISO 8601 in UTC, ``+00:00`` (people
    read it in Beijing time, which clients show; see README, "Times")."""
    return utc(moment) if moment is not None else None


def parse_id(value: strawberry.ID | str, field: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise DomainError.of(ErrorCode.INVALID, "ID格式不正确", field) from None
