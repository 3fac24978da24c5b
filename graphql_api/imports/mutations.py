"""批量导入 mutations: the upload that starts an import, and the rows one import stored."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload

from graphql_api.common import parse_id, read_upload
from graphql_api.context import Info
from graphql_api.errors import FieldError, mutate

# Registered as GraphQL enums; annotations use the model classes themselves (mypy accepts them).
from graphql_api.imports.types import (
    ImportRecordType,
)
from graphql_api.permissions import IsInstitution
from models import ImportJob, ImportKind, MatchBy
from resolvers import imports
from resolvers.core.files import sign_download


@strawberry.input(description="导入提交: the template kind, its target and the workbook.")
class ImportStartInput:
    kind: ImportKind
    file: Upload
    subtype: str | None = strawberry.field(
        default=None, description="机构成果: the subtype code whose template was filled."
    )
    catalogue_entry_id: strawberry.ID | None = strawberry.field(
        default=None, description="学员成果: the catalogue entry the learners hold."
    )
    match_by: MatchBy = strawberry.field(
        default=MatchBy.ID_NUMBER, description="个人培训成果: how rows name their learner."
    )

    async def to_domain(self) -> imports.ImportRequest:
        """The request, with the uploaded workbook read."""
        filename, data = await read_upload(self.file, "import.xlsx")
        return imports.ImportRequest(
            kind=self.kind,
            filename=filename,
            data=data,
            subtype=self.subtype,
            catalogue_entry_id=(
                parse_id(self.catalogue_entry_id, "catalogueEntryId")
                if self.catalogue_entry_id
                else None
            ),
            match_by=self.match_by,
        )


@strawberry.type
class ImportStartPayload:
    errors: list[FieldError]
    record: ImportRecordType | None = None
    already_imported: bool = strawberry.field(
        default=False,
        description="True when this very file was uploaded before for the same target: the "
        "earlier record is returned and nothing is imported twice.",
    )


@strawberry.type
class ImportRowsPayload:
    errors: list[FieldError]
    download_url: str | None = strawberry.field(
        default=None, description="Valid five minutes, with the same Authorization header."
    )

@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="Institutions: 导入提交, a multipart request with the workbook (.xlsx, at "
        "most 10 MB). The file is checked at once; the rows are imported in the background; "
        "poll `importRecord` for progress.",
        permission_classes=[IsInstitution],
    )
    async def import_start(self, info: Info, input: ImportStartInput) -> ImportStartPayload:
        return await mutate(
            ImportStartPayload,
            lambda: _start(info, input),
            lambda done: ImportStartPayload(
                errors=[], record=ImportRecordType.from_model(done[0]), already_imported=done[1]
            ),
        )

    @strawberry.mutation(
        description="Institutions: 成功导入的数据 of a finished import as a workbook, made on "
        "the first request (seconds for a large import) and kept.",
        permission_classes=[IsInstitution],
    )
    async def import_record_imported_rows(self, info: Info, id: strawberry.ID) -> ImportRowsPayload:
        services = info.context.services
        return await mutate(
            ImportRowsPayload,
            lambda: imports.imported_rows_file(info.context.actor, parse_id(id), services.storage),
            lambda file: ImportRowsPayload(
                errors=[],
                download_url=sign_download(
                    file.id, info.context.actor, services.settings.secret_key
                ),
            ),
        )


async def _start(info: Info, input: ImportStartInput) -> tuple[ImportJob, bool]:
    services = info.context.services
    return await imports.start_import(
        info.context.actor,
        await input.to_domain(),
        services.storage,
        services.jobs,
        services.imports,
    )
