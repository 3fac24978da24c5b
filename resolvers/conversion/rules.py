"""Conversion rules (转换规则, seed 003 §2.3.2, seed 004 §5.1, SPEC §4): an institution says which
recognised achievements (源成果, all required together) convert into which of its own (目标成果:
majors and courses, or non-academic achievements with exempt modules). Drafts (未提交) are
published (已发布) on the portal once the institution has a published policy and the person
publishing has accepted the pledge; a published rule is withdrawn (撤回发布) by its institution or
taken down by the bank (下架), after which it may be edited and published again."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import (
    ApplicationStatus,
    ConversionApplication,
    ConversionBatch,
    ConversionPolicy,
    ConversionRule,
    ConversionRuleSource,
    ConversionRuleTarget,
    Institution,
    PolicyStatus,
    RuleStatus,
    TargetKind,
)
from resolvers.conversion.publishing import ensure_pledge

# ``X as X``: the input types and the reading side, named here too for
# graphql_api/conversion/rules.py until its bodies name rule_checks / rule_queries (issue 12).
from resolvers.conversion.rule_checks import ExemptModule as ExemptModule
from resolvers.conversion.rule_checks import NonAcademicTarget as NonAcademicTarget
from resolvers.conversion.rule_checks import RuleInput, RulePlan, plan_rule
from resolvers.conversion.rule_queries import RuleFilter as RuleFilter
from resolvers.conversion.rule_queries import get_rule as get_rule
from resolvers.conversion.rule_queries import list_rules as list_rules
from resolvers.conversion.rule_queries import portal_rule as portal_rule
from resolvers.conversion.rule_queries import portal_rules as portal_rules
from resolvers.core import audit
from resolvers.core.actors import Actor, require_admin, require_institution
from resolvers.core.clock import SHANGHAI, now
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.validation import FieldChecker
from resolvers.messages import notify, to_institution

MAX_REASON = 500
MAX_DAILY_CODES = 9999
RULE_LINK = "/conversion/rules/{id}"
EDITABLE = (RuleStatus.DRAFT, RuleStatus.OFF_SHELF)


# -- writing -------------------------------------------------------------------------------------


def code_day() -> str:
    """Today in the bank's time zone, as rule codes start: ``20220301``."""
    return now().astimezone(SHANGHAI).strftime("%Y%m%d")


async def _next_code(connection: BaseDBAsyncClient) -> str:
    """``YYYYMMDD`` + the day's next 4-digit number, taken with one atomic upsert on the
    transaction's connection: concurrent creations queue on the day's row until the holder
    commits, so no two get the same number and a rolled-back creation gives its number back."""
    day = code_day()
    placeholder = "$1" if connection.capabilities.dialect == "postgres" else "?"
    rows = await connection.execute_query_dict(
        'INSERT INTO "conversion_rule_code_sequence" ("day", "last_number") '
        f"VALUES ({placeholder}, 1) "
        'ON CONFLICT ("day") DO UPDATE SET "last_number" = '
        '"conversion_rule_code_sequence"."last_number" + 1 '
        'RETURNING "last_number"',
        [day],
    )
    number = int(rows[0]["last_number"])
    if number > MAX_DAILY_CODES:
        raise DomainError.of(
            ErrorCode.CONFLICT,
            f"今日新建的转换规则已达{MAX_DAILY_CODES}条上限，请明天再试",
        )
    return f"{day}{number:04d}"


async def _write_parts(rule: ConversionRule, plan: RulePlan) -> None:
    await ConversionRuleSource.bulk_create(
        [
            ConversionRuleSource(
                rule_id=rule.id,
                catalogue_entry_id=entry.id,
                institution_id=entry.institution_id,
                sort=index,
            )
            for index, entry in enumerate(plan.sources)
        ]
    )
    await ConversionRuleTarget.bulk_create(
        [
            ConversionRuleTarget(
                rule_id=rule.id,
                kind=target.kind,
                catalogue_entry_id=target.entry.id,
                exempt_modules=target.exempt_modules,
                sort=index,
            )
            for index, target in enumerate(plan.targets)
        ]
    )


