"""转换办法 queries: the institution's list, the administrators' list, the portal's."""

from __future__ import annotations

import datetime as dt

import strawberry

from graphql_api.common import Page, parse_id
from graphql_api.context import Info
from graphql_api.conversion.types.policies import ConversionPolicyType, PortalConversionPolicyType
from graphql_api.permissions import (
    IsAdministratorOrInstitution,
    IsInstitutionUser,
)
from models import PolicyStatus
from resolvers.conversion import policies


@strawberry.type
class ConversionPolicyQuery:
    @strawberry.field(
        description="Institutions: 转换办法发布, their policies, newest upload first, filtered by "
        "发布时间 (days in Asia/Shanghai, both ends included) and 状态; administrators: every "
        "institution's, optionally by institution name.",
        permission_classes=[IsAdministratorOrInstitution],
    )
    async def conversion_policies(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 10,
        status: PolicyStatus | None = None,
        published_from: dt.date | None = None,
        published_to: dt.date | None = None,
        institution_name: str | None = None,
    ) -> Page[ConversionPolicyType]:
        rows, total = await policies.list_policies(
            info.context.actor,
            page,
            page_size,
            policies.PolicyFilter(
                status=status,
                published_from=published_from,
                published_to=published_to,
                institution_name=institution_name,
            ),
        )
        return Page.of(rows, total, page, page_size, ConversionPolicyType.from_model)

    @strawberry.field(
        description="One policy: of the viewer's institution, or any for administrators.",
        permission_classes=[IsAdministratorOrInstitution],
    )
    async def conversion_policy(self, info: Info, id: strawberry.ID) -> ConversionPolicyType:
        row = await policies.visible_policy(info.context.actor, parse_id(id))
        return ConversionPolicyType.from_model(row)

    @strawberry.field(
        description="Institution users: whether they have accepted the information-publishing "
        "pledge (信息发布安全承诺书) already; if not, their first publication asks for it.",
        permission_classes=[IsInstitutionUser],
    )
    async def publishing_pledge_accepted(self, info: Info) -> bool:
        return await policies.pledge_accepted(info.context.actor)

    @strawberry.field(
        description="Anyone, without logging in: the published policies, latest publication "
        "first, searched by institution name and policy name."
    )
    async def portal_conversion_policies(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 10,
        institution_name: str | None = None,
        name: str | None = None,
    ) -> Page[PortalConversionPolicyType]:
        rows, total = await policies.portal_policies(page, page_size, institution_name, name)
        return Page.of(rows, total, page, page_size, PortalConversionPolicyType.from_model)

    @strawberry.field(description="Anyone, without logging in: one published policy.")
    async def portal_conversion_policy(
        self, info: Info, id: strawberry.ID
    ) -> PortalConversionPolicyType:
        return PortalConversionPolicyType.from_model(await policies.portal_policy(parse_id(id)))


# -- mutations -----------------------------------------------------------------------------------
