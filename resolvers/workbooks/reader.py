"""The safe reader of uploaded import workbooks (导入文件): the first worksheet of an .xlsx file,
its columns mapped to a template layout by header label.

An upload is untrusted. Before the spreadsheet engine sees it, the package is checked piece by
piece with bounded memory: it must be a zip holding an Office Open XML workbook, its central
directory must not promise a decompression bomb, every member must inflate to exactly its declared
size and checksum, and the extent of the first worksheet's cells must stay within bounds. The
engine (python-calamine) allocates one dense range spanning the smallest and largest cell
positions, so a single stray value at XFD1048576 would otherwise cost hundreds of gigabytes."""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from xml.etree import ElementTree

from python_calamine import CalamineError, CalamineWorkbook

from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.workbooks.layouts import Layout, header_label

MAX_COLUMNS = 200
MAX_CELLS = 6_000_000  # of the engine's dense range, about 32 bytes each
MAX_UNCOMPRESSED_SIZE = 256 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # for members above RATIO_CHECKED_SIZE
RATIO_CHECKED_SIZE = 1024 * 1024
MAX_MEMBERS = 1000
_MAX_PART_SIZE = 4 * 1024 * 1024  # relationships, workbook.xml
_MAX_TAG_SIZE = 1024 * 1024
_CHUNK = 1024 * 1024
_FIELD = "file"
_LISTED = 10  # column names shown in one message

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_LOCAL_HEADER_SIGNATURE = 0x04034B50
_Parser = ElementTree.XMLPullParser

NOT_XLSX = "文件不是有效的 Excel 工作簿（.xlsx），请上传用导入模板填写的 .xlsx 文件"
CORRUPT = "文件已损坏或不完整，无法作为 Excel 工作簿（.xlsx）打开，请在 Excel 中重新保存后上传"
ENCRYPTED = "工作簿设置了密码保护，请在 Excel 中取消密码后另存为 .xlsx 再上传"


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
        raise _refused("工作表中只有表头，没有数据行（数据从第 2 行开始填写）")


def read_rows(
    data: bytes, layout: Layout, others: Sequence[Layout], *, max_rows: int
) -> list[SheetRow]:
    """All the same checks, then every data row, blank rows left out. Runs in a worker thread
    (call it via asyncio.to_thread)."""
    sheet = _checked_sheet(data, max_rows)
    _match_header(sheet.header, layout, others)  # the same refusals as the upload got
    uncomputed = _uncomputed_formulas(_Package(data), sheet.path) if sheet.formulas else {}
    try:
        with CalamineWorkbook.from_filelike(BytesIO(data)) as workbook:
            return _engine_rows(workbook, sheet.name, layout, others, max_rows, uncomputed)
    except CalamineError as error:
        raise _refused(CORRUPT) from error


# -- the package ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sheet:
    name: str
    header: dict[int, object]  # row 1: 0-based column -> value
    last_row: int  # 1-based row of the last cell with a value; 0 when there is none
    path: str  # of the worksheet in the package
    formulas: bool  # whether any cell holds a formula


def _refused(message: str) -> DomainError:
    return DomainError.of(ErrorCode.INVALID, message, _FIELD)


def _checked_sheet(data: bytes, max_rows: int) -> _Sheet:
    package = _Package(data)
    name, path, shared_strings = package.first_worksheet()
    extent = _scan_extent(package, path)
    package.verify_except(path)
    if extent.last_row == 0:
        raise _refused("工作表中没有数据")
    _check_bounds(extent, max_rows)
    header = _read_header(package, path, shared_strings)
    return _Sheet(name, header, extent.last_row, path, extent.formulas)


