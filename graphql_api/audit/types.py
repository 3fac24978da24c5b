"""GraphQL type of an audit log entry."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from graphql_api.common import shown
from models import AuditEntry as AuditEntryModel


@strawberry.type(name="AuditEntry", description="操作日志: who changed what, when, before → after.")
class AuditEntryType:
    id: strawberry.ID
    at: dt.datetime
    actor_kind: str
    actor_id: strawberry.ID | None
    actor_label: str
    institution_id: strawberry.ID | None
    action: str
    object_type: str
    object_id: strawberry.ID | None
    before: JSON | None
    after: JSON | None

    @classmethod
    def from_model(cls, row: AuditEntryModel) -> AuditEntryType:
        def _id(value: object) -> strawberry.ID | None:
            return strawberry.ID(str(value)) if value is not None else None

        return cls(
            id=strawberry.ID(str(row.id)),
            at=shown(row.at),  # type: ignore[arg-type]
            actor_kind=row.actor_kind,
            actor_id=_id(row.actor_id),
            actor_label=row.actor_label,
            institution_id=_id(row.institution_id),
            action=row.action,
            object_type=row.object_type,
            object_id=_id(row.object_id),
            before=None if row.before is None else JSON(row.before),
            after=None if row.after is None else JSON(row.after),
        )
