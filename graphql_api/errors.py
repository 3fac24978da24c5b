"""Mapping domain errors to GraphQL: typed payload errors, top-level errors, masking."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

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
P_co = TypeVar("P_co", covariant=True)


class Failed(Protocol[P_co]):
    """A payload class built from its typed errors alone (its other fields have defaults)."""

    def __call__(self, *, errors: list[FieldError]) -> P_co: ...


async def mutate(payload: Failed[P], work: Callable[[], Awaitable[R]], ok: Callable[[R], P]) -> P:
    """The one way a mutation runs its use-case: ``ok(result)`` when ``work()`` succeeds,
    ``payload(errors=...)`` with the typed field errors when it raises a DomainError.

    ``ok`` builds the payload itself (``lambda row: XPayload(errors=[], x=...)``) so mypy checks
    its fields against the payload class, and ``payload`` must be a class that can be built from
    ``errors`` alone. Everything that can fail goes inside ``work``, which is called here: the
    input's ``to_domain()``, parsing ids (a malformed id is a payload error) and throttle hits
    (``Context.throttled``), whose RATE_LIMITED is a payload error too."""
    try:
        result = await work()
    except DomainError as error:
        return payload(errors=field_errors(error))
    return ok(result)


def should_mask(error: GraphQLError) -> bool:
    """Mask every error that is not one of ours or a GraphQL validation error."""
    original = error.original_error
    if original is None:
        return False
    return not isinstance(original, GraphQLError | DomainError)
