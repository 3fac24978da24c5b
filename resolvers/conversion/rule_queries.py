"""Reading conversion rules (转换规则): an institution's two lists (我发布的 / 与我相关的) and the
detail, the portal's published rules, and a rule's sources and targets in their order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from enum import StrEnum

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from models import (
    ConversionRule,
    ConversionRuleSource,
    ConversionRuleTarget,
    Institution,
    InstitutionAchievement,
    RuleStatus,
    RuleType,
)
from resolvers.core.actors import Actor, require_institution
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.pages import paginate


class RuleScope(StrEnum):
    MINE = "mine"  # 我发布的转换规则
    RELATED = "related"  # 与我相关的转换规则


@dataclass
class RuleFilter:
    """The filters of the lists: 规则编码, 转换规则类型, 源成果名称, 目标成果名称, 机构, 状态."""

    code: str | None = None
    rule_type: RuleType | None = None
    source_name: str | None = None
    target_name: str | None = None
    institution_name: str | None = None
    status: RuleStatus | None = None


def _text(value: str | None) -> str:
    return (value or "").strip()


def _filtered(query: QuerySet[ConversionRule], data: RuleFilter) -> QuerySet[ConversionRule]:
    if code := _text(data.code):
        query = query.filter(code__contains=code)
    if data.rule_type is not None:
        query = query.filter(rule_type=data.rule_type)
    if data.status is not None:
        query = query.filter(status=data.status)
    if name := _text(data.source_name):
        query = query.filter(
            id__in=Subquery(
                ConversionRuleSource.filter(
                    catalogue_entry_id__in=Subquery(
                        InstitutionAchievement.filter(name__icontains=name).values("id")
                    )
                ).values("rule_id")
            )
        )
    if name := _text(data.target_name):
        query = query.filter(
            id__in=Subquery(
                ConversionRuleTarget.filter(
                    catalogue_entry_id__in=Subquery(
                        InstitutionAchievement.filter(name__icontains=name).values("id")
                    )
                ).values("rule_id")
            )
        )
    if name := _text(data.institution_name):
        query = query.filter(
            institution_id__in=Subquery(Institution.filter(name__icontains=name).values("id"))
        )
    return query


def rules_query(actor: Actor, scope: RuleScope, data: RuleFilter) -> QuerySet[ConversionRule]:
    """The rows of an institution's list matching ``data``, unordered: its own rules in every
    state, or the published rules of other institutions with one of its entries as a source."""
    institution_id = require_institution(actor)
    if scope == RuleScope.MINE:
        query = ConversionRule.filter(institution_id=institution_id)
    else:
        query = (
            ConversionRule.filter(status=RuleStatus.PUBLISHED)
            .exclude(institution_id=institution_id)
            .filter(
                id__in=Subquery(
                    ConversionRuleSource.filter(institution_id=institution_id).values("rule_id")
                )
            )
        )
    return _filtered(query, data)


async def list_rules(
    actor: Actor, scope: RuleScope, page: int, page_size: int, data: RuleFilter
) -> tuple[list[ConversionRule], int]:
    """转换规则管理: 我发布的转换规则 or 与我相关的转换规则, newest first."""
    return await paginate(rules_query(actor, scope, data), page, page_size, "-created_at")


async def get_rule(actor: Actor, rule_id: uuid.UUID) -> ConversionRule:
    """查看: an institution's own rule in any state or any published rule; administrators see
    every rule."""
    rule = await ConversionRule.get_or_none(id=rule_id)
    if rule is not None and (
        actor.is_admin
        or rule.status == RuleStatus.PUBLISHED
        or rule.institution_id == require_institution(actor)
    ):
        return rule
    raise DomainError.of(ErrorCode.NOT_FOUND, "转换规则不存在", "id")


async def portal_rules(
    page: int, page_size: int, data: RuleFilter
) -> tuple[list[ConversionRule], int]:
    """Anyone, without logging in (门户 and the learner's 转换规则 page): the published rules,
    most recently published first. ``data.status`` is ignored."""
    query = ConversionRule.filter(status=RuleStatus.PUBLISHED)
    query = _filtered(query, replace(data, status=None))
    return await paginate(query, page, page_size, "-published_at")


async def published_rule(
    rule_id: uuid.UUID, field: str | None = "ruleId", *, lock: bool = False
) -> ConversionRule:
    """The rule if it is published, else NOT_FOUND on ``field``; with ``lock`` (inside a
    transaction) it stays published until the transaction ends."""
    query = ConversionRule.filter(id=rule_id, status=RuleStatus.PUBLISHED)
    rule = await (query.select_for_update() if lock else query).first()
    if rule is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "转换规则不存在或已下架", field)
    return rule


async def portal_rule(rule_id: uuid.UUID) -> ConversionRule:
    """查看详情 on the portal: a published rule; gone as soon as it is withdrawn."""
    return await published_rule(rule_id, "id")


async def rule_sources(rule_id: uuid.UUID) -> list[ConversionRuleSource]:
    """A rule's sources in their order (a learner must hold every one)."""
    return await ConversionRuleSource.filter(rule_id=rule_id).order_by("sort", "id")


async def rule_targets(rule_id: uuid.UUID) -> list[ConversionRuleTarget]:
    """A rule's targets in their order."""
    return await ConversionRuleTarget.filter(rule_id=rule_id).order_by("sort", "id")
