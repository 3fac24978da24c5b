"""The typed fields of each kind of achievement (成果附属信息), validated against the taxonomy.

Each :class:`DetailSchema` has a fixed list of fields. Values arrive typed (from GraphQL or a
workbook reader) and leave as a JSON-ready dict that also carries the Chinese label of every
term, so a learner achievement keeps its own copy of what it showed."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from models import DetailSchema, TaxonomyTerm, TermKind
from resolvers.core.errors import ErrorCode, Problems


@dataclass(frozen=True)
class FieldSpec:
    name: str  # snake_case key in the stored dict; the GraphQL field is its camelCase
    label: str  # the Chinese column name, as the manuals and templates show it
    kind: str  # text | int | decimal | date | term
    required: bool = True
    max_length: int = 100
    term: TermKind | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    pattern: str | None = None


def _term(name: str, label: str, term: TermKind, required: bool = True) -> FieldSpec:
    return FieldSpec(name, label, "term", required, term=term)


ZERO = Decimal(0)

SCHEMAS: dict[DetailSchema, list[FieldSpec]] = {
    DetailSchema.DIPLOMA: [
        _term("level", "层次", TermKind.LEVEL),
        _term("discipline", "学科门类", TermKind.DISCIPLINE),
        FieldSpec("discipline_class", "专业类", "text", max_length=50),
        FieldSpec("major", "专业", "text", max_length=50),
        FieldSpec("major_code", "专业代码", "text", False, 10, pattern=r"[0-9A-Z]{4,10}"),
        _term("graduation_conclusion", "毕业结论", TermKind.GRADUATION_CONCLUSION),
        FieldSpec(
            "schooling_years", "学制(年)", "decimal", minimum=Decimal("0.5"), maximum=Decimal(10)
        ),
        FieldSpec(
            "min_graduation_credits", "最低毕业学分", "decimal", minimum=ZERO, maximum=Decimal(1000)
        ),
        FieldSpec(
            "original_hours", "原始学时", "int", False, minimum=ZERO, maximum=Decimal(100000)
        ),
        FieldSpec(
            "original_credits", "原始学分", "decimal", False, minimum=ZERO, maximum=Decimal(1000)
        ),
        FieldSpec("valid_from", "有效期起始时间", "date", False),
    ],
    DetailSchema.COURSE: [
        FieldSpec("course_code", "课程代码", "text", max_length=30),
        FieldSpec("original_hours", "原始学时", "int", minimum=Decimal(1), maximum=Decimal(10000)),
        FieldSpec(
            "original_credits", "原始学分", "decimal", minimum=Decimal("0.1"), maximum=Decimal(100)
        ),
        FieldSpec("score", "成绩", "text", False, 20),
    ],
    DetailSchema.CERTIFICATE: [
        _term("level", "证书等级", TermKind.CERTIFICATE_LEVEL),
        FieldSpec("occupation", "职业(工种)", "text", False, 50),
    ],
    DetailSchema.COMPETITION: [
        FieldSpec("organiser", "活动组织机构", "text", max_length=100),
        _term("award_level", "奖励级别", TermKind.AWARD_LEVEL),
        FieldSpec("competition_name", "竞赛名称", "text", max_length=100),
        FieldSpec("held_on", "竞赛举办时间", "date"),
    ],
    DetailSchema.HERITAGE: [
        FieldSpec("project_name", "项目名称", "text", max_length=100),
        _term("heritage_level", "项目级别", TermKind.AWARD_LEVEL, required=False),
        FieldSpec("inheritor_title", "传承人称号", "text", False, 50),
    ],
    DetailSchema.COMMUNITY: [
        _term("education_category", "学历类别", TermKind.EDUCATION_CATEGORY),
        _term("learning_level_1", "一级学习成果", TermKind.LEARNING_LEVEL_1),
        _term("learning_level_2", "二级学习成果", TermKind.LEARNING_LEVEL_2),
        _term("learning_level_3", "三级学习成果", TermKind.LEARNING_LEVEL_3),
        FieldSpec("hours", "学时", "int", False, minimum=ZERO, maximum=Decimal(10000)),
    ],
}

MAX_MODULES = 20


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class TermBook:
    """The active terms of every list, loaded once per request or import."""

    def __init__(self, terms: dict[TermKind, dict[str, str]]):
        self._terms = terms

    @classmethod
    async def load(cls) -> TermBook:
        terms: dict[TermKind, dict[str, str]] = {}
        for row in await TaxonomyTerm.filter(active=True).order_by("kind", "sort", "code"):
            terms.setdefault(row.kind, {})[row.code] = row.label
        return cls(terms)

    def label(self, kind: TermKind, code: str) -> str | None:
        return self._terms.get(kind, {}).get(code)

    def code_for_label(self, kind: TermKind, label: str) -> str | None:
        """The code of a term shown as ``label`` (what a workbook's drop-down holds)."""
        for code, shown in self._terms.get(kind, {}).items():
            if shown == label:
                return code
        return None

    def choices(self, kind: TermKind) -> dict[str, str]:
        return dict(self._terms.get(kind, {}))


def _check_number(spec: FieldSpec, value: Any, path: str, problems: Problems) -> Any:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        problems.add(path, ErrorCode.INVALID, f"{spec.label}应为数字")
        return None
    if not number.is_finite():
        problems.add(path, ErrorCode.INVALID, f"{spec.label}应为数字")
        return None
    if spec.kind == "int" and number != number.to_integral_value():
        problems.add(path, ErrorCode.INVALID, f"{spec.label}应为整数")
        return None
    if spec.minimum is not None and number < spec.minimum:
        problems.add(path, ErrorCode.INVALID, f"{spec.label}不能小于{spec.minimum}")
        return None
    if spec.maximum is not None and number > spec.maximum:
        problems.add(path, ErrorCode.INVALID, f"{spec.label}不能大于{spec.maximum}")
        return None
    if spec.kind == "int":
        return int(number)
    if number.as_tuple().exponent < -2:  # type: ignore[operator]
        problems.add(path, ErrorCode.INVALID, f"{spec.label}最多保留两位小数")
        return None
    return format(number.normalize(), "f") if number != 0 else "0"  # 160, not 1.6E+2


def _check_value(
    spec: FieldSpec, value: Any, path: str, terms: TermBook, today: dt.date, problems: Problems
) -> dict[str, Any]:
    if spec.kind == "text":
        text = str(value).strip()
        if len(text) > spec.max_length:
            problems.add(path, ErrorCode.TOO_LONG, f"{spec.label}不能超过{spec.max_length}个字符")
        elif spec.pattern and not re.fullmatch(spec.pattern, text):
            problems.add(path, ErrorCode.INVALID, f"{spec.label}格式不正确")
        return {spec.name: text}
    if spec.kind in ("int", "decimal"):
        return {spec.name: _check_number(spec, value, path, problems)}
    if spec.kind == "date":
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            problems.add(path, ErrorCode.INVALID, f"{spec.label}应为日期")
            return {spec.name: None}
        if value > today:
            problems.add(path, ErrorCode.INVALID, f"{spec.label}不能晚于今天")
        return {spec.name: value.isoformat()}
    assert spec.term is not None
    code = str(value).strip()
    label = terms.label(spec.term, code)
    if label is None:
        problems.add(path, ErrorCode.INVALID, f"{spec.label}不在可选范围内")
    return {spec.name: code, f"{spec.name}_label": label or ""}


def validate_details(
    schema: DetailSchema,
    values: dict[str, Any],
    terms: TermBook,
    problems: Problems,
    prefix: str = "details",
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Check ``values`` (keys in snake_case) against the fields of ``schema``; every problem is
    added under ``prefix.camelCaseName``. Returns the stored form."""
    today = today or dt.date.today()
    stored: dict[str, Any] = {}
    known = {spec.name for spec in SCHEMAS[schema]} | (
        {"modules"} if schema == DetailSchema.CERTIFICATE else set()
    )
    for name in sorted(set(values) - known):
        if values[name] not in (None, ""):
            problems.add(f"{prefix}.{camel(name)}", ErrorCode.INVALID, "该成果类型没有此字段")
    for spec in SCHEMAS[schema]:
        path = f"{prefix}.{camel(spec.name)}"
        value = values.get(spec.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required:
                problems.add(path, ErrorCode.REQUIRED, f"{spec.label}为必填项")
            stored[spec.name] = None
            if spec.kind == "term":
                stored[f"{spec.name}_label"] = ""
            continue
        stored.update(_check_value(spec, value, path, terms, today, problems))
    if schema == DetailSchema.CERTIFICATE:
        stored["modules"] = _check_modules(values.get("modules") or [], prefix, problems)
    return stored


_MODULE_NAME = FieldSpec("name", "模块名称", "text", max_length=50)
_MODULE_CREDITS = FieldSpec(
    "credits", "模块学分", "decimal", minimum=Decimal("0.1"), maximum=Decimal(100)
)


def _check_modules(modules: list[dict[str, Any]], prefix: str, problems: Problems) -> list[dict]:
    """Certificate modules with their credits (e.g. 实操 2, 机考 2)."""
    if len(modules) > MAX_MODULES:
        problems.add(f"{prefix}.modules", ErrorCode.TOO_LONG, f"模块最多{MAX_MODULES}个")
        return []
    checked = []
    names: set[str] = set()
    for index, module in enumerate(modules):
        path = f"{prefix}.modules.{index}"
        name = str(module.get("name") or "").strip()
        if not name:
            problems.add(f"{path}.name", ErrorCode.REQUIRED, "模块名称为必填项")
        elif len(name) > _MODULE_NAME.max_length:
            problems.add(f"{path}.name", ErrorCode.TOO_LONG, "模块名称不能超过50个字符")
        elif name in names:
            problems.add(f"{path}.name", ErrorCode.CONFLICT, "模块名称重复")
        names.add(name)
        credits = module.get("credits")
        if credits is None:
            problems.add(f"{path}.credits", ErrorCode.REQUIRED, "模块学分为必填项")
            credits_value = None
        else:
            credits_value = _check_number(_MODULE_CREDITS, credits, f"{path}.credits", problems)
        checked.append({"name": name, "credits": credits_value})
    return checked


def identity_key(schema: DetailSchema, details: dict[str, Any]) -> tuple:
    """The identifying fields used to match a registration to a catalogue entry, beyond issuer,
    subtype and name: a diploma's level and major, a course's code, a certificate's level."""
    keys = {
        DetailSchema.DIPLOMA: ("level", "major"),
        DetailSchema.COURSE: ("course_code",),
        DetailSchema.CERTIFICATE: ("level",),
        DetailSchema.COMPETITION: ("competition_name", "award_level"),
        DetailSchema.HERITAGE: ("project_name",),
        DetailSchema.COMMUNITY: (),
    }[schema]
    return tuple(str(details.get(key) or "").strip() for key in keys)
