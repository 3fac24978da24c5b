"""Writing the audit log: every state change records who, when, what, before and after."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from typing import Any

from tortoise.models import Model

from models import AuditEntry
from resolvers.core.actors import Actor

_SECRET_FIELDS = {"password_hash", "token_hash", "code_hash", "wechat_openid", "totp_secret"}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def snapshot(obj: Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The audit view of a model: its columns, without secrets."""
    names = fields or [name for name in obj._meta.db_fields if name not in _SECRET_FIELDS]
    names = [obj._meta.fields_db_projection_reverse.get(name, name) for name in names]
    return {name: _plain(getattr(obj, name)) for name in names}


async def record(
    actor: Actor,
    action: str,
    obj: Model,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    institution_id: uuid.UUID | None = None,
    object_id: uuid.UUID | None = None,
) -> None:
    """Record one change of ``obj``; ``object_id`` stands in for a primary key that is not a
    UUID (a subtype's code), see :func:`object_uuid`."""
    await AuditEntry.create(
        actor_kind=actor.kind.value,
        actor_id=actor.id,
        actor_label=actor.label[:100],
        institution_id=institution_id or actor.institution_id,
        action=action,
        object_type=type(obj).__name__,
        object_id=object_id or obj.pk,
        before=before,
        after=after,
    )


def object_uuid(obj: Model) -> uuid.UUID:
    """A stable UUID for an object whose primary key is a code: uuid5 of ``table:code``."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{obj._meta.db_table}:{obj.pk}")


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    """Only the fields that differ, for a compact before → after."""
    keys = [k for k in after if before.get(k) != after.get(k) and k != "updated_at"]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


async def record_change(actor: Actor, action: str, obj: Model, before: dict[str, Any]) -> None:
    """Record the fields of ``obj`` that differ from the ``before`` snapshot."""
    old, new = changed(before, snapshot(obj))
    await record(actor, action, obj, before=old, after=new)
