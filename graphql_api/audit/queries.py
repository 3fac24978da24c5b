"""The audit log, for administrators."""

from __future__ import annotations

import datetime as dt

import strawberry

from graphql_api.audit.types import AuditEntryType
from graphql_api.common import Page, parse_id
from graphql_api.context import Info
from graphql_api.permissions import IsAdministrator
from resolvers.accounts.admins import audit_log


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Administrators: the audit log, newest first; `action` matches a prefix "
        "such as `institution.` or `learner.register`.",
        permission_classes=[IsAdministrator],
    )
    async def audit_log(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 50,
        action: str | None = None,
        object_id: strawberry.ID | None = None,
        actor_id: strawberry.ID | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> Page[AuditEntryType]:
        rows, total = await audit_log(
            info.context.actor,
            page=page,
            page_size=page_size,
            action=action,
            object_id=parse_id(object_id, "objectId") if object_id else None,
            actor_id=parse_id(actor_id, "actorId") if actor_id else None,
            since=since,
            until=until,
        )
        return Page.of(rows, total, page, page_size, AuditEntryType.from_model)
