"""Conversion rules (转换规则, seed 003 §2.3.2, seed 004 §5.1, SPEC §4): an institution says which
recognised achievements (源成果, all required together) convert into which of its own (目标成果:
majors and courses, or non-academic achievements with exempt modules). Drafts (未提交) are
published (已发布) on the portal once the institution has a published policy and the person
publishing has accepted the pledge; a published rule is withdrawn (撤回发布) by its institution or
taken down by the bank (下架), after which it may be edited and published again."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import (
    AchievementSubtype,
    ApplicationStatus,
    ConversionApplication,
    ConversionBatch,
    ConversionPolicy,
    ConversionRule,
    ConversionRuleSource,
    ConversionRuleTarget,
    DetailSchema,
    Institution,
    InstitutionAchievement,
    PolicyStatus,
    RecognitionStatus,
    RuleStatus,
    RuleType,
    TargetKind,
)
from resolvers.conversion.publishing import ensure_pledge
from resolvers.core import audit
from resolvers.core.actors import Actor, require_admin, require_institution
from resolvers.core.clock import SHANGHAI, now
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.files import attach_file
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker
from resolvers.messages import notify, to_institution

ACADEMIC = "academic"
NON_ACADEMIC = "non_academic"
CATEGORY_LABELS = {ACADEMIC: "学历成果", NON_ACADEMIC: "非学历成果"}
MAX_SOURCES = 20
MAX_TARGETS = 20
MAX_MODULES = 20
MAX_MODULE_NAME = 50
MIN_MODULE_CREDITS = Decimal("0.5")
MAX_MODULE_CREDITS = Decimal(100)
MAX_DESCRIPTION = 2000
MAX_REASON = 500
MAX_DAILY_CODES = 9999
RULE_LINK = "/conversion/rules/{id}"
EDITABLE = (RuleStatus.DRAFT, RuleStatus.OFF_SHELF)

# 转换规则类型 → (the sources' category, the targets' category)
SIDES: dict[RuleType, tuple[str, str]] = {
    RuleType.NON_ACADEMIC_TO_ACADEMIC: (NON_ACADEMIC, ACADEMIC),
    RuleType.ACADEMIC_TO_NON_ACADEMIC: (ACADEMIC, NON_ACADEMIC),
    RuleType.ACADEMIC_TO_ACADEMIC: (ACADEMIC, ACADEMIC),
    RuleType.NON_ACADEMIC_TO_NON_ACADEMIC: (NON_ACADEMIC, NON_ACADEMIC),
}


@dataclass
class ExemptModule:
    """免考模块: a part of a non-academic target the learner need not sit (实操, 2 credits)."""

    name: str
    credits: Decimal | str


@dataclass
class NonAcademicTarget:
    catalogue_entry_id: uuid.UUID
    exempt_modules: list[ExemptModule] = field(default_factory=list)


@dataclass
class RuleInput:
    """What the 转换规则制定 / 修改 form sends. Problems are reported under the GraphQL paths:
    ``sources.<i>``, ``targets.majors.<i>``, ``targets.courses.<i>``,
    ``targets.nonAcademic.<i>.catalogueEntryId``, ``….exemptModules.<j>.name``, ``description``,
    ``fileId``."""

    rule_type: RuleType
    source_ids: list[uuid.UUID]
    major_ids: list[uuid.UUID] = field(default_factory=list)
    course_ids: list[uuid.UUID] = field(default_factory=list)
    non_academic: list[NonAcademicTarget] = field(default_factory=list)
    description: str = ""
    file_id: uuid.UUID | None = None


@dataclass
class _Target:
    kind: TargetKind
    entry: InstitutionAchievement
    exempt_modules: list[dict[str, str]]


@dataclass
class _Plan:
    """A checked input: the entries to write, in the order given."""

    rule_type: RuleType
    sources: list[InstitutionAchievement]
    targets: list[_Target]
    description: str
    file_id: uuid.UUID | None


# -- checking the input --------------------------------------------------------------------------


def _module_credits(value: Decimal | str, path: str, problems: Problems) -> str | None:
    try:
        credits = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        credits = None
    if credits is None or not credits.is_finite():
        problems.add(path, ErrorCode.INVALID, "免考学分应为数字")
        return None
    if not MIN_MODULE_CREDITS <= credits <= MAX_MODULE_CREDITS:
        problems.add(
            path,
            ErrorCode.INVALID,
            f"免考学分应在{MIN_MODULE_CREDITS}到{MAX_MODULE_CREDITS}之间",
        )
        return None
    if credits.normalize().as_tuple().exponent < -2:  # type: ignore[operator]
        problems.add(path, ErrorCode.INVALID, "免考学分最多保留两位小数")
        return None
    return format(credits.normalize(), "f")  # "2", "2.5", "100" (not 1E+2)


def _exempt_modules(
    modules: list[ExemptModule], path: str, problems: Problems
) -> list[dict[str, str]]:
    if len(modules) > MAX_MODULES:
        problems.add(path, ErrorCode.TOO_LONG, f"免考模块最多{MAX_MODULES}个")
        return []
    checked: list[dict[str, str]] = []
    names: set[str] = set()
    for index, module in enumerate(modules):
        name = (module.name or "").strip()
        name_path = f"{path}.{index}.name"
        if not name:
            problems.add(name_path, ErrorCode.REQUIRED, "请输入免考模块名称")
        elif len(name) > MAX_MODULE_NAME:
            problems.add(
                name_path, ErrorCode.TOO_LONG, f"免考模块名称不能超过{MAX_MODULE_NAME}个字符"
            )
        elif name in names:
            problems.add(name_path, ErrorCode.INVALID, "免考模块名称重复")
        names.add(name)
        credits = _module_credits(module.credits, f"{path}.{index}.credits", problems)
        if credits is not None:
            checked.append({"name": name, "credits": credits})
    return checked


def _count(ids: list[Any], path: str, low: int, what: str, problems: Problems) -> None:
    if len(ids) < low:
        problems.add(path, ErrorCode.REQUIRED, f"请选择{what}")
    elif len(ids) > MAX_TARGETS:
        problems.add(path, ErrorCode.TOO_LONG, f"{what}最多选择{MAX_TARGETS}个")


class _Checker:
    """Checks the entries of one input against what was loaded, collecting problems."""

    def __init__(
        self,
        institution_id: uuid.UUID,
        entries: dict[uuid.UUID, InstitutionAchievement],
        schemas: dict[str, DetailSchema],
        problems: Problems,
    ) -> None:
        self.institution_id = institution_id
        self.entries = entries
        self.schemas = schemas
        self.problems = problems
        self.seen: set[uuid.UUID] = set()
        self.sources: set[uuid.UUID] = set()

    def _once(self, entry_id: uuid.UUID, path: str, *, source: bool) -> bool:
        if entry_id in self.seen:
            both = not source and entry_id in self.sources
            message = "同一成果不能既是源成果又是目标成果" if both else "重复选择了同一成果"
            self.problems.add(path, ErrorCode.INVALID, message)
            return False
        self.seen.add(entry_id)
        if source:
            self.sources.add(entry_id)
        return True

    def source(
        self, entry_id: uuid.UUID, path: str, category: str
    ) -> InstitutionAchievement | None:
        if not self._once(entry_id, path, source=True):
            return None
        entry = self.entries.get(entry_id)
        if entry is None or (
            entry.institution_id != self.institution_id
            and entry.recognition_status != RecognitionStatus.RECOGNISED
        ):
            self.problems.add(path, ErrorCode.NOT_FOUND, "源成果不存在或未经学分银行认定")
            return None
        if entry.recognition_status != RecognitionStatus.RECOGNISED:
            self.problems.add(
                path,
                ErrorCode.WRONG_STATE,
                f"「{entry.name}」{entry.recognition_status.label}，认定后才能作为源成果",
            )
            return None
        if entry.category_id != category:
            self.problems.add(path, ErrorCode.INVALID, f"源成果应为{CATEGORY_LABELS[category]}")
            return None
        return entry

    def target(
        self, entry_id: uuid.UUID, path: str, category: str, schema: DetailSchema | None
    ) -> InstitutionAchievement | None:
        if not self._once(entry_id, path, source=False):
            return None
        entry = self.entries.get(entry_id)
        if entry is None:
            self.problems.add(path, ErrorCode.NOT_FOUND, "目标成果不存在")
            return None
        if entry.institution_id != self.institution_id:
            self.problems.add(path, ErrorCode.NOT_ALLOWED, "目标成果应为本机构的成果")
            return None
        if entry.recognition_status != RecognitionStatus.RECOGNISED:
            self.problems.add(
                path,
                ErrorCode.WRONG_STATE,
                f"「{entry.name}」{entry.recognition_status.label}，认定后才能作为目标成果",
            )
            return None
        if entry.category_id != category:
            self.problems.add(path, ErrorCode.INVALID, f"目标成果应为{CATEGORY_LABELS[category]}")
            return None
        if schema is not None and self.schemas.get(entry.subtype_id) != schema:
            expected = "专业应为学历证书" if schema == DetailSchema.DIPLOMA else "课程应为学历课程"
            self.problems.add(path, ErrorCode.INVALID, expected)
            return None
        return entry


async def _plan(actor: Actor, institution_id: uuid.UUID, data: RuleInput) -> _Plan:
    """The checked input, or a DomainError with every problem found."""
    checker = FieldChecker()
    description = checker.text(
        "description", data.description, max_length=MAX_DESCRIPTION, required=False
    )
    problems = checker.problems
    source_side, target_side = SIDES[data.rule_type]
    if not data.source_ids:
        problems.add("sources", ErrorCode.REQUIRED, "请选择源成果")
    elif len(data.source_ids) > MAX_SOURCES:
        problems.add("sources", ErrorCode.TOO_LONG, f"源成果最多选择{MAX_SOURCES}个")
    if target_side == ACADEMIC:
        _count(data.major_ids, "targets.majors", 0, "专业", problems)
        if not data.course_ids:
            problems.add("targets.courses", ErrorCode.REQUIRED, "目标成果为专业、课程时，课程必填")
        _count(data.course_ids, "targets.courses", 0, "课程", problems)
        if data.non_academic:
            problems.add(
                "targets.nonAcademic", ErrorCode.INVALID, "该转换规则类型的目标成果为学历成果"
            )
    else:
        _count(data.non_academic, "targets.nonAcademic", 1, "非学历目标成果", problems)
        for path, ids in (("targets.majors", data.major_ids), ("targets.courses", data.course_ids)):
            if ids:
                problems.add(path, ErrorCode.INVALID, "该转换规则类型的目标成果为非学历成果")
    file_id = data.file_id
    if file_id is not None:
        try:
            await attach_file(actor, file_id, "fileId")
        except DomainError as error:
            problems.items.extend(error.problems)
    if any(p.code == ErrorCode.TOO_LONG for p in problems.items if p.field != "description"):
        problems.raise_if_any()  # a list too long: its entries are not looked up

    wanted = {
        *data.source_ids,
        *data.major_ids,
        *data.course_ids,
        *(target.catalogue_entry_id for target in data.non_academic),
    }
    entries = {row.id: row for row in await InstitutionAchievement.filter(id__in=list(wanted))}
    subtype_codes = {row.subtype_id for row in entries.values()}
    schemas = dict(
        await AchievementSubtype.filter(code__in=list(subtype_codes)).values_list(
            "code", "detail_schema"
        )
    )
    check = _Checker(institution_id, entries, schemas, problems)
    sources = [
        check.source(entry_id, f"sources.{index}", source_side)
        for index, entry_id in enumerate(data.source_ids)
    ]
    targets: list[_Target] = []
    if target_side == ACADEMIC:
        for kind, ids_of_kind, path, schema in (
            (TargetKind.MAJOR, data.major_ids, "targets.majors", DetailSchema.DIPLOMA),
            (TargetKind.COURSE, data.course_ids, "targets.courses", DetailSchema.COURSE),
        ):
            for index, entry_id in enumerate(ids_of_kind):
                entry = check.target(entry_id, f"{path}.{index}", ACADEMIC, schema)
                if entry is not None:
                    targets.append(_Target(kind, entry, []))
    else:
        for index, target in enumerate(data.non_academic):
            path = f"targets.nonAcademic.{index}"
            entry = check.target(
                target.catalogue_entry_id, f"{path}.catalogueEntryId", NON_ACADEMIC, None
            )
            modules = _exempt_modules(target.exempt_modules, f"{path}.exemptModules", problems)
            if entry is not None:
                targets.append(_Target(TargetKind.NON_ACADEMIC, entry, modules))
    problems.raise_if_any()
    return _Plan(
        rule_type=data.rule_type,
        sources=[entry for entry in sources if entry is not None],
        targets=targets,
        description=description,
        file_id=file_id,
    )


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


async def _write_parts(rule: ConversionRule, plan: _Plan) -> None:
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
    plan = await _plan(actor, institution_id, data)
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
        plan = await _plan(actor, institution_id, data)
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


# -- reading -------------------------------------------------------------------------------------


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
