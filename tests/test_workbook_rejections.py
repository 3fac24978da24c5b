"""The workbook reader: empty files, too many rows, bad files, the extent of the cells."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from resolvers.core.errors import DomainError, ErrorCode
from resolvers.workbooks import extent, package
from resolvers.workbooks import reader as workbook_reader
from resolvers.workbooks.layouts import (
    DEPOSITS,
)
from resolvers.workbooks.reader import (
    inspect_workbook,
    read_rows,
)
from tests.fixtures.workbooks.make_fixtures import raw_workbook, sheet_xml
from tests.workbook_reader_fixtures import (
    BOTH,
    FIXTURES,
    ID,
    ISSUED,
    MAX_ROWS,
    OTHERS,
    VALID_ROW,
    Reader,
    cells,
    deposits,
    read,
    refusal,
    workbook,
)

# -- empty, too many rows ------------------------------------------------------------------------


@BOTH
def test_a_header_without_data_rows_is_refused(reader: Reader) -> None:
    assert refusal(reader, deposits()) == ["工作表中只有表头，没有数据行（数据从第 2 行开始填写）"]


def test_a_header_with_only_blank_rows_is_refused_when_read() -> None:
    data = deposits(["  ", None, " "])

    inspect_workbook(data, DEPOSITS, OTHERS, max_rows=MAX_ROWS)  # cheap: spaces count as content
    assert refusal(read_rows, data) == ["工作表中只有表头，没有数据行（数据从第 2 行开始填写）"]


@BOTH
def test_the_committed_empty_sheet_is_refused(reader: Reader) -> None:
    assert refusal(reader, (FIXTURES / "empty_sheet.xlsx").read_bytes()) == ["工作表中没有数据"]


@BOTH
def test_more_rows_than_allowed_are_refused(reader: Reader) -> None:
    data = deposits(*(["张三", ID, f"C-{i}", ISSUED] for i in range(4)))

    assert read(data, max_rows=4)[-1].number == 5
    assert refusal(reader, data, max_rows=3) == [
        "数据行数超过上限 3 行：工作表的内容一直到第 5 行（如末尾有多余的内容，请删除后重新保存）"
    ]


def test_the_engine_counts_rows_too() -> None:
    # The scan bounds the rows before the engine runs; this is the engine's own count
    data = deposits(*(["张三", ID, f"C-{i}", ISSUED] for i in range(4)))
    with (
        pytest.raises(DomainError) as caught,
        workbook_reader.CalamineWorkbook.from_filelike(io.BytesIO(data)) as book,
    ):
        workbook_reader._engine_rows(book, "学员成果", DEPOSITS, OTHERS, 3)

    assert caught.value.problems[0].message == "数据行数 4 超过上限 3 行"


# -- bad files -----------------------------------------------------------------------------------


@BOTH
@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "not_xlsx.pdf",
            "文件是 PDF，不是 Excel 工作簿（.xlsx），请上传用导入模板填写的 .xlsx 文件",
        ),
        ("old_format.xls", "这是旧版 Excel 文件（.xls），请在 Excel 中另存为 .xlsx 格式后再上传"),
        ("encrypted.xlsx", package.ENCRYPTED),
        ("corrupt.xlsx", package.CORRUPT),
        (
            "zip_bomb.xlsx",
            "文件中有内容解压后是压缩前的 {ratio} 倍，疑似压缩炸弹，已拒绝处理；"
            "请使用导入模板重新填写后上传",
        ),
        (
            "million_columns.xlsx",
            "工作表用到了第 16384 列（XFD 列），超过上限 200 列；请删除模板以外的列后重新保存",
        ),
        ("no_worksheets.xlsx", "工作簿中没有工作表"),
    ],
)
def test_committed_bad_files_are_refused(reader: Reader, name: str, message: str) -> None:
    data = (FIXTURES / name).read_bytes()
    assert len(data) < 300 * 1024
    if name == "zip_bomb.xlsx":
        sheet = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
        assert sheet.file_size > 200 * 1024 * 1024
        message = message.format(ratio=sheet.file_size // sheet.compress_size)

    assert refusal(reader, data) == [message]


@BOTH
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "文件是空的，请选择填写好的 .xlsx 工作簿"),
        (
            "学员姓名,身份证号\n张三,1\n".encode(),
            f"{package.NOT_XLSX}（CSV 等其他格式请先在 Excel 中另存为 .xlsx）",
        ),
        (b"PK\x05\x06" + b"\0" * 18, package.NOT_XLSX),
    ],
    ids=["empty", "csv", "empty-zip"],
)
def test_files_that_are_not_workbooks_are_refused(
    reader: Reader, data: bytes, message: str
) -> None:
    assert refusal(reader, data) == [message]


def zip_of(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@BOTH
def test_other_zip_formats_are_named(reader: Reader) -> None:
    xlsb = zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\0"})
    ods = zip_of(
        {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b""}
    )
    docx = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"})

    assert refusal(reader, xlsb) == [
        "不支持 Excel 二进制工作簿（.xlsb），请在 Excel 中另存为 .xlsx 后再上传"
    ]
    assert refusal(reader, ods) == [
        "这是 OpenDocument 表格（.ods），请另存为 Excel 工作簿（.xlsx）后再上传"
    ]
    assert refusal(reader, docx) == [package.NOT_XLSX]


def _central_entry(data: bytes, name: str) -> int:
    """The offset of ``name``'s entry in the zip central directory."""
    offset = data.index(b"PK\x01\x02")
    while True:
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, offset + 28)
        if data[offset + 46 : offset + 46 + name_length] == name.encode():
            return offset
        offset += 46 + name_length + extra_length + comment_length


