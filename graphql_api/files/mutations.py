"""Uploading a file through the GraphQL multipart request spec."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload

from graphql_api.context import Info
from graphql_api.errors import FieldError, field_errors
from graphql_api.files.types import StoredFileType
from graphql_api.permissions import IsAuthenticated
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.files import MAX_FILE_SIZE, store_upload


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
        if not hasattr(file, "read"):
            problem = DomainError.of(ErrorCode.REQUIRED, "请以multipart请求上传文件", "file")
            return FileUploadPayload(errors=field_errors(problem))
        filename = getattr(file, "filename", None) or ""
        data = await file.read(MAX_FILE_SIZE + 1)
        try:
            services = info.context.services
            row = await store_upload(
                info.context.actor,
                filename,
                data,
                services.storage,
                quota=services.settings.upload_quota,
            )
        except DomainError as error:
            return FileUploadPayload(errors=field_errors(error))
        return FileUploadPayload(errors=[], file=StoredFileType.from_model(row, readable=True))
