"""The workbook reader on real workbooks written with openpyxl, on packages built part by part,
and on the committed bad files of tests/fixtures/workbooks."""

from __future__ import annotations

import datetime
import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from resolvers.core.errors import DomainError, ErrorCode
from resolvers.workbooks import extent, package
from resolvers.workbooks import reader as workbook_reader
from resolvers.workbooks.layouts import (
    COMMUNITY_RESULTS,
    DEPOSITS,
    FIXED_LAYOUTS,
    LEARNER_ACCOUNTS,
    Layout,
)
from resolvers.workbooks.reader import (
    UNCOMPUTED,
    SheetRow,
    UncomputedFormula,
    inspect_workbook,
    read_rows,
)
from tests.fixtures.workbooks.make_fixtures import raw_workbook, sheet_xml

FIXTURES = Path(__file__).parent / "fixtures" / "workbooks"
OTHERS = list(FIXED_LAYOUTS.values())
MAX_ROWS = 200_000
ID = "110101199003077777"
ISSUED = datetime.date(2022, 8, 1)

Reader = Callable[..., Any]
BOTH = pytest.mark.parametrize("reader", [inspect_workbook, read_rows], ids=["inspect", "read"])


def workbook(*rows: list[Any], title: str = "学员成果", instructions: bool = True) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if instructions:
        book.create_sheet("填写说明").append(["请按模板填写", "", "说明"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def deposits(*rows: list[Any]) -> bytes:
    return workbook(DEPOSITS.headers, *rows)


def read(data: bytes, layout: Layout = DEPOSITS, max_rows: int = MAX_ROWS) -> list[SheetRow]:
    inspect_workbook(data, layout, OTHERS, max_rows=max_rows)
    return read_rows(data, layout, OTHERS, max_rows=max_rows)


def refusal(
    reader: Reader, data: bytes, layout: Layout = DEPOSITS, max_rows: int = MAX_ROWS
) -> list[str]:
    with pytest.raises(DomainError) as caught:
        reader(data, layout, OTHERS, max_rows=max_rows)
    assert {problem.field for problem in caught.value.problems} == {"file"}
    return [problem.message for problem in caught.value.problems]


def cells(rows: str, **kwargs: Any) -> bytes:
    """A raw workbook whose first sheet has the deposits header (inline) and then ``rows``."""
    header = "".join(
        f'<c r="{letter}1" t="inlineStr"><is><t>{text}</t></is></c>'
        for letter, text in zip("ABCDE", DEPOSITS.headers, strict=True)
    )
    return raw_workbook({"学员成果": sheet_xml(f'<row r="1">{header}</row>{rows}', **kwargs)})


VALID_ROW = (
    '<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c>'
    f'<c r="B2" t="inlineStr"><is><t>{ID}</t></is></c>'
    '<c r="C2" t="inlineStr"><is><t>C-1</t></is></c>'
    '<c r="D2" t="inlineStr"><is><t>2022-08-01</t></is></c></row>'
)


# -- reading -------------------------------------------------------------------------------------


def test_rows_come_in_layout_order_whatever_the_column_order() -> None:
    data = workbook(
        ["证件类型", "*颁证日期", "个人成果编号", "*学员姓名", "身份证号"],
        ["居民身份证", ISSUED, "C-1", "张三", ID],
        ["", ISSUED, "C-2", "李四", "110101199003071234"],
    )

    rows = read(data)

    assert rows == [
        SheetRow(2, ("张三", ID, "C-1", ISSUED, "居民身份证")),
        SheetRow(3, ("李四", "110101199003071234", "C-2", ISSUED, None)),
    ]


def test_the_required_mark_and_spaces_around_headers_do_not_matter() -> None:
    data = workbook(
        [" * 学员姓名 ", "身份证号", "*个人成果编号", "颁证日期 ", "*证件类型"],
        ["张三", ID, "C-1", ISSUED, "护照"],
    )

    assert read(data) == [SheetRow(2, ("张三", ID, "C-1", ISSUED, "护照"))]


def test_a_missing_optional_column_reads_as_none() -> None:
    data = workbook(
        ["学员姓名", "身份证号", "个人成果编号", "颁证日期"], ["张三", ID, "C-1", ISSUED]
    )

    assert read(data) == [SheetRow(2, ("张三", ID, "C-1", ISSUED, None))]


def test_blank_rows_are_skipped_and_rows_keep_their_sheet_numbers() -> None:
    data = deposits(
        ["张三", ID, "C-1", ISSUED],
        [None, None, None, None, None],
        ["  ", "", " \t", None, "   "],
        ["李四", ID, "C-2", ISSUED],
        [None, "  "],
        ["", None, None, None, " "],
    )

    rows = read(data)

    assert [row.number for row in rows] == [2, 5]
    assert rows[1].cells[0] == "李四"


def test_formulas_without_a_saved_result_are_rows_not_blanks() -> None:
    """openpyxl (and any writer that does not calculate) saves formulas with no result; the
    engine reads them as empty. Such a row is not blank: its cells come as UNCOMPUTED."""
    data = deposits(
        ["张三", ID, "C-1", ISSUED],
        ["=A2", "=B2", '="C-"&2', "=D2"],  # formulas only
        ["李四", "=B2", "C-3", ISSUED],  # one formula among values
        [None, None, None, None],
    )

    rows = read(data)

    assert [row.number for row in rows] == [2, 3, 4]
    assert rows[1].cells[:4] == (UNCOMPUTED,) * 4
    assert rows[2].cells[:4] == ("李四", UNCOMPUTED, "C-3", ISSUED)
    assert all(isinstance(cell, UncomputedFormula) for cell in rows[1].cells[:4])


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="B3"><f>B2</f></c>',  # no <v> at all
        '<c r="B3"><f>B2</f><v></v></c>',
        '<c r="B3" t="n"><f>B2</f><v/></c>',
        "<c r='B3' s='1'><f t='shared' si='0'/></c>",  # single quotes: the tag-by-tag scan
    ],
)
def test_uncomputed_formulas_are_found_in_every_shape(cell: str) -> None:
    rows = read(cells(VALID_ROW + f'<row r="3">{cell}</row>'))

    assert [row.number for row in rows] == [2, 3]
    assert rows[1].cells[1] is UNCOMPUTED