class _Package:
    """An uploaded zip, refused unless it looks like an honest .xlsx package."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        _sniff(data)
        if _declared_members(data) > MAX_MEMBERS:
            raise _refused(NOT_XLSX)
        try:
            archive = zipfile.ZipFile(BytesIO(data))
            members = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
            raise _refused(CORRUPT) from error
        if len(members) > MAX_MEMBERS:
            raise _refused(NOT_XLSX)
        total = 0
        for member in members:
            if member.flag_bits & 0x1:
                raise _refused(ENCRYPTED)
            if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _refused(CORRUPT)
            total += member.file_size
            if (
                member.file_size > RATIO_CHECKED_SIZE
                and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
            ):
                ratio = member.file_size // max(member.compress_size, 1)
                raise _refused(
                    f"文件中有内容解压后是压缩前的 {ratio} 倍，疑似压缩炸弹，已拒绝处理；"
                    "请使用导入模板重新填写后上传"
                )
        if total > MAX_UNCOMPRESSED_SIZE:
            raise _refused(
                f"文件解压后共 {total // (1024 * 1024)} MB，超过上限 "
                f"{MAX_UNCOMPRESSED_SIZE // (1024 * 1024)} MB，已拒绝处理"
            )
        self.members = {member.filename: member for member in members}

    def inflate(self, name: str) -> Iterator[bytes]:
        """The member's bytes in chunks of at most 1 MB, checked against its declared size and
        CRC while inflating; a member that inflates beyond its declared size is refused."""
        member = self.members[name]
        start = self._data_start(member)
        end = start + member.compress_size
        if end > len(self.data):
            raise _refused(CORRUPT)
        view = memoryview(self.data)[start:end]
        produced = 0
        crc = 0
        if member.compress_type == zipfile.ZIP_STORED:
            chunks: Iterator[bytes] = (
                bytes(view[i : i + _CHUNK]) for i in range(0, len(view), _CHUNK)
            )
        else:
            chunks = _inflated(view, member.file_size)
        for chunk in chunks:
            produced += len(chunk)
            if produced > member.file_size:
                raise _refused(CORRUPT)
            crc = zlib.crc32(chunk, crc)
            yield chunk
        if produced != member.file_size or crc != member.CRC:
            raise _refused(CORRUPT)

    def read(self, name: str) -> bytes:
        if self.members[name].file_size > _MAX_PART_SIZE:
            raise _refused(NOT_XLSX)
        return b"".join(self.inflate(name))

    def verify_except(self, done: str) -> None:
        for name in self.members:
            if name != done:
                for _chunk in self.inflate(name):
                    pass

    def first_worksheet(self) -> tuple[str, str, str | None]:
        """The name and part of the first worksheet, and the shared strings part if any."""
        workbook = self._office_document()
        if workbook is None:
            raise _refused(_not_xlsx_message(self.members))
        relationships = self._relationships(workbook)
        root = self._xml(workbook)
        shared_strings = next(
            (target for kind, target in relationships.values() if kind == "sharedStrings"), None
        )
        for element in root.iter():
            if _local(element.tag) != "sheet":
                continue
            relationship_id = next(
                (value for key, value in element.attrib.items() if key.endswith("}id")), None
            )
            kind, target = relationships.get(relationship_id or "", ("", ""))
            if kind == "worksheet":
                if target not in self.members:
                    raise _refused(CORRUPT)
                return element.get("name", ""), target, shared_strings
        raise _refused("工作簿中没有工作表")

    def _data_start(self, member: zipfile.ZipInfo) -> int:
        offset = member.header_offset
        header = self.data[offset : offset + _LOCAL_HEADER.size]
        if len(header) < _LOCAL_HEADER.size:
            raise _refused(CORRUPT)
        fields = _LOCAL_HEADER.unpack(header)
        if fields[0] != _LOCAL_HEADER_SIGNATURE:
            raise _refused(CORRUPT)
        return offset + _LOCAL_HEADER.size + fields[9] + fields[10]

    def _office_document(self) -> str | None:
        if "_rels/.rels" in self.members:
            for kind, target in self._relationships("").values():
                if kind == "officeDocument":
                    return target if target in self.members else None
        return "xl/workbook.xml" if "xl/workbook.xml" in self.members else None

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """id -> (type's last segment, target part) of a part's relationships."""
        folder, base = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", f"{base}.rels")
        if rels not in self.members:
            return {}
        found = {}
        for element in self._xml(rels).iter():
            target = element.get("Target")
            if _local(element.tag) != "Relationship" or not target:
                continue
            if element.get("TargetMode") == "External":
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            kind = element.get("Type", "").rsplit("/", 1)[-1]
            found[element.get("Id", "")] = (kind, posixpath.normpath(path))
        return found

    def _xml(self, name: str) -> ElementTree.Element:
        try:
            return ElementTree.fromstring(self.read(name))
        except ElementTree.ParseError as error:
            raise _refused(CORRUPT) from error


def _inflated(compressed: memoryview, size: int) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for i in range(0, len(compressed), 64 * 1024):
            pending = bytes(compressed[i : i + 64 * 1024])
            while pending:
                chunk = inflater.decompress(pending, _CHUNK)
                pending = inflater.unconsumed_tail
                if chunk:
                    yield chunk
                if inflater.eof:
                    return
        tail = inflater.flush()
    except zlib.error as error:
        raise _refused(CORRUPT) from error
    if tail:
        yield tail
    if not inflater.eof and size:
        raise _refused(CORRUPT)


def _declared_members(data: bytes) -> int:
    """The entry count of the end of central directory record, read before zipfile builds one
    object per entry (0 when there is no such record; zipfile then refuses the file)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return 0
    return int.from_bytes(data[end + 10 : end + 12], "little")


def _sniff(data: bytes) -> None:
    if not data:
        raise _refused("文件是空的，请选择填写好的 .xlsx 工作簿")
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            raise _refused(ENCRYPTED)
        raise _refused("这是旧版 Excel 文件（.xls），请在 Excel 中另存为 .xlsx 格式后再上传")
    if data.startswith(b"%PDF"):
        raise _refused("文件是 PDF，不是 Excel 工作簿（.xlsx），请上传用导入模板填写的 .xlsx 文件")
    if not data.startswith(b"PK"):
        raise _refused(f"{NOT_XLSX}（CSV 等其他格式请先在 Excel 中另存为 .xlsx）")


def _not_xlsx_message(members: dict[str, zipfile.ZipInfo]) -> str:
    if "xl/workbook.bin" in members:
        return "不支持 Excel 二进制工作簿（.xlsb），请在 Excel 中另存为 .xlsx 后再上传"
    if "content.xml" in members and "mimetype" in members:
        return "这是 OpenDocument 表格（.ods），请另存为 Excel 工作簿（.xlsx）后再上传"
    return NOT_XLSX


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


# -- the extent of the cells ---------------------------------------------------------------------


@dataclass
class _Extent:
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


def _scan_extent(package: _Package, path: str) -> _Extent:
    """The largest row and column holding a value, read in one streaming pass over the sheet XML.

    The common case (every cell carries its reference first) is found with one regular
    expression; any other sheet is scanned again tag by tag, following the positions the way the
    engine does (a cell without reference after the previous one, a row without one after the
    previous row)."""
    extent = _Extent()
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
                max(map(_column_number, {cell[0] for cell in valued})),
            )
    return extent


