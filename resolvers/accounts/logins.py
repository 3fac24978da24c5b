"""Password login with throttling of failures, shared by every kind of account.

Not a lock (a stranger who knows an ID number could lock its owner out): failures are counted per
account identifier as typed and address, and per identifier from every address, and each count
past its allowance makes the next attempt wait longer (resolvers/core/throttle.py). The answer is
the same whether or not the account exists, and an unknown identifier is throttled alike."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from models import SubjectKind
from resolvers.accounts.passwords import verify_password
from resolvers.accounts.sessions import issue_session
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.throttle import Throttle


@dataclass(frozen=True)
class LoginAttempt:
    """Who is trying which account: the identifier as typed and the caller's address."""

    throttle: Throttle
    account: str
    address: str

    async def check(self) -> None:
        """Refuse the attempt while its identifier waits after failures, before any password is
        compared."""
        wait = await self.throttle.login_wait(self.account, self.address)
        if wait > 0:
            raise DomainError.of(
                ErrorCode.RATE_LIMITED, f"登录失败次数过多，请{_shown_wait(wait)}后再试"
            )

    async def failed(self) -> DomainError:
        await self.throttle.login_failed(self.account, self.address)
        return DomainError.of(ErrorCode.INVALID_CREDENTIALS, "账号或密码错误")


def _shown_wait(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, math.ceil(seconds))}秒"
    return f"{math.ceil(seconds / 60)}分钟"


async def password_login(
    account: Any,
    password: str,
    kind: SubjectKind,
    attempt: LoginAttempt,
    second_factor: Callable[[], Awaitable[bool]] | None = None,
) -> str:
    """Check ``password`` for ``account`` (any model with ``id`` and ``password_hash``, or None
    when no account matched the identifier) and open a session of ``kind``. ``second_factor``
    (an administrator's TOTP code) is checked, and spent, only once the password matched; when
    it fails, the attempt counts and is answered as a wrong password."""
    await attempt.check()
    stored_hash = account.password_hash if account is not None else None
    if not await verify_password(stored_hash, password) or account is None:
        raise await attempt.failed()
    if second_factor is not None and not await second_factor():
        raise await attempt.failed()
    await attempt.throttle.login_succeeded(attempt.account, attempt.address)
    token, _ = await issue_session(kind, account.id)
    return token
