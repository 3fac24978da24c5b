"""The safe reader of uploaded import workbooks (导入文件): the first worksheet of an .xlsx file,
its columns mapped to a template layout by header label.

An upload is untrusted. Before the spreadsheet engine sees it, the package is checked
(`package`), the extent of the first worksheet's cells must stay within bounds (`extent`) and its
header is read from the sheet XML (`sheet_xml`); only then does the engine read the rows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from resolvers.core.errors import ErrorCode, Problems
from resolvers.workbooks.extent import (
    check_bounds,
    scan_extent,
)
from resolvers.workbooks.layouts import Layout, header_label
from resolvers.workbooks.package import (
    CORRUPT,
    FIELD,
    Package,
    refused,
)
from resolvers.workbooks.sheet_xml import as_number, read_header, uncomputed_formulas

_LISTED = 10  # column names shown in one message


class UncomputedFormula(str):
    """A formula cell saved without its result (a workbook written by a program rather than
    Excel, or saved with manual calculation): the engine reads it as empty, but the row is
    not blank, and the registrar is told which cell to fix."""

    __slots__ = ()


UNCOMPUTED = UncomputedFormula()


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One non-blank data row. Cells hold what the engine gives: None (empty), str (not
    stripped), int (integral numbers), float, bool, datetime.date or datetime.datetime for
    date-formatted cells, datetime.time or timedelta for time-formatted ones, and
    ``UNCOMPUTED`` for a formula without a saved result."""

    number: int  # 1-based row number in the sheet (header is row 1, so data starts at 2)
    cells: tuple[Any, ...]  # one value per layout column, in layout.columns order


def inspect_workbook(
    data: bytes, layout: Layout, others: Sequence[Layout], *, max_rows: int
) -> None:
    """Cheap checks done in the upload request, before anything is written: raises
    DomainError(field "file"). The sheet is inflated and scanned once, but never parsed beyond
    its first row."""
    sheet = _checked_sheet(data, max_rows)
    _match_header(sheet.header, layout, others)
    if sheet.last_row <= 1:
        raise refused("工作表中只有表头，没有数据行（数据从第 2 行开始填写）")


def read_rows(
    data: bytes, layout: Layout, others: Sequence[Layout], *, max_rows: int
) -> list[SheetRow]:
    """All the same checks, then every data row, blank rows left out. Runs in a worker thread
    (call it via asyncio.to_thread)."""
    sheet = _checked_sheet(data, max_rows)
    _match_header(sheet.header, layout, others)  # the same refusals as the upload got
    uncomputed = uncomputed_formulas(Package(data), sheet.path) if sheet.formulas else {}
    try:
        with CalamineWorkbook.from_filelike(BytesIO(data)) as workbook:
            return _engine_rows(workbook, sheet.name, layout, others, max_rows, uncomputed)
    except CalamineError as error:
        raise refused(CORRUPT) from error


# -- the package ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sheet:
    name: str
    header: dict[int, object]  # row 1: 0-based column -> value
    last_row: int  # 1-based row of the last cell with a value; 0 when there is none
    path: str  # of the worksheet in the package
    formulas: bool  # whether any cell holds a formula


def _checked_sheet(data: bytes, max_rows: int) -> _Sheet:
    package = Package(data)
    name, path, shared_strings = package.first_worksheet()
    extent = scan_extent(package, path)
    package.verify_except(path)
    if extent.last_row == 0:
        raise refused("工作表中没有数据")
    check_bounds(extent, max_rows)
    header = read_header(package, path, shared_strings)
    return _Sheet(name, header, extent.last_row, path, extent.formulas)


# -- header labels -------------------------------------------------------------------------------


