"""Bank administrators: creation from the command line, their password and TOTP (动态口令) set up
and reset there, login with both, tokens, and the audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models import Administrator, AuditEntry, SubjectKind
from resolvers.accounts import totp
from resolvers.accounts.logins import LoginAttempt, password_login
from resolvers.accounts.passwords import hash_password
from resolvers.accounts.sessions import issue_session, revoke_sessions_of
from resolvers.core import audit, clock
from resolvers.core.actors import SYSTEM, Actor, ActorKind, require_admin
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker

DEFAULT_NAME = "学分银行管理员"


def _as_utc(moment: dt.datetime) -> dt.datetime:
    """A bound to compare with stored times, in UTC as they are (SQLite compares them as text);
    a time given without a zone is read as the API shows times, in Asia/Shanghai."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.SHANGHAI)
    return moment.astimezone(dt.UTC)


async def create_administrator(username: str, name: str) -> Administrator:
    checker = FieldChecker()
    username = checker.username("username", username)
    name = checker.text("name", name, max_length=50)
    checker.done()
    async with in_transaction():
        admin, created = await Administrator.get_or_create(
            username=username, defaults={"name": name}
        )
        if created:
            await audit.record(SYSTEM, "administrator.create", admin, after=audit.snapshot(admin))
    return admin


@dataclass(frozen=True)
class AdminCredentials:
    """What the command line shows once after a set-up or reset: the URI for the authenticator
    app (as a QR code too). The secret in it is not shown again."""

    admin: Administrator
    provisioning_uri: str


async def set_credentials(
    username: str,
    password: str,
    *,
    secret_key: str,
    name: str | None = None,
    reset: bool = False,
) -> AdminCredentials:
    """Set up (the first time) or reset an administrator's password and TOTP secret. Set-up
    creates the administrator when missing and refuses one whose credentials are set already;
    reset needs an existing administrator, replaces both, and ends every session it had."""
    checker = FieldChecker()
    username = checker.username("username", username)
    checker.password("password", password)
    if name is not None:
        name = checker.text("name", name, max_length=50)
    checker.done()
    password_hash = await hash_password(password)
    secret = totp.new_secret()
    async with in_transaction():
        admin = await Administrator.select_for_update().get_or_none(username=username)
        if admin is None and reset:
            raise DomainError.of(ErrorCode.NOT_FOUND, "没有这个管理员", "username")
        if admin is None:
            admin = await Administrator.create(username=username, name=name or DEFAULT_NAME)
            await audit.record(SYSTEM, "administrator.create", admin, after=audit.snapshot(admin))
        elif not reset and admin.password_hash is not None:
            raise DomainError.of(
                ErrorCode.CONFLICT,
                "该管理员已设置密码和动态口令，请用 admin-reset 重置",
                "username",
            )
        admin.password_hash = password_hash
        admin.totp_secret = totp.SecretBox(secret_key).seal(secret)
        admin.totp_last_step = 0
        admin.credentials_set_at = stamp = clock.now()
        await admin.save()
        if reset:
            await revoke_sessions_of(SubjectKind.ADMINISTRATOR, admin.id)
        action = "administrator.credentials_reset" if reset else "administrator.credentials_set_up"
        after = {"credentials_set_at": stamp.isoformat(), "sessions_ended": reset}
        await audit.record(SYSTEM, action, admin, after=after)
    return AdminCredentials(admin, totp.provisioning_uri(secret, admin.username))


async def login_administrator(
    attempt: LoginAttempt, password: str, code: str, *, secret_key: str
) -> str:
    """管理员登录: password and the current TOTP code, each code good once. A wrong password, a
    wrong, stale or spent code and an unknown username get the same answer; a wrong code after
    the right password counts as a failed login like a wrong password."""
    typed, address = attempt.account.strip(), attempt.address
    checker = FieldChecker()
    checker.username("username", typed)
    # Only a well-formed login account is looked up: anything else (too long, NUL characters,
    # lone surrogates…) matches no administrator and is answered like an unknown one.
    admin = None if checker.problems.items else await Administrator.get_or_none(username=typed)
    box = totp.SecretBox(secret_key)

    async def fresh_code() -> bool:
        assert admin is not None
        secret = box.open(admin.totp_secret)
        step = totp.matching_step(secret, code, clock.now()) if secret else None
        if step is None:
            return False
        # Spent atomically: of two logins with the same code, one only moves the step forward.
        return bool(
            await Administrator.filter(id=admin.id, totp_last_step__lt=step).update(
                totp_last_step=step
            )
        )

    try:
        token = await password_login(
            admin, password, SubjectKind.ADMINISTRATOR, attempt, second_factor=fresh_code
        )
    except DomainError as error:
        await _record_login(admin, typed, address, error)
        raise
    await _record_login(admin, typed, address, None)
    return token


async def _record_login(
    admin: Administrator | None, typed: str, address: str, error: DomainError | None
) -> None:
    """One audit entry per login attempt that reached the password check."""
    after: dict[str, object]
    if error is None and admin is not None:
        actor = Actor(ActorKind.ADMINISTRATOR, admin.id, admin.name)
        action, after = "administrator.login", {"address": address}
    else:
        actor = Actor(ActorKind.ANONYMOUS, label=address)
        codes = [problem.code.value for problem in error.problems] if error else []
        action = "administrator.login_failed"
        shown = typed[:60].encode("utf-8", "backslashreplace").decode().replace("\x00", "\\x00")
        after = {"username": shown, "address": address, "codes": codes}
    await AuditEntry.create(
        actor_kind=actor.kind.value,
        actor_id=actor.id,
        actor_label=actor.label[:100],
        action=action,
        object_type=Administrator.__name__,
        object_id=admin.id if admin is not None else None,
        after=after,
    )


async def issue_admin_token(admin: Administrator) -> str:
    token, _ = await issue_session(SubjectKind.ADMINISTRATOR, admin.id)
    return token


async def audit_log(
    actor: Actor,
    *,
    page: int,
    page_size: int,
    action: str | None = None,
    object_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> tuple[list[AuditEntry], int]:
    require_admin(actor)
    query = AuditEntry.all()
    if action:
        query = query.filter(action__startswith=action)
    if object_id:
        query = query.filter(object_id=object_id)
    if actor_id:
        query = query.filter(actor_id=actor_id)
    if since:
        query = query.filter(at__gte=_as_utc(since))
    if until:
        query = query.filter(at__lt=_as_utc(until))
    return await paginate(query, page, page_size, "-at")
