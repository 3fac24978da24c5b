"""``GET /templates/<kind>.xlsx``: the import templates (导入模板), open to anyone; catalogue
templates take ``?subtype=<code>``."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from models import AchievementSubtype, ImportKind
from resolvers.achievements.details import TermBook
from resolvers.workbooks.layouts import FIXED_LAYOUTS, Layout, catalogue_layout
from resolvers.workbooks.writer import template_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _layout(kind: ImportKind, subtype_code: str | None) -> Layout | None:
    if kind != ImportKind.CATALOGUE_ENTRIES:
        return FIXED_LAYOUTS[kind]
    subtype = await AchievementSubtype.get_or_none(code=subtype_code or "", active=True)
    if subtype is None:
        return None
    return catalogue_layout(subtype.detail_schema, subtype.label)


async def download_template(request: Request) -> Response:
    try:
        kind = ImportKind(request.path_params["kind"])
    except ValueError:
        return PlainTextResponse("没有这种导入模板", status_code=404)
    layout = await _layout(kind, request.query_params.get("subtype"))
    if layout is None:
        return PlainTextResponse("成果子类型不存在或已停用", status_code=404)
    data = await asyncio.to_thread(template_workbook, layout, await TermBook.load())
    filename = f"{layout.title}导入模板.xlsx"
    return Response(
        data,
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="template.xlsx"; '
            f"filename*=UTF-8''{quote(filename, safe='')}",
            "Cache-Control": "no-cache",
        },
    )