@BOTH
def test_a_bad_checksum_is_refused(reader: Reader) -> None:
    data = bytearray(
        raw_workbook({"学员成果": sheet_xml(VALID_ROW)}, compression=zipfile.ZIP_STORED)
    )
    at = data.index("张三".encode())
    data[at : at + 3] = "李".encode()

    assert refusal(reader, bytes(data)) == [package.CORRUPT]


@BOTH
def test_a_member_inflating_beyond_its_declared_size_is_refused(reader: Reader) -> None:
    data = bytearray(cells(VALID_ROW))
    entry = _central_entry(bytes(data), "xl/worksheets/sheet1.xml")
    (size,) = struct.unpack_from("<I", data, entry + 24)
    struct.pack_into("<I", data, entry + 24, size // 2)

    assert refusal(reader, bytes(data)) == [package.CORRUPT]


@BOTH
def test_too_much_inflated_content_in_total_is_refused(
    reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(package, "MAX_UNCOMPRESSED_SIZE", 2 * 1024 * 1024)
    filler = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{n * 7919 % 100_003}</t></is></c></row>'
        for n in range(2, 60_000)
    )

    (message,) = refusal(reader, cells(filler))

    assert message.startswith("文件解压后共 ") and "超过上限 2 MB" in message


@BOTH
def test_too_many_members_are_refused(reader: Reader) -> None:
    data = raw_workbook(
        {"学员成果": sheet_xml(VALID_ROW)},
        extra={f"customXml/item{i}.xml": b"" for i in range(1001)},
    )

    assert refusal(reader, data) == [package.NOT_XLSX]


@BOTH
def test_an_encrypted_zip_member_is_refused(reader: Reader) -> None:
    data = bytearray(cells(VALID_ROW))
    entry = _central_entry(bytes(data), "xl/worksheets/sheet1.xml")
    (flags,) = struct.unpack_from("<H", data, entry + 8)
    struct.pack_into("<H", data, entry + 8, flags | 0x1)

    assert refusal(reader, bytes(data)) == [package.ENCRYPTED]


# -- the extent of the cells ---------------------------------------------------------------------

FAR_ROWS = (
    "数据行数超过上限 200000 行：工作表的内容一直到第 1048576 行"
    "（如末尾有多余的内容，请删除后重新保存）"
)
FAR_COLUMNS = "工作表用到了第 16384 列（XFD 列），超过上限 200 列；请删除模板以外的列后重新保存"


@BOTH
@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ('<row r="1048576"><c r="A1048576"><v>1</v></c></row>', FAR_ROWS),
        ('<row r="3"><c r="XFD3"><v>1</v></c></row>', FAR_COLUMNS),
        ('<row r="3"><c r="XFD3" t="inlineStr"><is><t></t></is></c></row>', FAR_COLUMNS),
        # the same, where the fast scan cannot be trusted and positions are followed tag by tag
        ('<row r="3"><c r="xfd3"><v>1</v></c></row>', FAR_COLUMNS),
        ('<row r="3"><c s="1" r="XFD3"><v>1</v></c></row>', FAR_COLUMNS),
        ("<row r='3'><c r='XFD3'><v>1</v></c></row>", FAR_COLUMNS),
        ('<row r="3"><c r="A3" r="XFD3"><v>1</v></c></row>', FAR_COLUMNS),
        ('<row r="3"><c r="XFD3" x="/>"><v>1</v></c></row>', FAR_COLUMNS),
        ('<row r="3"><c\nr="XFD3"><v>1</v></c></row>', FAR_COLUMNS),
        ('<row r="1048575"/><row><c><v>1</v></c></row>', FAR_ROWS),
        ('<row r="3"><c r="XFC3" s="1"/><c><v>1</v></c></row>', FAR_COLUMNS),
    ],
    ids=[
        "far-row",
        "far-column",
        "empty-string",
        "lowercase",
        "reference-second",
        "single-quotes",
        "two-references",
        "quoted-close",
        "newline",
        "implicit-row",
        "implicit-column",
    ],
)
def test_far_cells_are_refused_before_the_engine_sees_them(
    reader: Reader, rows: str, message: str
) -> None:
    assert refusal(reader, cells(VALID_ROW + rows)) == [message]


