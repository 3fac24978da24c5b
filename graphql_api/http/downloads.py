"""``GET /files/{id}``: a stored file, for a signed link fetched with the bearer token of the
actor it was signed for."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from graphql_api.context import Services, bearer_token
from models import StoredFile
from resolvers.accounts.sessions import authenticate
from resolvers.core.files import verify_download


def _disposition(filename: str) -> str:
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def download_file(request: Request) -> Response:
    services: Services = request.app.state.services
    file_id: uuid.UUID = request.path_params["id"]
    actor = await authenticate(bearer_token(request))
    params = request.query_params
    if not verify_download(
        file_id, actor, params.get("expires"), params.get("sig"), services.settings.secret_key
    ):
        return PlainTextResponse("下载链接无效或已过期", status_code=403)
    row = await StoredFile.get_or_none(id=file_id)
    if row is None:
        return PlainTextResponse("文件不存在", status_code=404)
    return await file_response(services, row, "private, no-store")


async def file_response(services: Services, row: StoredFile, cache_control: str) -> Response:
    """The stored file as an attachment under its own name; 404 when storage has lost it."""
    try:
        data = await services.storage.open(row.storage_key)
    except FileNotFoundError:
        return PlainTextResponse("文件不存在", status_code=404)
    return Response(
        data,
        media_type=row.content_type,
        headers={
            "Content-Disposition": _disposition(row.filename),
            "Cache-Control": cache_control,
            "X-Content-Type-Options": "nosniff",
        },
    )
