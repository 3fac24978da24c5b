"""Uploading a file through the GraphQL multipart request spec."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload

from graphql_api.common import read_upload
from graphql_api.context import Info
from graphql_api.errors import FieldError, mutate
from graphql_api.files.types import StoredFileType
from graphql_api.permissions import IsAuthenticated
from models import StoredFile
from resolvers.core.files import store_upload


@strawberry.type
class FileUploadPayload:
    errors: list[FieldError]
    file: StoredFileType | None = None


@strawberry.type
class FileMutation:
    @strawberry.mutation(
        description="Anyone logged in: upload a PDF (at most 10 MB, checked by its content) as a "
        "multipart request; then pass its id to the mutation that uses it.",
        permission_classes=[IsAuthenticated],
    )
    async def file_upload(self, info: Info, file: Upload) -> FileUploadPayload:
        return await mutate(
            FileUploadPayload,
            lambda: _store(info, file),
            lambda row: FileUploadPayload(
                errors=[], file=StoredFileType.from_model(row, readable=True)
            ),
        )


async def _store(info: Info, file: Upload) -> StoredFile:
    services = info.context.services
    filename, data = await read_upload(file, "")
    return await store_upload(
        info.context.actor, filename, data, services.storage, quota=services.settings.upload_quota
    )
