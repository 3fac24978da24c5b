"""Mapping domain errors to GraphQL: typed payload errors, top-level errors, masking."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from resolvers.core.errors import DomainError
from resolvers.core.errors import ErrorCode as DomainErrorCode

strawberry.enum(DomainErrorCode, name="ErrorCode", description="Why a request failed.")
ErrorCode = DomainErrorCode


@strawberry.type(description="An expected failure: the input field it concerns, a code, a message.")
class FieldError:
    field: str | None = strawberry.field(
        description="The input field, as a dotted path of GraphQL names; null for the whole input."
    )
    code: ErrorCode
    message: str


class NotAuthenticated(GraphQLError):
    def __init__(self) -> None:
        super().__init__("请先登录", extensions={"code": "UNAUTHENTICATED"})


def _from_domain(error: GraphQLError) -> bool:
    return isinstance(error.original_error, DomainError)


class DomainErrorsShown(MaskErrors):
    """A query's resolver raises the use-case's DomainError as it is; the client sees its
    message, with the first problem's code and field as extensions. (Mutations answer with
    typed payload errors instead.)"""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_from_domain)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        domain = error.original_error
        assert isinstance(domain, DomainError)
        first = domain.problems[0]
        return GraphQLError(
            str(domain),
            nodes=error.nodes,
            path=error.path,
            extensions={"code": first.code.value.upper(), "field": first.field},
        )


def field_errors(error: DomainError) -> list[FieldError]:
    """The payload errors of a mutation; an unauthenticated caller gets a top-level error."""
    if any(p.code == DomainErrorCode.NOT_AUTHENTICATED for p in error.problems):
        raise NotAuthenticated()
    return [FieldError(field=p.field, code=p.code, message=p.message) for p in error.problems]


P = TypeVar("P")
R = TypeVar("R")


async def mutate(
    payload: Callable[..., P],
    work: Callable[[], Awaitable[R]],
    build: Callable[[R], dict[str, Any]] = lambda _: {},
) -> P:
    """Run a mutation's use-case and answer with its payload: ``build(result)`` as the payload's
    fields when it succeeds, the typed field errors when it raises a DomainError. ``work`` is
    called inside, so errors of parsing its arguments (a malformed id) are answered too."""
    try:
        result = await work()
    except DomainError as error:
        return payload(errors=field_errors(error))
    return payload(errors=[], **build(result))


def should_mask(error: GraphQLError) -> bool:
    """Mask every error that is not one of ours or a GraphQL validation error."""
    original = error.original_error
    if original is None:
        return False
    return not isinstance(original, GraphQLError | DomainError)
