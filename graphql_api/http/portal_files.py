"""``GET /portal/files/{id}``: the PDF of a conversion policy or rule that is published now, for
anyone without login; 404 for any other file, and as soon as the publication ends."""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from graphql_api.context import Services
from graphql_api.http.downloads import file_response
from resolvers.conversion.policies import public_file


def portal_file_url(file_id: uuid.UUID) -> str:
    """The public address of a published file, as the portal links it."""
    return f"/portal/files/{file_id}"


async def download_public_file(request: Request) -> Response:
    services: Services = request.app.state.services
    row = await public_file(request.path_params["id"])
    if row is None:
        return PlainTextResponse("文件不存在", status_code=404)
    # Not kept by caches: withdrawing the publication removes the file at once.
    return await file_response(services, row, "no-store")
