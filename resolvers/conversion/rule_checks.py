"""Checking a conversion rule's input (转换规则制定 / 修改): the sources and targets it names,
their categories and schemas, and the exempt modules of non-academic targets, all problems at
once under their GraphQL paths."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from models import (
    AchievementSubtype,
    DetailSchema,
    InstitutionAchievement,
    RecognitionStatus,
    RuleType,
    TargetKind,
)
from resolvers.core.actors import Actor
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.files import attach_file
from resolvers.core.validation import FieldChecker

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
class PlannedTarget:
    kind: TargetKind
    entry: InstitutionAchievement
    exempt_modules: list[dict[str, str]]


@dataclass
class RulePlan:
    """A checked input: the entries to write, in the order given."""

    rule_type: RuleType
    sources: list[InstitutionAchievement]
    targets: list[PlannedTarget]
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


async def plan_rule(actor: Actor, institution_id: uuid.UUID, data: RuleInput) -> RulePlan:
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
    targets: list[PlannedTarget] = []
    if target_side == ACADEMIC:
        for kind, ids_of_kind, path, schema in (
            (TargetKind.MAJOR, data.major_ids, "targets.majors", DetailSchema.DIPLOMA),
            (TargetKind.COURSE, data.course_ids, "targets.courses", DetailSchema.COURSE),
        ):
            for index, entry_id in enumerate(ids_of_kind):
                entry = check.target(entry_id, f"{path}.{index}", ACADEMIC, schema)
                if entry is not None:
                    targets.append(PlannedTarget(kind, entry, []))
    else:
        for index, target in enumerate(data.non_academic):
            path = f"targets.nonAcademic.{index}"
            entry = check.target(
                target.catalogue_entry_id, f"{path}.catalogueEntryId", NON_ACADEMIC, None
            )
            modules = _exempt_modules(target.exempt_modules, f"{path}.exemptModules", problems)
            if entry is not None:
                targets.append(PlannedTarget(TargetKind.NON_ACADEMIC, entry, modules))
    problems.raise_if_any()
    return RulePlan(
        rule_type=data.rule_type,
        sources=[entry for entry in sources if entry is not None],
        targets=targets,
        description=description,
        file_id=file_id,
    )
