"""The workbook reader: reading rows, and the header."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import Workbook

from resolvers.workbooks.layouts import (
    COMMUNITY_RESULTS,
    DEPOSITS,
    LEARNER_ACCOUNTS,
    Layout,
)
from resolvers.workbooks.reader import (
    UNCOMPUTED,
    SheetRow,
    UncomputedFormula,
)
from tests.fixtures.workbooks.make_fixtures import raw_workbook, sheet_xml
from tests.workbook_reader_fixtures import (
    BOTH,
    FIXTURES,
    ID,
    ISSUED,
    VALID_ROW,
    Reader,
    cells,
    deposits,
    read,
    refusal,
    workbook,
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
