"""The extent of a worksheet's cells, scanned in the sheet XML before the engine reads it.

The engine (python-calamine) allocates one dense range spanning the smallest and largest cell
positions, so a single stray value at XFD1048576 would otherwise cost hundreds of gigabytes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from resolvers.workbooks.package import (
    CORRUPT,
    Package,
    refused,
)

MAX_COLUMNS = 200
MAX_CELLS = 6_000_000  # of the engine's dense range, about 32 bytes each
_MAX_TAG_SIZE = 1024 * 1024


@dataclass
class Extent:
    last_row: int = 0  # 1-based, of cells holding a value (an empty styled cell costs nothing)
    last_column: int = 0  # 1-based
    claimed_rows: int = 0  # by <dimension ref="A1:E100">
    claimed_columns: int = 0
    formulas: bool = False  # a cell holds a formula (<f>)

    def add(self, row: int, column: int) -> None:
        self.last_row = max(self.last_row, row)
        self.last_column = max(self.last_column, column)


_TAG = rb"<(?:[A-Za-z_][\w.-]*:)?"  # any namespace prefix: the engine matches local names
_QUOTED = rb"(?:\"[^\"]*\"|'[^']*')"
_ATTRIBUTE = re.compile(rb"\s+([^\s=/>]+)\s*=\s*(" + _QUOTED + rb")")
_ATTRIBUTES = rb"((?:\s+[^\s=/>]+\s*=\s*" + _QUOTED + rb")*)"
_REFERENCE = re.compile(rb"\$?([A-Za-z]*)\$?([0-9]*)")
_ANY_CELL = re.compile(_TAG + rb"c[\s/>]")
_ANY_ROW = re.compile(_TAG + rb"row[\s/>]")
# The fast path: cells in the common shape, as Excel, WPS, openpyxl and most writers produce them
# (no namespace prefix, the reference first, other attributes in double quotes); a sheet with any
# other cell tag, or a second r attribute, goes the slow path.
_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"((?:[^"\'>]*"[^"]*")*[^"\'>]*)>')
_UNPREFIXED_CELL = re.compile(rb"<c[\s/>]")
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_ANOTHER_R = re.compile(rb"r[\s=]")  # also in values or other names: then the slow path decides
_ROW_OR_CELL = re.compile(_TAG + rb"(row|c)(?=[\s/>])" + _ATTRIBUTES + rb"\s*(/?)>")
_DIMENSION = re.compile(_TAG + rb"dimension(?=[\s/>])" + _ATTRIBUTES)
_FORMULA = re.compile(_TAG + rb"f[\s/>]")


def scan_extent(package: Package, path: str) -> Extent:
    """The largest row and column holding a value, read in one streaming pass over the sheet XML.

    The common case (every cell carries its reference first) is found with one regular
    expression; any other sheet is scanned again tag by tag, following the positions the way the
    engine does (a cell without reference after the previous one, a row without one after the
    previous row)."""
    extent = Extent()
    first = True
    for piece in _pieces(package.inflate(path)):
        if first and (dimension := _DIMENSION.search(piece)) is not None:
            _claim(extent, dimension.group(1))
        first = False
        extent.formulas = extent.formulas or _FORMULA.search(piece) is not None
        cells = _CELL.findall(piece)
        if (
            len(cells) != len(_UNPREFIXED_CELL.findall(piece))
            or _PREFIXED_CELL.search(piece)
            or _ANOTHER_R.search(attributes := b"".join([cell[2] for cell in cells]))
            or b"<" in attributes
        ):
            return _scan_positions(package, path, extent)
        valued = [cell for cell in cells if cell[2][-1:] != b"/"]  # <c r="B2" s="1"/> is empty
        if valued:
            extent.add(
                max(map(int, {cell[1] for cell in valued})),
                max(map(column_number, {cell[0] for cell in valued})),
            )
    return extent


def _claim(extent: Extent, attributes: bytes) -> None:
    for name, value in _ATTRIBUTE.findall(attributes):
        reference = _REFERENCE.fullmatch(value[1:-1].rpartition(b":")[2])
        if name == b"ref" and reference is not None:
            extent.claimed_columns = column_number(reference.group(1))
            extent.claimed_rows = int(reference.group(2) or 0)


def _scan_positions(package: Package, path: str, claimed: Extent) -> Extent:
    extent = Extent(claimed_rows=claimed.claimed_rows, claimed_columns=claimed.claimed_columns)
    row = 0  # 1-based; 0 before the first row
    column = 0  # 1-based, of the previous cell in the row
    for piece in _pieces(package.inflate(path)):
        extent.formulas = extent.formulas or _FORMULA.search(piece) is not None
        tags = _ROW_OR_CELL.findall(piece)
        if len(tags) != len(_ANY_CELL.findall(piece)) + len(_ANY_ROW.findall(piece)):
            raise refused(CORRUPT)  # a cell or row tag the engine would not read either
        for name, attributes, closed in tags:
            references = _references(attributes)
            last = references[-1] if references else (b"", b"")
            if name == b"row":
                row = int(last[1]) if last[1] else row + 1
                column = 0
                continue
            column = column_number(last[0]) if last[0] else column + 1
            if closed:
                continue
            extent.add(row, column)
            for letters, digits in references:
                extent.add(int(digits) if digits else row, column_number(letters) or column)
    return extent


def _references(attributes: bytes) -> list[tuple[bytes, bytes]]:
    """(letters, digits) of each r attribute of a tag (the engine uses the last one)."""
    found = []
    for key, value in _ATTRIBUTE.findall(attributes):
        if key == b"r":
            reference = _REFERENCE.fullmatch(value[1:-1])
            if reference is None:
                raise refused(CORRUPT)  # the engine refuses it too
            found.append((reference.group(1), reference.group(2)))
    return found


def _pieces(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The XML cut just before a '<', so no tag is ever split between two pieces."""
    carry = b""
    for chunk in chunks:
        buffer = carry + chunk
        cut = buffer.rfind(b"<")
        if cut <= 0:
            carry = buffer
        else:
            carry = buffer[cut:]
            yield buffer[:cut]
        if len(carry) > _MAX_TAG_SIZE:
            end = carry.find(b">")
            if end < 0:
                raise refused(CORRUPT)
            yield carry[: end + 1]  # a tag, then text without markup that can be dropped
            carry = b""
    if carry:
        yield carry


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_bounds(extent: Extent, max_rows: int) -> None:
    if extent.last_column > MAX_COLUMNS:
        raise refused(
            f"工作表用到了第 {extent.last_column} 列（{_column_letters(extent.last_column)} 列），"
            f"超过上限 {MAX_COLUMNS} 列；请删除模板以外的列后重新保存"
        )
    if extent.last_row > max_rows + 1:
        raise refused(
            f"数据行数超过上限 {max_rows} 行：工作表的内容一直到第 {extent.last_row} 行"
            "（如末尾有多余的内容，请删除后重新保存）"
        )
    if extent.last_row * extent.last_column > MAX_CELLS:
        raise refused(
            f"工作表的数据区域过大（{extent.last_row} 行 × {extent.last_column} 列），"
            "请删除模板以外的行和列后重新保存"
        )
    rows, columns = extent.claimed_rows, extent.claimed_columns
    if columns > MAX_COLUMNS or rows > max_rows + 1:
        raise refused(
            f"工作表声明的使用范围到 {_column_letters(columns)}{rows}（{rows} 行 × {columns} 列），"
            f"超过上限 {max_rows} 行数据、{MAX_COLUMNS} 列；请删除模板以外的行和列后重新保存"
        )
