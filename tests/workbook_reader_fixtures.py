"""The helpers shared by the workbook reader tests (test_workbook_reading, _rejections)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from resolvers.core.errors import DomainError
from resolvers.workbooks.layouts import (
    DEPOSITS,
    FIXED_LAYOUTS,
    Layout,
)
from resolvers.workbooks.reader import (
    SheetRow,
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