@BOTH
def test_far_cells_with_a_namespace_prefix_are_refused(reader: Reader) -> None:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet = (
        f'<x:worksheet xmlns:x="{main}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>学员姓名</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="XFD2"><x:v>1</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    ).encode()

    assert refusal(reader, raw_workbook({"学员成果": sheet})) == [FAR_COLUMNS]


@BOTH
def test_a_claimed_dimension_alone_is_refused(reader: Reader) -> None:
    data = cells(VALID_ROW, dimension="A1:E300000")

    assert refusal(reader, data) == [
        "工作表声明的使用范围到 E300000（300000 行 × 5 列），超过上限 200000 行数据、200 列；"
        "请删除模板以外的行和列后重新保存"
    ]


@BOTH
def test_a_large_area_is_refused(reader: Reader, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extent, "MAX_CELLS", 1000)

    assert refusal(reader, cells(VALID_ROW + '<row r="300"><c r="E300"><v>1</v></c></row>')) == [
        "工作表的数据区域过大（300 行 × 5 列），请删除模板以外的行和列后重新保存"
    ]


@pytest.mark.parametrize(
    "data",
    [
        deposits(["张三", ID, "C-1", ISSUED], ["李四", ID, "C-2", ISSUED, "护照"]),
        cells(VALID_ROW + '<row r="3"><c r="A3" t="inlineStr" /><c r="E3" s="2"/></row>'),
    ],
    ids=["openpyxl", "raw"],
)
def test_common_sheets_take_the_fast_scan(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*_args: object) -> None:
        raise AssertionError("the fast scan should have done")

    monkeypatch.setattr(extent, "_scan_positions", slow)

    assert read(data)[0].number == 2


def test_a_proper_dimension_is_accepted() -> None:
    assert len(read(cells(VALID_ROW, dimension="A1:E2"))) == 1


def test_the_engine_never_sees_a_refused_file_and_inspecting_never_uses_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def untouchable(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the engine must not be used here")

    monkeypatch.setattr(workbook_reader.CalamineWorkbook, "from_filelike", untouchable)
    data = (FIXTURES / "million_columns.xlsx").read_bytes()

    assert refusal(read_rows, data)[0].startswith("工作表用到了第 16384 列")
    inspect_workbook(deposits(["张三", ID, "C-1", ISSUED]), DEPOSITS, OTHERS, max_rows=MAX_ROWS)


def test_refusals_carry_the_invalid_or_required_code() -> None:
    with pytest.raises(DomainError) as caught:
        read_rows(workbook(["学员姓名"], ["张三"]), DEPOSITS, OTHERS, max_rows=MAX_ROWS)

    assert [problem.code for problem in caught.value.problems] == [ErrorCode.REQUIRED]