async def _snapshot(rule: ConversionRule) -> dict[str, Any]:
    """The audit view of a rule with its sources and targets, as stored now."""
    data = audit.snapshot(rule)
    data["sources"] = [
        str(entry_id)
        for entry_id in await ConversionRuleSource.filter(rule_id=rule.id)
        .order_by("sort")
        .values_list("catalogue_entry_id", flat=True)
    ]
    data["targets"] = [
        {
            "kind": TargetKind(row["kind"]).value,
            "catalogue_entry_id": str(row["catalogue_entry_id"]),
            "exempt_modules": row["exempt_modules"],
        }
        for row in await ConversionRuleTarget.filter(rule_id=rule.id)
        .order_by("sort")
        .values("kind", "catalogue_entry_id", "exempt_modules")
    ]
    return data


async def _check_publishable(
    institution_id: uuid.UUID, file_id: uuid.UUID | None, file_field: str | None
) -> None:
    # Locked as the policies lock it when they publish or withdraw: the published policy found
    # here stays published until this transaction ends.
    await Institution.select_for_update().filter(id=institution_id).first()
    problems = Problems()
    if file_id is None:
        problems.add(file_field, ErrorCode.REQUIRED, "发布前请上传盖章的转换规则文件（PDF）")
    if not await ConversionPolicy.exists(
        institution_id=institution_id, status=PolicyStatus.PUBLISHED
    ):
        problems.add(None, ErrorCode.WRONG_STATE, "请先发布转换办法，再发布转换规则")
    problems.raise_if_any()


async def _publish(actor: Actor, rule: ConversionRule, pledge_accepted: bool) -> None:
    """Publish ``rule`` (locked, in the caller's transaction) after the pledge."""
    await ensure_pledge(actor, pledge_accepted)
    rule.status = RuleStatus.PUBLISHED
    rule.published_at = now()
    rule.taken_down_reason = ""
    await rule.save(update_fields=["status", "published_at", "taken_down_reason", "updated_at"])


async def create_rule(
    actor: Actor, data: RuleInput, *, publish: bool = False, pledge_accepted: bool = False
) -> ConversionRule:
    """转换规则制定: a draft (【保存】) or, with ``publish``, a published rule (【发布】)."""
    institution_id = require_institution(actor, people_only=True)
    plan = await plan_rule(actor, institution_id, data)
    async with in_transaction() as connection:
        if publish:
            await _check_publishable(institution_id, plan.file_id, "fileId")
        rule = await ConversionRule.create(
            code=await _next_code(connection),
            institution_id=institution_id,
            rule_type=plan.rule_type,
            description=plan.description,
            file_id=plan.file_id,
            created_by_id=actor.id,
        )
        await _write_parts(rule, plan)
        await audit.record(actor, "conversion_rule.create", rule, after=await _snapshot(rule))
        if publish:
            before = audit.snapshot(rule)
            await _publish(actor, rule, pledge_accepted)
            await audit.record_change(actor, "conversion_rule.publish", rule, before)
    return rule


async def _own_locked(actor: Actor, rule_id: uuid.UUID) -> tuple[uuid.UUID, ConversionRule]:
    institution_id = require_institution(actor, people_only=True)
    rule = await ConversionRule.select_for_update().get_or_none(
        id=rule_id, institution_id=institution_id
    )
    if rule is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "转换规则不存在", "id")
    return institution_id, rule


def _require_editable(rule: ConversionRule, verb: str) -> None:
    if rule.status not in EDITABLE:
        raise DomainError.of(
            ErrorCode.WRONG_STATE,
            f"{rule.status.label}的转换规则不能{verb}，请先撤回发布",
            "id",
        )


async def update_rule(
    actor: Actor,
    rule_id: uuid.UUID,
    data: RuleInput,
    *,
    publish: bool = False,
    pledge_accepted: bool = False,
) -> ConversionRule:
    """修改: a draft or an off-shelf rule gets new content (its sources and targets replaced);
    with ``publish`` it is published as well. The code stays. Not while applications made under
    the rule wait for review: approving them would grant targets the learner never applied for."""
    async with in_transaction():
        institution_id, rule = await _own_locked(actor, rule_id)
        _require_editable(rule, "修改")
        if await ConversionApplication.exists(rule_id=rule.id, status=ApplicationStatus.PENDING):
            raise DomainError.of(
                ErrorCode.CONFLICT, "该转换规则还有待审核的转换申请，请审核完毕后再修改", "id"
            )
        plan = await plan_rule(actor, institution_id, data)
        if publish:
            await _check_publishable(institution_id, plan.file_id, "fileId")
        before = await _snapshot(rule)
        rule.rule_type = plan.rule_type
        rule.description = plan.description
        rule.file_id = plan.file_id
        await rule.save(update_fields=["rule_type", "description", "file_id", "updated_at"])
        await ConversionRuleSource.filter(rule_id=rule.id).delete()
        await ConversionRuleTarget.filter(rule_id=rule.id).delete()
        await _write_parts(rule, plan)
        old, new = audit.changed(before, await _snapshot(rule))
        await audit.record(actor, "conversion_rule.update", rule, before=old, after=new)
        if publish:
            before = audit.snapshot(rule)
            await _publish(actor, rule, pledge_accepted)
            await audit.record_change(actor, "conversion_rule.publish", rule, before)
    return rule


