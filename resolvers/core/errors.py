"""The one domain error type, its codes, and a collector for field-level problems."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    REQUIRED = "required"
    INVALID = "invalid"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    NOT_AUTHENTICATED = "not_authenticated"
    CONFLICT = "conflict"
    WRONG_STATE = "wrong_state"
    CODE_INVALID = "code_invalid"
    CODE_EXPIRED = "code_expired"
    RATE_LIMITED = "rate_limited"
    LOCKED = "locked"
    INVALID_CREDENTIALS = "invalid_credentials"
    NOT_APPROVED = "not_approved"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: the input field it concerns (or None), a code, a message."""

    field: str | None
    code: ErrorCode
    message: str


class DomainError(Exception):
    """An expected failure of a use-case; the GraphQL layer turns it into payload errors."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems

    @classmethod
    def of(cls, code: ErrorCode, message: str, field: str | None = None) -> DomainError:
        return cls([Problem(field, code, message)])


class Problems:
    """Collects every problem of an input before failing, so the client sees them all at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, field: str | None, code: ErrorCode, message: str) -> None:
        self.items.append(Problem(field, code, message))

    def has(self, field: str) -> bool:
        return any(p.field == field for p in self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise DomainError(list(self.items))
