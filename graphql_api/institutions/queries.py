"""Queries of institutions, their users and API tokens."""

from __future__ import annotations

import strawberry

from graphql_api.common import Page, parse_id
from graphql_api.context import Info
from graphql_api.enums import InstitutionStatus, InstitutionUserStatus
from graphql_api.institutions.types import ApiTokenType, InstitutionType, InstitutionUserType
from graphql_api.permissions import (
    IsAdministrator,
    IsAdministratorOrInstitution,
    IsInstitutionUser,
)
from resolvers.accounts import api_tokens, institution_users, institutions


@strawberry.type
class InstitutionQuery:
    @strawberry.field(
        description="Administrators: every institution, filtered by review state and name.",
        permission_classes=[IsAdministrator],
    )
    async def institutions(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 20,
        status: InstitutionStatus | None = None,
        name: str | None = None,
    ) -> Page[InstitutionType]:
        rows, total = await institutions.list_institutions(
            info.context.actor, page=page, page_size=page_size, status=status, name=name
        )
        return Page.of(rows, total, page, page_size, InstitutionType.from_model)

    @strawberry.field(
        description="Administrators: any institution; institution users: their own.",
        permission_classes=[IsAdministratorOrInstitution],
    )
    async def institution(self, info: Info, id: strawberry.ID) -> InstitutionType:
        row = await institutions.visible_institution(info.context.actor, parse_id(id))
        return InstitutionType.from_model(row)

    @strawberry.field(
        description="Institution users: the main user and sub-users of their institution.",
        permission_classes=[IsInstitutionUser],
    )
    async def institution_users(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 20,
        status: InstitutionUserStatus | None = None,
    ) -> Page[InstitutionUserType]:
        rows, total = await institution_users.list_users(
            info.context.actor, page, page_size, status
        )
        return Page.of(rows, total, page, page_size, InstitutionUserType.from_model)

    @strawberry.field(
        description="The institution's main user: its API tokens, live and revoked.",
        permission_classes=[IsInstitutionUser],
    )
    async def api_tokens(self, info: Info) -> list[ApiTokenType]:
        rows = await api_tokens.list_api_tokens(info.context.actor)
        return [ApiTokenType.from_model(r) for r in rows]