def _claim(extent: _Extent, attributes: bytes) -> None:
    for name, value in _ATTRIBUTE.findall(attributes):
        reference = _REFERENCE.fullmatch(value[1:-1].rpartition(b":")[2])
        if name == b"ref" and reference is not None:
            extent.claimed_columns = _column_number(reference.group(1))
            extent.claimed_rows = int(reference.group(2) or 0)


def _scan_positions(package: _Package, path: str, claimed: _Extent) -> _Extent:
    extent = _Extent(claimed_rows=claimed.claimed_rows, claimed_columns=claimed.claimed_columns)
    row = 0  # 1-based; 0 before the first row
    column = 0  # 1-based, of the previous cell in the row
    for piece in _pieces(package.inflate(path)):
        extent.formulas = extent.formulas or _FORMULA.search(piece) is not None
        tags = _ROW_OR_CELL.findall(piece)
        if len(tags) != len(_ANY_CELL.findall(piece)) + len(_ANY_ROW.findall(piece)):
            raise _refused(CORRUPT)  # a cell or row tag the engine would not read either
        for name, attributes, closed in tags:
            references = _references(attributes)
            last = references[-1] if references else (b"", b"")
            if name == b"row":
                row = int(last[1]) if last[1] else row + 1
                column = 0
                continue
            column = _column_number(last[0]) if last[0] else column + 1
            if closed:
                continue
            extent.add(row, column)
            for letters, digits in references:
                extent.add(int(digits) if digits else row, _column_number(letters) or column)
    return extent


def _references(attributes: bytes) -> list[tuple[bytes, bytes]]:
    """(letters, digits) of each r attribute of a tag (the engine uses the last one)."""
    found = []
    for key, value in _ATTRIBUTE.findall(attributes):
        if key == b"r":
            reference = _REFERENCE.fullmatch(value[1:-1])
            if reference is None:
                raise _refused(CORRUPT)  # the engine refuses it too
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
                raise _refused(CORRUPT)
            yield carry[: end + 1]  # a tag, then text without markup that can be dropped
            carry = b""
    if carry:
        yield carry


def _column_number(letters: bytes) -> int:
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


def _check_bounds(extent: _Extent, max_rows: int) -> None:
    if extent.last_column > MAX_COLUMNS:
        raise _refused(
            f"工作表用到了第 {extent.last_column} 列（{_column_letters(extent.last_column)} 列），"
            f"超过上限 {MAX_COLUMNS} 列；请删除模板以外的列后重新保存"
        )
    if extent.last_row > max_rows + 1:
        raise _refused(
            f"数据行数超过上限 {max_rows} 行：工作表的内容一直到第 {extent.last_row} 行"
            "（如末尾有多余的内容，请删除后重新保存）"
        )
    if extent.last_row * extent.last_column > MAX_CELLS:
        raise _refused(
            f"工作表的数据区域过大（{extent.last_row} 行 × {extent.last_column} 列），"
            "请删除模板以外的行和列后重新保存"
        )
    rows, columns = extent.claimed_rows, extent.claimed_columns
    if columns > MAX_COLUMNS or rows > max_rows + 1:
        raise _refused(
            f"工作表声明的使用范围到 {_column_letters(columns)}{rows}（{rows} 行 × {columns} 列），"
            f"超过上限 {max_rows} 行数据、{MAX_COLUMNS} 列；请删除模板以外的行和列后重新保存"
        )


