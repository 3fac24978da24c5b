"""Helpers for import tests: workbooks written with openpyxl, the multipart upload of the
GraphQL spec, waiting for the background job, reading result workbooks back."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl

from resolvers.workbooks.layouts import Layout

RECORD_FIELDS = """
    id kind status statusLabel operatorName filename totalRows processedRows importedCount
    refusedCount failure summary progress importedRowsUrl refusedRowsUrl subtype catalogueEntryId
"""
IMPORT_START = f"""
mutation($input: ImportStartInput!) {{
  importStart(input: $input) {{
    errors {{ field code message }}
    alreadyImported
    record {{ {RECORD_FIELDS} }}
  }}
}}"""
IMPORT_RECORD = f"query($id: ID!) {{ importRecord(id: $id) {{ {RECORD_FIELDS} }} }}"
IMPORT_RECORDS = f"""
query($kind: ImportKind, $entry: ID) {{
  importRecords(kind: $kind, catalogueEntryId: $entry) {{
    totalCount items {{ {RECORD_FIELDS} }}
  }}
}}"""
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(headers: list[str] | Layout, rows: list[list[Any]], title: str = "数据") -> bytes:
    """A plain workbook: one header row, then ``rows``."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(headers.headers if isinstance(headers, Layout) else headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def filled(template: bytes, rows: list[list[Any]]) -> bytes:
    """The downloaded template with ``rows`` typed in below its header, as a registrar does."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    for index, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            sheet.cell(index, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_rows(data: bytes) -> list[list[Any]]:
    """Every row of the first sheet, header included."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


async def upload_import_body(
    api, token: str | None, kind: str, data: bytes, filename: str = "导入.xlsx", **target: Any
) -> dict:
    """``importStart`` as a multipart request; returns the whole response body."""
    variables = {"input": {"kind": kind, "file": None, **target}}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await api.client.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": IMPORT_START, "variables": variables}),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (filename, data, XLSX_TYPE)},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def upload_import(
    api, token: str | None, kind: str, data: bytes, filename: str = "导入.xlsx", **target: Any
) -> dict:
    """``importStart`` as a multipart request; returns the payload."""
    body = await upload_import_body(api, token, kind, data, filename, **target)
    assert not body.get("errors"), body["errors"]
    return body["data"]["importStart"]


async def record(api, token: str, record_id: str) -> dict:
    return (await api.gql(IMPORT_RECORD, {"id": record_id}, token))["importRecord"]


async def import_and_wait(api, token: str, kind: str, data: bytes, **target: Any) -> dict:
    """Upload, let the background job finish, and return the finished record."""
    payload = await upload_import(api, token, kind, data, **target)
    assert payload["errors"] == [], payload
    await api.services.jobs.drain()
    return await record(api, token, payload["record"]["id"])


IMPORTED_ROWS = """
mutation($id: ID!) {
  importRecordImportedRows(id: $id) { downloadUrl errors { field code message } }
}"""


async def imported_rows(api, token: str, record_id: str) -> bytes:
    """成功导入的数据 of a finished import: made on request, then downloaded."""
    payload = (await api.gql(IMPORTED_ROWS, {"id": record_id}, token))["importRecordImportedRows"]
    assert payload["errors"] == [], payload
    return await download(api, token, payload["downloadUrl"])


async def download(api, token: str, url: str) -> bytes:
    response = await api.client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.content
