"""Row 1 and the formulas saved without a result, read from the sheet XML without the engine,
in one stream each."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree

from resolvers.workbooks.extent import (
    column_number,
)
from resolvers.workbooks.package import (
    CORRUPT,
    Package,
    local_name,
    refused,
)

_Parser = ElementTree.XMLPullParser


def read_header(package: Package, path: str, shared_strings: str | None) -> dict[int, object]:
    """Row 1 as {0-based column: value}, parsing the sheet only up to the end of that row."""
    header: dict[int, object] = {}
    needed: dict[int, list[int]] = {}  # shared string index -> columns
    for row, column, element in _sheet_cells(_slices(package.inflate(path)), up_to_row=1):
        if row != 1:
            continue
        kind = element.get("t", "n")
        if kind == "s":
            index = _int(_text(element, "v"))
            if index is not None:
                needed.setdefault(index, []).append(column - 1)
        else:
            header[column - 1] = _header_value(element, kind)
    return _resolved(package, shared_strings, header, needed)


def _sheet_cells(
    chunks: Iterator[bytes], up_to_row: int | None = None
) -> Iterator[tuple[int, int, ElementTree.Element]]:
    """(1-based row, 1-based column, element) of each cell of the sheet XML, placed as the
    engine places them (a cell without reference after the previous one, a row without one
    after the previous row); parsed in one stream, each element cleared once it is handled.
    With ``up_to_row``, parsing stops at the end of the first row element or of that row."""
    parser: _Parser = ElementTree.XMLPullParser(events=("start", "end"))
    row = 0
    column = 0
    try:
        for chunk in chunks:
            parser.feed(chunk)
            for event, element in _events(parser):
                name = local_name(element.tag)
                if event == "start":
                    if name == "row":
                        row = _int(element.get("r")) or row + 1
                        column = 0
                        if up_to_row is not None and row > up_to_row:
                            return
                    continue
                if name == "sheetData" or (name == "row" and up_to_row is not None):
                    return
                if name == "row":
                    element.clear()
                if name != "c":
                    continue
                letters, digits = _split_reference(element.get("r", ""))
                column = column_number(letters.encode()) if letters else column + 1
                yield _int(digits) or row, column, element
                element.clear()
    except ElementTree.ParseError as error:
        raise refused(CORRUPT) from error


def _resolved(
    package: Package,
    shared_strings: str | None,
    header: dict[int, object],
    needed: dict[int, list[int]],
) -> dict[int, object]:
    if not needed:
        return header
    if shared_strings is None or shared_strings not in package.members:
        raise refused(CORRUPT)
    parser: _Parser = ElementTree.XMLPullParser(events=("end",))
    index = 0
    last = max(needed)
    try:
        for chunk in _slices(package.inflate(shared_strings)):
            parser.feed(chunk)
            for _event, element in _events(parser):
                if local_name(element.tag) != "si":
                    continue
                for column in needed.get(index, ()):
                    header[column] = _rich_text(element)
                element.clear()
                if index == last:
                    return header
                index += 1
    except ElementTree.ParseError as error:
        raise refused(CORRUPT) from error
    raise refused(CORRUPT)  # an index beyond the table


def _slices(chunks: Iterator[bytes], size: int = 16 * 1024) -> Iterator[bytes]:
    """Small bites for a pull parser that is to stop early."""
    for chunk in chunks:
        for start in range(0, len(chunk), size):
            yield chunk[start : start + size]


def _events(parser: _Parser) -> Iterator[tuple[str, ElementTree.Element]]:
    for item in parser.read_events():
        if len(item) == 2 and isinstance(item[1], ElementTree.Element):
            yield item[0], item[1]


def _split_reference(reference: str) -> tuple[str, str]:
    letters = reference.rstrip("0123456789")
    return letters, reference[len(letters) :]


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _text(element: ElementTree.Element, child: str) -> str | None:
    for item in element:
        if local_name(item.tag) == child:
            return item.text or ""
    return None


def _rich_text(element: ElementTree.Element) -> str:
    """A shared or inline string: its own <t>, or the <t> of each run (phonetic runs left out)."""
    parts = []
    for item in element:
        name = local_name(item.tag)
        if name == "t":
            parts.append(item.text or "")
        elif name == "r":
            parts.append(_text(item, "t") or "")
    return "".join(parts)


def _header_value(element: ElementTree.Element, kind: str) -> object:
    if kind == "inlineStr":
        inline = next((item for item in element if local_name(item.tag) == "is"), None)
        return _rich_text(inline) if inline is not None else None
    value = _text(element, "v")
    if kind in ("str", "d") or value is None:
        return value
    if kind == "b":
        return value == "1"
    if kind == "e":
        return None
    try:
        return as_number(float(value))
    except ValueError:
        return value


def uncomputed_formulas(package: Package, path: str) -> dict[int, set[int]]:
    """{1-based row: 1-based columns} of the formula cells saved without a result, found in one
    streaming parse of the sheet (only run when the scan saw a formula)."""
    found: dict[int, set[int]] = {}
    for row, column, element in _sheet_cells(package.inflate(path)):
        # A result is text (t="str", possibly empty: ="" is a blank cell) or a <v> with a
        # value; a formula with neither was never calculated.
        children = {local_name(item.tag): item for item in element}
        value = children.get("v")
        empty = value is None or not value.text
        if "f" in children and empty and element.get("t") not in ("str", "inlineStr"):
            found.setdefault(row, set()).add(column)
    return found


def as_number(value: float) -> int | float:
    """An integral float as an int, so 20220801 or an ID typed as a number keeps its digits."""
    return int(value) if value.is_integer() else value
