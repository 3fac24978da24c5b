"""Reading one workbook cell as the value its column expects, with the reason when it cannot
be read. Reasons name the column, so a refused row tells the registrar which cell to fix."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from resolvers.achievements.details import TermBook
from resolvers.core.errors import ErrorCode, Problems
from resolvers.workbooks.layouts import Column, ColumnKind
from resolvers.workbooks.reader import UncomputedFormula

_DATE_TEXT = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MODULE_SPLIT = re.compile(r"[;；\n]")
_MODULE_PAIR = re.compile(r"(.+?)[:：]\s*([0-9.]+)")


UNCOMPUTED_MESSAGE = "公式没有保存计算结果，请在 Excel 中打开后保存（或复制后“粘贴为数值”）再导入"
_FORMULA_GUARD = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def as_text(value: Any) -> str:
    """A cell as text: numbers without a trailing ``.0``, dates as ``YYYY-MM-DD``, and without
    the apostrophe our own workbooks put before text that would start a formula (so a refused
    rows workbook, corrected, imports as it was first typed)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text[1:] if text.startswith(_FORMULA_GUARD) else text


def _date(value: Any, compact: bool) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = as_text(value)
    match = _COMPACT_DATE.fullmatch(text) if compact else _DATE_TEXT.fullmatch(text)
    if match is None and not compact:
        match = _COMPACT_DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _modules(text: str, column: Column, problems: Problems) -> list[dict[str, Any]]:
    modules = []
    for part in filter(None, (p.strip() for p in _MODULE_SPLIT.split(text))):
        match = _MODULE_PAIR.fullmatch(part)
        if match is None:
            problems.add(column.label, ErrorCode.INVALID, "格式应为“模块名称:学分;模块名称:学分”")
            return []
        modules.append({"name": match[1].strip(), "credits": match[2]})
    return modules


def read_cell(column: Column, value: Any, terms: TermBook, problems: Problems) -> Any:
    """The value of one cell for ``column``: text, a date, a term code or choice label, a number
    as text, modules; None when empty or unreadable (the problem is added under the label)."""
    if isinstance(value, UncomputedFormula):
        problems.add(column.label, ErrorCode.INVALID, UNCOMPUTED_MESSAGE)
        return None
    text = as_text(value)
    if not text:
        if column.required:
            problems.add(column.label, ErrorCode.REQUIRED, "必填项未填写")
        return None
    if column.kind in (ColumnKind.DATE, ColumnKind.COMPACT_DATE):
        compact = column.kind == ColumnKind.COMPACT_DATE
        day = _date(value, compact)
        if day is None:
            example = "20220801" if compact else "2022-08-01"
            problems.add(column.label, ErrorCode.INVALID, f"日期格式不正确，应如{example}")
        return day
    if len(text) > column.max_length:
        problems.add(column.label, ErrorCode.TOO_LONG, f"不能超过{column.max_length}个字符")
        return None
    if column.kind == ColumnKind.CHOICE:
        return _choice(column, text, terms, problems)
    if column.kind in (ColumnKind.INTEGER, ColumnKind.DECIMAL):
        try:
            Decimal(text)
        except InvalidOperation:
            problems.add(column.label, ErrorCode.INVALID, "应为数字")
            return None
        return text
    if column.kind == ColumnKind.MODULES:
        return _modules(text, column, problems)
    return text


def _choice(column: Column, text: str, terms: TermBook, problems: Problems) -> str | None:
    if column.term is not None:
        code = terms.code_for_label(column.term, text)
        if code is None:
            code = text if terms.label(column.term, text) is not None else None
        if code is None:
            problems.add(column.label, ErrorCode.INVALID, f"“{text}”不在下拉选项中")
        return code
    if text not in column.choices:
        problems.add(column.label, ErrorCode.INVALID, f"“{text}”不在下拉选项中")
        return None
    return text


def reason_of(problems: Problems) -> str:
    """The refusal reason of a row: each problem as ``列名：说明``, joined by ``；``."""
    parts = []
    for problem in problems.items:
        label = problem.field or ""
        message = problem.message
        parts.append(message if not label or message.startswith(label) else f"{label}：{message}")
    return "；".join(dict.fromkeys(parts))
