"""Password login with lockout after repeated failures, shared by every kind of account."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from tortoise.expressions import F

from models import SubjectKind
from resolvers.clock import now
from resolvers.errors import DomainError, ErrorCode
from resolvers.passwords import verify_password
from resolvers.sessions import issue_session

MAX_FAILED_LOGINS = 5
LOCK_DURATION = dt.timedelta(minutes=15)


def _bad_credentials() -> DomainError:
    return DomainError.of(ErrorCode.INVALID_CREDENTIALS, "账号或密码错误")


async def password_login(
    account,
    password: str,
    kind: SubjectKind,
    second_factor: Callable[[], Awaitable[bool]] | None = None,
) -> str:
    """Check ``password`` for ``account`` (a model with password_hash, failed_logins and
    locked_until, or None when no account matched) and open a session. ``second_factor`` (an
    administrator's TOTP code) is checked, and spent, only once the password matched; when it
    fails, the attempt counts and is answered as a wrong password."""
    if account is None:
        await verify_password(None, password)
        raise _bad_credentials()
    stamp = now()
    if account.locked_until is not None and account.locked_until > stamp:
        minutes = int((account.locked_until - stamp).total_seconds() // 60) + 1
        raise DomainError.of(
            ErrorCode.LOCKED, f"密码错误次数过多，账号已锁定，请{minutes}分钟后再试"
        )
    if not await verify_password(account.password_hash, password) or (
        second_factor is not None and not await second_factor()
    ):
        # Count in the database, not from the row read above, so concurrent guesses all count.
        model = type(account)
        await model.filter(id=account.id).update(failed_logins=F("failed_logins") + 1)
        await model.filter(id=account.id, failed_logins__gte=MAX_FAILED_LOGINS).update(
            failed_logins=0, locked_until=stamp + LOCK_DURATION
        )
        raise _bad_credentials()
    if account.failed_logins or account.locked_until:
        await type(account).filter(id=account.id).update(failed_logins=0, locked_until=None)
    token, _ = await issue_session(kind, account.id)
    return token
