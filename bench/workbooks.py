"""The workbook both benchmarks read: learner achievements (the deposits template) as a
registrar fills it, every row a different person, 18-digit ID numbers as text, dates as dates,
the template's instructions sheet after the data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def resident_id(n: int) -> str:
    """A valid, distinct resident ID number for each ``n`` below 20 million."""
    from resolvers.core.validation import resident_id_check_char

    born = dt.date(1960, 1, 1) + dt.timedelta(days=n // 1000)
    first17 = f"110101{born:%Y%m%d}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def deposits_workbook(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    from resolvers.workbooks.layouts import DEPOSITS

    book = Workbook(write_only=True)
    sheet = book.create_sheet(DEPOSITS.title)
    sheet.append(DEPOSITS.headers)
    first = dt.date(2015, 1, 1)
    for n in range(rows):
        issued = first + dt.timedelta(days=n % 3000)  # a date cell, formatted yyyy-mm-dd
        sheet.append([f"学员{n:06d}", resident_id(n), f"CERT-{n:08d}", issued, "居民身份证"])
    book.create_sheet("填写说明").append(["请按模板填写"])
    book.save(path)