# -- row 1, without the engine -------------------------------------------------------------------


def _read_header(package: _Package, path: str, shared_strings: str | None) -> dict[int, object]:
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
                name = _local(element.tag)
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
                column = _column_number(letters.encode()) if letters else column + 1
                yield _int(digits) or row, column, element
                element.clear()
    except ElementTree.ParseError as error:
        raise _refused(CORRUPT) from error


def _resolved(
    package: _Package,
    shared_strings: str | None,
    header: dict[int, object],
    needed: dict[int, list[int]],
) -> dict[int, object]:
    if not needed:
        return header
    if shared_strings is None or shared_strings not in package.members:
        raise _refused(CORRUPT)
    parser: _Parser = ElementTree.XMLPullParser(events=("end",))
    index = 0
    last = max(needed)
    try:
        for chunk in _slices(package.inflate(shared_strings)):
            parser.feed(chunk)
            for _event, element in _events(parser):
                if _local(element.tag) != "si":
                    continue
                for column in needed.get(index, ()):
                    header[column] = _rich_text(element)
                element.clear()
                if index == last:
                    return header
                index += 1
    except ElementTree.ParseError as error:
        raise _refused(CORRUPT) from error
    raise _refused(CORRUPT)  # an index beyond the table


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
        if _local(item.tag) == child:
            return item.text or ""
    return None


def _rich_text(element: ElementTree.Element) -> str:
    """A shared or inline string: its own <t>, or the <t> of each run (phonetic runs left out)."""
    parts = []
    for item in element:
        name = _local(item.tag)
        if name == "t":
            parts.append(item.text or "")
        elif name == "r":
            parts.append(_text(item, "t") or "")
    return "".join(parts)


def _header_value(element: ElementTree.Element, kind: str) -> object:
    if kind == "inlineStr":
        inline = next((item for item in element if _local(item.tag) == "is"), None)
        return _rich_text(inline) if inline is not None else None
    value = _text(element, "v")
    if kind in ("str", "d") or value is None:
        return value
    if kind == "b":
        return value == "1"
    if kind == "e":
        return None
    try:
        return _number(float(value))
    except ValueError:
        return value


def _uncomputed_formulas(package: _Package, path: str) -> dict[int, set[int]]:
    """{1-based row: 1-based columns} of the formula cells saved without a result, found in one
    streaming parse of the sheet (only run when the scan saw a formula)."""
    found: dict[int, set[int]] = {}
    for row, column, element in _sheet_cells(package.inflate(path)):
        # A result is text (t="str", possibly empty: ="" is a blank cell) or a <v> with a
        # value; a formula with neither was never calculated.
        children = {_local(item.tag): item for item in element}
        value = children.get("v")
        empty = value is None or not value.text
        if "f" in children and empty and element.get("t") not in ("str", "inlineStr"):
            found.setdefault(row, set()).add(column)
    return found


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
        raise _refused("第 1 行应为表头，请勿在表头上方插入空行或标题")
    present = set(columns)
    missing = [c.header for c in layout.columns if c.required and c.label not in present]
    known = set(layout.labels)
    unknown = [label for label in columns if label not in known]
    if missing or unknown:
        other = _template_of(present, layout, others)
        if other is not None:
            raise _refused(f"这是“{other.title}”导入模板，请下载并使用“{layout.title}”导入模板")
    problems = Problems()
    if missing:
        problems.add(_FIELD, ErrorCode.REQUIRED, f"缺少必填列：{_listed(missing)}")
    if unknown:
        problems.add(_FIELD, ErrorCode.INVALID, f"表头中有模板以外的列：{_listed(unknown)}")
    if duplicates:
        problems.add(_FIELD, ErrorCode.INVALID, f"表头重复：{_listed(duplicates)}")
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
        raise _refused("工作表中没有数据")
    first_row, first_column = start
    if first_row != 0:
        raise _refused("第 1 行应为表头，请勿在表头上方插入空行或标题")
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
                    value = _number(value)
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
        raise _refused(f"数据行数 {count} 超过上限 {max_rows} 行")
    if not rows:
        raise _refused("工作表中只有表头，没有数据行（数据从第 2 行开始填写）")
    return rows


def _padded(rows: Iterator[list[Any]], until: int, blank: list[Any]) -> Iterator[list[Any]]:
    """The data rows (from row 2), then blank ones up to sheet row ``until``."""
    number = 1
    for row in rows:
        number += 1
        yield row
    for _ in range(number + 1, until + 1):
        yield blank


def _number(value: float) -> int | float:
    """An integral float as an int, so 20220801 or an ID typed as a number keeps its digits."""
    return int(value) if value.is_integer() else value
