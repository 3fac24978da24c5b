"""Bank administrators: creation from the command line, tokens, and the audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from models import Administrator, AuditEntry, SubjectKind
from resolvers import audit
from resolvers.actors import SYSTEM, Actor, require_admin
from resolvers.pages import paginate
from resolvers.sessions import issue_session
from resolvers.validation import FieldChecker

SHOWN_IN = ZoneInfo("Asia/Shanghai")


def _as_utc(moment: dt.datetime) -> dt.datetime:
    """A bound to compare with stored times, in UTC as they are (SQLite compares them as text);
    a time given without a zone is read as the API shows times, in Asia/Shanghai."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHOWN_IN)
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
