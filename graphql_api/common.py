"""Shared GraphQL building blocks: pages, ids, times given in UTC."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, overload

import strawberry

from resolvers.core.clock import utc
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.files import MAX_FILE_SIZE

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
R = TypeVar("R")
D = TypeVar("D", bound="DataclassInstance")


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
    (key,) = parse_all([(field, value)])
    return key


def parse_all(values: Iterable[tuple[str, strawberry.ID | str]]) -> list[uuid.UUID]:
    """Each ``(field, value)`` as a UUID; every malformed one is reported at once."""
    problems = Problems()
    keys = []
    for field, value in values:
        try:
            keys.append(uuid.UUID(str(value)))
        except ValueError:
            problems.add(field, ErrorCode.INVALID, "ID格式不正确")
    problems.raise_if_any()
    return keys


def same_named(domain: type[D], source: object, **given: Any) -> D:
    """The use-case dataclass ``domain`` built from ``source``'s attributes of the same names
    (an input type's ``to_domain()``), ``given`` overriding the ones that need converting: the
    fields are listed once, in the dataclass."""
    values = {
        f.name: getattr(source, f.name) for f in dataclasses.fields(domain) if f.name not in given
    }
    return domain(**values, **given)


async def read_upload(file: object, default_name: str) -> tuple[str, bytes]:
    """A multipart upload's file name and content, read up to one byte past the size limit so the
    use-case can refuse a larger file; REQUIRED when the request was not multipart."""
    if not hasattr(file, "read"):
        raise DomainError.of(ErrorCode.REQUIRED, "请以multipart请求上传文件", "file")
    filename = getattr(file, "filename", None) or default_name
    return filename, await file.read(MAX_FILE_SIZE + 1)
