"""Writing workbooks: the import templates (导入模板) with their drop-downs and instructions, and
streamed sheets of rows for exports and import records.

Every cell written from data goes through :func:`safe_cell`: a text that a spreadsheet would read
as a formula (``=``, ``+``, ``-``, ``@``, a leading tab or carriage return — OWASP's list for CSV
injection) is kept as text behind an apostrophe, so the apostrophe shows and the cell never runs
even when the sheet is saved again as CSV; and it is always stored as a string cell, never as a
formula. Characters XML cannot hold are dropped."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from resolvers.achievements.details import TermBook
from resolvers.core.clock import SHANGHAI
from resolvers.workbooks.layouts import Column, ColumnKind, Layout

TEMPLATE_ROWS = 1000  # rows below the header that carry the drop-downs and formats
INLINE_LIST_LIMIT = 255  # Excel refuses an inline list source longer than this
MAX_CELL_TEXT = 32767
OPTIONS_SHEET = "选项"
INSTRUCTIONS_SHEET = "填写说明"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
TEXT_FORMAT = "@"
QUOTE = "'"

_FORMULA_START = ("=", "+", "-", "@")
_CONTROL_START = ("\t", "\r")
_SHEET_TITLE_UNSAFE = re.compile(r"[\[\]:*?/\\]")
_EARLIEST_DATE = dt.date(1900, 1, 1)
_LATEST_DATE = dt.date(2099, 12, 31)
_BOLD = Font(bold=True)
_BOLD_RED = Font(bold=True, color="FFFF0000")

_KIND_TEXT = {
    ColumnKind.TEXT: "文本",
    ColumnKind.INTEGER: "整数",
    ColumnKind.DECIMAL: "数字，最多两位小数",
    ColumnKind.DATE: "日期，格式YYYY-MM-DD（如2022-08-01）",
    ColumnKind.COMPACT_DATE: "日期，格式YYYYMMDD（如20220801）",
    ColumnKind.CHOICE: "从下拉列表中选择",
    ColumnKind.MODULES: "文本",
}


def safe_cell(value: Any) -> Any:
    """``value`` as a cell may hold it: numbers, dates and None as they are (an aware time shown
    in Asia/Shanghai, as Excel has no time zones); anything else as text without the characters
    XML forbids, and with an apostrophe in front when it would start a formula."""
    if value is None or isinstance(value, bool | int | dt.date | dt.time):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(SHANGHAI).replace(tzinfo=None)
        return value
    if isinstance(value, float | Decimal):
        return value if math.isfinite(value) else str(value)
    text = ILLEGAL_CHARACTERS_RE.sub("", value if isinstance(value, str) else str(value))
    if text.startswith(_CONTROL_START) or text.lstrip().startswith(_FORMULA_START):
        text = QUOTE + text
    return text[:MAX_CELL_TEXT]


def sheet_title(text: str) -> str:
    """A worksheet title Excel accepts: without ``[]:*?/\\``, at most 31 characters."""
    title = _SHEET_TITLE_UNSAFE.sub("", text).strip().strip("'")[:31]
    return title or "Sheet1"


def _text_width(text: str) -> int:
    """Roughly how many character widths ``text`` takes (a CJK character counts twice)."""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


# -- streamed rows -------------------------------------------------------------------------------


class RowWriter:
    """One sheet streamed into a write-only workbook: a bold, frozen header row, then rows, each
    cell through :func:`safe_cell`. Not thread-safe: call it from one thread at a time (rows can
    be appended batch by batch from ``asyncio.to_thread``)."""

    def __init__(
        self,
        title: str,
        headers: Sequence[str],
        widths: Sequence[int] | None = None,
        formats: Sequence[str | None] | None = None,
    ) -> None:
        """``formats``: a number format per column (``TEXT_FORMAT`` keeps ID numbers and codes
        text when a person retypes them), set on the column and on each of its cells."""
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(sheet_title(title))
        self._sheet.freeze_panes = "A2"
        self._formats = list(formats or [])
        for index, header in enumerate(headers):
            width = widths[index] if widths else max(12, _text_width(str(header)) + 4)
            dimension = self._sheet.column_dimensions[get_column_letter(index + 1)]
            dimension.width = width
            if index < len(self._formats) and self._formats[index] is not None:
                dimension.number_format = self._formats[index]
        header_row = []
        for header in headers:
            cell = self._cell(header)
            cell.font = _BOLD
            header_row.append(cell)
        self._sheet.append(header_row)
        self.rows = 0

    def _cell(self, value: Any) -> WriteOnlyCell:
        cell = WriteOnlyCell(self._sheet, safe_cell(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"
        return cell

    def _value(self, value: Any) -> Any:
        value = safe_cell(value)
        if isinstance(value, dt.datetime):
            cell = WriteOnlyCell(self._sheet, value)
            cell.number_format = DATETIME_FORMAT
            return cell
        if isinstance(value, dt.date):
            cell = WriteOnlyCell(self._sheet, value)
            cell.number_format = DATE_FORMAT
            return cell
        if isinstance(value, str) and value in ERROR_CODES:  # "#N/A" stays text, not an error
            return self._cell(value)
        return value

    def _formatted(self, value: Any, number_format: str | None) -> Any:
        if number_format != TEXT_FORMAT or value is None:
            return self._value(value)
        cell = self._cell(value if isinstance(value, str) else str(value))
        cell.number_format = TEXT_FORMAT
        return cell

    def append(self, row: Sequence[Any]) -> None:
        if self._formats:
            formats = self._formats + [None] * (len(row) - len(self._formats))
            self._sheet.append([self._formatted(v, f) for v, f in zip(row, formats, strict=False)])
        else:
            self._sheet.append([self._value(value) for value in row])
        self.rows += 1

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.append(row)

    def save(self, target: BinaryIO | str) -> None:
        self._book.save(target)


def write_rows(
    target: BinaryIO,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int] | None = None,
    formats: Sequence[str | None] | None = None,
) -> None:
    """Stream ``rows`` under ``headers`` into a one-sheet .xlsx written to ``target``."""
    writer = RowWriter(title, headers, widths, formats)
    writer.extend(rows)
    writer.save(target)


# -- templates -----------------------------------------------------------------------------------


def _choices(column: Column, terms: TermBook) -> list[str]:
    if column.choices:
        return list(column.choices)
    if column.term is not None:
        return list(terms.choices(column.term).values())
    return []


def _requirement(column: Column, choices: list[str]) -> str:
    parts = [column.hint] if column.hint else []
    kind = _KIND_TEXT[column.kind]
    if column.kind in (ColumnKind.TEXT, ColumnKind.MODULES):
        kind = f"{kind}，不超过{column.max_length}个字符"
    if column.kind == ColumnKind.CHOICE and not choices:
        kind = "暂无可选值，请联系学分银行"
    if not column.hint or column.kind != ColumnKind.CHOICE:
        parts.append(kind)
    return "；".join(parts)


class _Options:
    """The hidden sheet holding drop-down lists too long (or too awkward) to write inline."""

    def __init__(self, book: Workbook) -> None:
        self._book = book
        self._sheet: Worksheet | None = None
        self._columns = 0

    def reference(self, values: list[str]) -> str:
        if self._sheet is None:
            self._sheet = self._book.create_sheet(OPTIONS_SHEET)
            self._sheet.sheet_state = "hidden"
        self._columns += 1
        letter = get_column_letter(self._columns)
        for row, value in enumerate(values, 1):
            cell = self._sheet.cell(row, self._columns, safe_cell(value))
            cell.data_type = "s"
        return f"'{OPTIONS_SHEET}'!${letter}$1:${letter}${len(values)}"


def _list_source(values: list[str], options: _Options) -> str:
    inline = '"' + ",".join(values) + '"'
    if len(inline) <= INLINE_LIST_LIMIT and not any("," in v or '"' in v for v in values):
        return inline
    return options.reference(values)


def _validation(column: Column, values: list[str], options: _Options) -> DataValidation | None:
    label = column.label
    if column.kind == ColumnKind.CHOICE:
        if not values:
            return None
        return DataValidation(
            type="list",
            formula1=_list_source(values, options),
            allow_blank=True,
            showDropDown=False,  # False shows the in-cell arrow (the attribute is inverted)
            showErrorMessage=True,
            errorTitle="输入有误",
            error=f"{label}请从下拉列表中选择",
            promptTitle=label,
            prompt="请从下拉列表中选择",
            showInputMessage=True,
        )
    if column.kind == ColumnKind.DATE:
        return DataValidation(
            type="date",
            operator="between",
            formula1=str(int(to_excel(_EARLIEST_DATE))),
            formula2=str(int(to_excel(_LATEST_DATE))),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="输入有误",
            error=f"{label}应为日期，格式YYYY-MM-DD（如2022-08-01）",
            promptTitle=label,
            prompt="格式YYYY-MM-DD，如2022-08-01",
            showInputMessage=True,
        )
    if column.kind == ColumnKind.COMPACT_DATE:
        return DataValidation(
            type="textLength",
            operator="equal",
            formula1="8",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="输入有误",
            error=f"{label}格式为YYYYMMDD，如20220801",
            promptTitle=label,
            prompt="格式YYYYMMDD，如20220801",
            showInputMessage=True,
        )
    return None


def number_format(column: Column) -> str | None:
    """The template's number format of ``column``'s cells."""
    if column.kind == ColumnKind.DATE:
        return DATE_FORMAT
    if column.kind in (ColumnKind.TEXT, ColumnKind.COMPACT_DATE, ColumnKind.MODULES):
        return TEXT_FORMAT  # 18-digit ID numbers and 20220801 stay as typed
    return None


def _data_sheet(sheet: Worksheet, layout: Layout, terms: TermBook, options: _Options) -> None:
    last_row = TEMPLATE_ROWS + 1
    for index, column in enumerate(layout.columns, 1):
        letter = get_column_letter(index)
        header = sheet.cell(1, index, column.header)
        header.data_type = "s"
        header.font = _BOLD_RED if column.required else _BOLD
        header.alignment = Alignment(horizontal="center", vertical="center")
        sheet.column_dimensions[letter].width = column.width
        cell_format = number_format(column)
        if cell_format is not None:
            for row in range(2, last_row + 1):
                sheet.cell(row, index).number_format = cell_format
        validation = _validation(column, _choices(column, terms), options)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{last_row}")
    sheet.freeze_panes = "A2"


def _instructions_sheet(sheet: Worksheet, layout: Layout, terms: TermBook) -> None:
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.cell(1, 1, "填写说明").font = Font(bold=True, size=14)
    row = 2
    for number, note in enumerate(layout.notes, 1):
        sheet.cell(row, 1, safe_cell(f"{number}. {note}"))
        row += 1
    row += 1
    for index, title in enumerate(("列名", "是否必填", "填写要求", "可选值"), 1):
        sheet.cell(row, index, title).font = _BOLD
    for column in layout.columns:
        row += 1
        choices = _choices(column, terms)
        values = (
            column.label,
            "必填" if column.required else "选填",
            _requirement(column, choices),
            "、".join(choices),
        )
        for index, value in enumerate(values, 1):
            cell = sheet.cell(row, index, safe_cell(value))
            cell.data_type = "s"
            cell.alignment = wrap
    for letter, width in zip("ABCD", (22, 10, 50, 60), strict=True):
        sheet.column_dimensions[letter].width = width


def template_workbook(layout: Layout, terms: TermBook) -> bytes:
    """The import template of ``layout``: the data sheet (its headers, required ones marked
    ``*`` in red, with drop-downs, date and text formats on the first rows), the instructions
    sheet 填写说明, and a hidden sheet 选项 for long drop-down lists."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title(layout.title)
    options = _Options(book)
    _data_sheet(sheet, layout, terms, options)
    instructions = book.create_sheet(INSTRUCTIONS_SHEET, 1)
    _instructions_sheet(instructions, layout, terms)
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