def test_uncomputed_formulas_with_a_namespace_prefix_are_found() -> None:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    header = "".join(
        f'<x:c r="{letter}1" t="inlineStr"><x:is><x:t>{text}</x:t></x:is></x:c>'
        for letter, text in zip("ABCDE", DEPOSITS.headers, strict=True)
    )
    sheet = (
        f'<x:worksheet xmlns:x="{main}"><x:sheetData><x:row r="1">{header}</x:row>'
        '<x:row r="2"><x:c r="A2"><x:f>1</x:f></x:c><x:c r="C2"><x:f>2</x:f></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    ).encode()

    (row,) = read(raw_workbook({"学员成果": sheet}))

    assert row.cells == (UNCOMPUTED, None, UNCOMPUTED, None, None)


def test_formulas_with_results_read_as_their_results() -> None:
    """Excel saves the result: a number in <v>, text with t="str" (an empty text is blank)."""
    data = cells(
        VALID_ROW
        + '<row r="3"><c r="A3" t="str"><f>A2</f><v>张三</v></c>'
        + f'<c r="B3" t="str"><f>B2</f><v>{ID}</v></c>'
        + '<c r="C3" t="str"><f>C2</f><v>C-2</v></c><c r="D3"><f>1</f><v>44774</v></c></row>'
        + '<row r="4"><c r="A4" t="str"><f>""</f><v></v></c></row>'
    )

    rows = read(data)

    assert [row.number for row in rows] == [2, 3]
    assert rows[1].cells[:3] == ("张三", ID, "C-2")


def test_strings_come_unstripped() -> None:
    spaced = '<c r="C2" t="inlineStr"><is><t xml:space="preserve"> </t></is></c>'
    data = cells(VALID_ROW.replace("<t>张三</t>", '<t xml:space="preserve">  张三 </t>'))
    data_with_space = cells(
        VALID_ROW.replace('<c r="C2" t="inlineStr"><is><t>C-1</t></is></c>', spaced)
    )

    assert read(data)[0].cells[0] == "  张三 "
    assert read(data_with_space)[0].cells[2] == " "


def test_dates_come_as_date_cells_or_as_the_text_typed() -> None:
    data = deposits(
        ["甲", ID, "C-1", datetime.date(2022, 8, 1)],
        ["乙", ID, "C-2", "2022-08-01"],
        ["丙", ID, "C-3", 20220801],
        ["丁", ID, "C-4", datetime.datetime(2022, 8, 1, 9, 30)],
    )

    issued = [row.cells[3] for row in read(data)]

    assert issued == [
        datetime.date(2022, 8, 1),
        "2022-08-01",
        20220801,
        datetime.datetime(2022, 8, 1, 9, 30),
    ]
    assert type(issued[2]) is int


def test_numbers_stay_ints_when_integral() -> None:
    data = deposits(["张三", 110101199003077777, 12345, ISSUED, 1.5], ["李四", ID, True, ISSUED])

    first, second = read(data)

    assert type(first.cells[2]) is int and first.cells[2] == 12345
    assert first.cells[4] == 1.5
    # 18 digits are beyond a float: an int comes back, and the row checks refuse the number
    assert type(first.cells[1]) is int
    assert str(first.cells[1])[:15] == "110101199003077"
    assert second.cells[2] is True


def test_only_the_first_worksheet_is_read() -> None:
    book = Workbook()
    book.active.title = "学员成果"
    book.active.append(DEPOSITS.headers)
    book.active.append(["张三", ID, "C-1", ISSUED])
    book.create_sheet("填写说明").append(["姓名", "电话"])
    book.create_sheet("其他").append(DEPOSITS.headers)
    buffer = io.BytesIO()
    book.save(buffer)

    assert read(buffer.getvalue()) == [SheetRow(2, ("张三", ID, "C-1", ISSUED, None))]


def test_a_sheet_starting_in_column_b_maps_by_label() -> None:
    data = workbook([None, *DEPOSITS.headers], [None, "张三", ID, "C-1", ISSUED])

    assert read(data) == [SheetRow(2, ("张三", ID, "C-1", ISSUED, None))]


def test_cells_under_no_header_are_ignored() -> None:
    data = workbook(
        [*DEPOSITS.headers, None, None],
        ["张三", ID, "C-1", ISSUED, None, None, "备注"],
        [None, None, None, None, None, None, "只有备注"],
    )

    assert read(data) == [SheetRow(2, ("张三", ID, "C-1", ISSUED, None))]


def test_headers_and_values_from_the_shared_strings_table() -> None:
    strings = [*DEPOSITS.headers[:3], "颁证<b>日期</b>", "张三", ID, "C-1"]
    strings[3] = "*颁证日期"
    header = "".join(f'<c r="{letter}1" t="s"><v>{i}</v></c>' for i, letter in enumerate("ABCD"))
    row = (
        '<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2" t="s"><v>5</v></c>'
        '<c r="C2" t="s"><v>6</v></c><c r="D2"><v>44774</v></c></row>'
    )
    data = raw_workbook(
        {"学员成果": sheet_xml(f'<row r="1">{header}</row>{row}')}, shared_strings=strings
    )

    assert read(data) == [SheetRow(2, ("张三", ID, "C-1", 44774, None))]


def test_a_header_in_rich_text_runs_reads_as_its_text() -> None:
    rich = "<is><r><t>*学员</t></r><r><rPr><b/></rPr><t>姓名</t></r><rPh><t>x</t></rPh></is>"
    header = f'<c r="A1" t="inlineStr">{rich}</c>' + "".join(
        f'<c r="{letter}1" t="inlineStr"><is><t>{text}</t></is></c>'
        for letter, text in zip("BCD", DEPOSITS.headers[1:4], strict=True)
    )
    data = raw_workbook({"学员成果": sheet_xml(f'<row r="1">{header}</row>{VALID_ROW}')})

    assert read(data) == [SheetRow(2, ("张三", ID, "C-1", "2022-08-01", None))]


def test_cells_without_references_are_placed_like_the_engine_places_them() -> None:
    header = "".join(f"<c t='inlineStr'><is><t>{text}</t></is></c>" for text in DEPOSITS.headers)
    row = "".join(f"<c t='inlineStr'><is><t>{text}</t></is></c>" for text in ("张三", ID, "C-1"))
    data = raw_workbook(
        {"学员成果": sheet_xml(f"<row>{header}</row><row/><row>{row}<c><v>44774</v></c></row>")}
    )

    assert read(data) == [SheetRow(3, ("张三", ID, "C-1", 44774, None))]


def test_an_empty_styled_cell_far_away_costs_nothing_and_is_accepted() -> None:
    data = cells(VALID_ROW + '<row r="1048576"><c r="XFD1048576" s="1"/></row>')

    assert [row.number for row in read(data)] == [2]


# -- the header ----------------------------------------------------------------------------------


@BOTH
def test_missing_required_columns_are_named(reader: Reader) -> None:
    data = workbook(["学员姓名", "个人成果编号", "证件类型"], ["张三", "C-1", "护照"])

    assert refusal(reader, data) == ["缺少必填列：*身份证号、*颁证日期"]


@BOTH
def test_unknown_and_duplicate_headers_are_named(reader: Reader) -> None:
    data = workbook([*DEPOSITS.headers, "手机号", "学员姓名"], ["张三", ID, "C-1", ISSUED])

    assert refusal(reader, data) == ["表头中有模板以外的列：手机号", "表头重复：学员姓名"]


@BOTH
def test_the_committed_wrong_headers_file_is_refused(reader: Reader) -> None:
    data = (FIXTURES / "wrong_headers.xlsx").read_bytes()

    assert refusal(reader, data) == [
        "缺少必填列：*学员姓名、*身份证号、*个人成果编号、*颁证日期",
        "表头中有模板以外的列：姓名、手机号码、备注",
    ]


@BOTH
@pytest.mark.parametrize(
    ("headers", "layout", "message"),
    [
        (
            LEARNER_ACCOUNTS.headers,
            DEPOSITS,
            "这是“学员信息”导入模板，请下载并使用“学员成果”导入模板",
        ),
        (
            DEPOSITS.headers,
            LEARNER_ACCOUNTS,
            "这是“学员成果”导入模板，请下载并使用“学员信息”导入模板",
        ),
        (
            DEPOSITS.headers[:4],
            COMMUNITY_RESULTS,
            "这是“学员成果”导入模板，请下载并使用“个人培训成果详细信息”导入模板",
        ),
    ],
)
def test_another_template_is_recognised(
    reader: Reader, headers: list[str], layout: Layout, message: str
) -> None:
    data = workbook(headers, ["张三", ID, "C-1", ISSUED, None][: len(headers)])

    assert refusal(reader, data, layout) == [message]


@BOTH
def test_a_template_with_a_missing_column_is_not_mistaken_for_a_smaller_one(
    reader: Reader,
) -> None:
    # 学员信息 has 学员姓名 and 身份证号 as its required columns, but 颁证日期 is foreign to it
    data = workbook(["学员姓名", "身份证号", "颁证日期"], ["张三", ID, ISSUED])

    assert refusal(reader, data) == ["缺少必填列：*个人成果编号"]


@BOTH
def test_a_blank_first_row_is_refused(reader: Reader) -> None:
    data = workbook([None], DEPOSITS.headers, ["张三", ID, "C-1", ISSUED])

    assert refusal(reader, data) == ["第 1 行应为表头，请勿在表头上方插入空行或标题"]


@BOTH
def test_a_long_list_of_unknown_headers_is_shortened(reader: Reader) -> None:
    data = workbook([*DEPOSITS.headers, *(f"列{i}" for i in range(30))], ["张三"])

    (message,) = refusal(reader, data)

    assert message.startswith("表头中有模板以外的列：列0、列1、")
    assert message.endswith("列9 等 30 列")


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