def _match_header(
    header: Mapping[int, object], layout: Layout, others: Sequence[Layout]
) -> list[int | None]:
    """The 0-based sheet column of each layout column (None when an optional one is absent)."""
    columns: dict[str, int] = {}
    duplicates: list[str] = []
    for column in sorted(header):
        label = header_label(_label_text(header[column]))
        if not label:
            continue
        if label not in columns:
            columns[label] = column
        elif label not in duplicates:
            duplicates.append(label)
    if not columns:
        raise refused("第 1 行应为表头，请勿在表头上方插入空行或标题")
    present = set(columns)
    missing = [c.header for c in layout.columns if c.required and c.label not in present]
    known = set(layout.labels)
    unknown = [label for label in columns if label not in known]
    if missing or unknown:
        other = _template_of(present, layout, others)
        if other is not None:
            raise refused(f"这是“{other.title}”导入模板，请下载并使用“{layout.title}”导入模板")
    problems = Problems()
    if missing:
        problems.add(FIELD, ErrorCode.REQUIRED, f"缺少必填列：{_listed(missing)}")
    if unknown:
        problems.add(FIELD, ErrorCode.INVALID, f"表头中有模板以外的列：{_listed(unknown)}")
    if duplicates:
        problems.add(FIELD, ErrorCode.INVALID, f"表头重复：{_listed(duplicates)}")
    problems.raise_if_any()
    return [columns.get(column.label) for column in layout.columns]


def _label_text(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _template_of(present: set[str], layout: Layout, others: Sequence[Layout]) -> Layout | None:
    """Another template the header labels fit: exactly, or with all its required columns and
    nothing foreign to it."""
    candidates = [other for other in others if other != layout]
    for other in candidates:
        if present == set(other.labels):
            return other
    for other in candidates:
        required = {column.label for column in other.columns if column.required}
        if required <= present <= set(other.labels):
            return other
    return None


def _listed(names: list[str]) -> str:
    shown = "、".join(names[:_LISTED])
    return f"{shown} 等 {len(names)} 列" if len(names) > _LISTED else shown


# -- rows, through the engine --------------------------------------------------------------------


def _engine_rows(
    workbook: CalamineWorkbook,
    name: str,
    layout: Layout,
    others: Sequence[Layout],
    max_rows: int,
    uncomputed: Mapping[int, set[int]] | None = None,
) -> list[SheetRow]:
    sheet = workbook.get_sheet_by_name(name)
    start = sheet.start
    if start is None:
        raise refused("工作表中没有数据")
    first_row, first_column = start
    if first_row != 0:
        raise refused("第 1 行应为表头，请勿在表头上方插入空行或标题")
    values = sheet.iter_rows()
    header = {first_column + i: value for i, value in enumerate(next(values)) if value != ""}
    positions = [
        None if column is None else column - first_column
        for column in _match_header(header, layout, others)
    ]
    present = [(i, position) for i, position in enumerate(positions) if position is not None]
    width = len(positions)
    rows: list[SheetRow] = []
    count = 0
    if uncomputed:  # the engine's range ends at its last value: formulas may lie beyond it
        blank_row = [""] * (max((p for _, p in present), default=0) + 1)
        values = _padded(values, max(uncomputed), blank_row)
    for number, row in enumerate(values, start=2):
        cells: list[Any] = [None] * width
        blank = True
        for i, position in present:
            value = row[position]
            if value.__class__ is str:
                if not value:
                    continue
                if blank and not value.isspace():
                    blank = False
            else:
                blank = False
                if value.__class__ is float:
                    value = as_number(value)
            cells[i] = value
        for column in uncomputed.get(number, ()) if uncomputed else ():
            for i, position in present:
                if first_column + position + 1 == column:
                    cells[i] = UNCOMPUTED
                    blank = False
        if blank:
            continue
        count += 1
        if count <= max_rows:
            rows.append(SheetRow(number, tuple(cells)))
    if count > max_rows:
        raise refused(f"数据行数 {count} 超过上限 {max_rows} 行")
    if not rows:
        raise refused("工作表中只有表头，没有数据行（数据从第 2 行开始填写）")
    return rows


def _padded(rows: Iterator[list[Any]], until: int, blank: list[Any]) -> Iterator[list[Any]]:
    """The data rows (from row 2), then blank ones up to sheet row ``until``."""
    number = 1
    for row in rows:
        number += 1
        yield row
    for _ in range(number + 1, until + 1):
        yield blank
