"""转换规则 queries: the management tabs, one rule, the portal's published rules."""

from __future__ import annotations

import strawberry

from graphql_api.common import Page, parse_id
from graphql_api.context import Info
from graphql_api.conversion.types.rules import ConversionRuleType, PublicConversionRuleType
from graphql_api.permissions import (
    IsAdministratorOrInstitution,
    IsInstitution,
)
from models import RuleStatus, RuleType
from resolvers.conversion import rules
from resolvers.conversion.rule_queries import RuleScope


def _filter(
    code: str | None,
    rule_type: RuleType | None,
    source_name: str | None,
    target_name: str | None,
    institution_name: str | None,
    status: RuleStatus | None = None,
) -> rules.RuleFilter:
    return rules.RuleFilter(
        code=code,
        rule_type=rule_type,
        source_name=source_name,
        target_name=target_name,
        institution_name=institution_name,
        status=status,
    )


@strawberry.type
class ConversionRuleQuery:
    @strawberry.field(
        description="Institution users and tokens, 转换规则管理: their own rules in every state "
        "(MINE), or other institutions' published rules with one of their catalogue entries as a "
        "source (RELATED); newest first, with the filters of the screen.",
        permission_classes=[IsInstitution],
    )
    async def conversion_rules(
        self,
        info: Info,
        scope: RuleScope = RuleScope.MINE,
        page: int = 1,
        page_size: int = 10,
        code: str | None = None,
        rule_type: RuleType | None = None,
        source_name: str | None = None,
        target_name: str | None = None,
        institution_name: str | None = None,
        status: RuleStatus | None = None,
    ) -> Page[ConversionRuleType]:
        rows, total = await rules.list_rules(
            info.context.actor,
            scope,
            page,
            page_size,
            _filter(code, rule_type, source_name, target_name, institution_name, status),
        )
        return Page.of(rows, total, page, page_size, ConversionRuleType.from_model)

    @strawberry.field(
        description="查看: an institution's own rule in any state, or any published rule; "
        "administrators see every rule.",
        permission_classes=[IsAdministratorOrInstitution],
    )
    async def conversion_rule(self, info: Info, id: strawberry.ID) -> ConversionRuleType:
        return ConversionRuleType.from_model(await rules.get_rule(info.context.actor, parse_id(id)))

    @strawberry.field(
        description="Anyone, without logging in (门户, the learner's 转换规则 page): the published "
        "rules, most recently published first."
    )
    async def portal_conversion_rules(
        self,
        page: int = 1,
        page_size: int = 10,
        code: str | None = None,
        rule_type: RuleType | None = None,
        source_name: str | None = None,
        target_name: str | None = None,
        institution_name: str | None = None,
    ) -> Page[PublicConversionRuleType]:
        rows, total = await rules.portal_rules(
            page,
            page_size,
            _filter(code, rule_type, source_name, target_name, institution_name),
        )
        return Page.of(rows, total, page, page_size, PublicConversionRuleType.from_model)

    @strawberry.field(
        description="Anyone: one published rule (查看详情); NOT_FOUND once it is withdrawn."
    )
    async def portal_conversion_rule(self, id: strawberry.ID) -> PublicConversionRuleType:
        return PublicConversionRuleType.from_model(await rules.portal_rule(parse_id(id)))