async def publish_rule(actor: Actor, rule_id: uuid.UUID, pledge_accepted: bool) -> ConversionRule:
    """【发布】 a draft or an off-shelf rule: it shows on the portal at once."""
    async with in_transaction():
        institution_id, rule = await _own_locked(actor, rule_id)
        if rule.status == RuleStatus.PUBLISHED:
            raise DomainError.of(ErrorCode.WRONG_STATE, "该转换规则已发布", "id")
        await _check_publishable(institution_id, rule.file_id, None)
        before = audit.snapshot(rule)
        await _publish(actor, rule, pledge_accepted)
        await audit.record_change(actor, "conversion_rule.publish", rule, before)
    return rule


async def withdraw_rule(actor: Actor, rule_id: uuid.UUID) -> ConversionRule:
    """撤回发布: a published rule goes off the shelf and off the portal; applications already made
    under it are left to their reviewers."""
    async with in_transaction():
        _, rule = await _own_locked(actor, rule_id)
        if rule.status != RuleStatus.PUBLISHED:
            raise DomainError.of(
                ErrorCode.WRONG_STATE, f"该转换规则{rule.status.label}，无需撤回", "id"
            )
        before = audit.snapshot(rule)
        rule.status = RuleStatus.OFF_SHELF
        await rule.save(update_fields=["status", "updated_at"])
        await audit.record_change(actor, "conversion_rule.withdraw", rule, before)
    return rule


async def delete_rule(actor: Actor, rule_id: uuid.UUID) -> uuid.UUID:
    """删除 a draft or an off-shelf rule no application was ever made under."""
    async with in_transaction():
        _, rule = await _own_locked(actor, rule_id)
        _require_editable(rule, "删除")
        in_use = DomainError.of(
            ErrorCode.CONFLICT, "该转换规则已有转换申请，不能删除，可保持下架", "id"
        )
        for model in (ConversionApplication, ConversionBatch):
            if await model.exists(rule_id=rule.id):
                raise in_use
        await audit.record(actor, "conversion_rule.delete", rule, before=await _snapshot(rule))
        try:
            await ConversionRule.filter(id=rule.id).delete()  # sources and targets cascade
        except IntegrityError:
            raise in_use from None
    return rule.id


async def take_down_rule(actor: Actor, rule_id: uuid.UUID, reason: str) -> ConversionRule:
    """下架: an administrator takes a published rule off the portal with a reason; the
    institution is told and may edit and publish it again."""
    require_admin(actor)
    checker = FieldChecker()
    reason = checker.text("reason", reason, max_length=MAX_REASON)
    checker.done()
    async with in_transaction():
        rule = await ConversionRule.select_for_update().get_or_none(id=rule_id)
        if rule is None:
            raise DomainError.of(ErrorCode.NOT_FOUND, "转换规则不存在", "id")
        if rule.status != RuleStatus.PUBLISHED:
            raise DomainError.of(
                ErrorCode.WRONG_STATE, f"该转换规则{rule.status.label}，不能下架", "id"
            )
        before = audit.snapshot(rule)
        rule.status = RuleStatus.OFF_SHELF
        rule.taken_down_reason = reason
        await rule.save(update_fields=["status", "taken_down_reason", "updated_at"])
        old, new = audit.changed(before, audit.snapshot(rule))
        await audit.record(
            actor,
            "conversion_rule.take_down",
            rule,
            before=old,
            after=new,
            institution_id=rule.institution_id,
        )
        await notify(
            to_institution(
                rule.institution_id,
                "conversion_rule.taken_down",
                "转换规则已下架",
                f"您的转换规则{rule.code}已被学分银行下架，原因：{reason}",
                RULE_LINK.format(id=rule.id),
                rule.id,
            )
        )
    return rule
