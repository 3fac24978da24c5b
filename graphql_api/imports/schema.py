"""批量导入 in GraphQL: templates, the upload that starts an import, and the import records
with their progress and the two result workbooks."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.file_uploads import Upload

from graphql_api.common import Page, parse_id, read_upload, shown
from graphql_api.context import Info
from graphql_api.errors import FieldError, mutate
from graphql_api.permissions import IsInstitution
from models import ImportJob, ImportKind, ImportStatus, MatchBy
from resolvers import imports
from resolvers.core.files import sign_download

# Registered as GraphQL enums; annotations use the model classes themselves (mypy accepts them).
strawberry.enum(ImportKind, name="ImportKind", description="导入模板的种类")
strawberry.enum(ImportStatus, name="ImportStatus", description="导入状态")
strawberry.enum(MatchBy, name="ImportMatchBy", description="按协议单位用户号或证件号码导入")


@strawberry.type(name="ImportRecord", description="导入记录: one uploaded workbook and its result.")
class ImportRecordType:
    id: strawberry.ID
    kind: ImportKind
    status: ImportStatus
    operator_name: str = strawberry.field(description="操作人")
    created_at: dt.datetime = strawberry.field(description="导入时间")
    finished_at: dt.datetime | None
    filename: str
    subtype: str | None = strawberry.field(description="机构成果: the subtype imported.")
    catalogue_entry_id: strawberry.ID | None = strawberry.field(description="学员成果: the entry.")
    total_rows: int = strawberry.field(description="Data rows in the file, once read.")
    processed_rows: int = strawberry.field(description="Rows checked and written so far.")
    imported_count: int = strawberry.field(description="成功导入符合要求数据 (条)")
    refused_count: int = strawberry.field(description="未导入不符合要求数据 (条)")
    failure: str = strawberry.field(description="Why the whole file was refused, if it was.")
    _row: strawberry.Private[ImportJob]

    @strawberry.field(description="中文 label of the kind.")
    def kind_label(self) -> str:
        return self._row.kind.label

    @strawberry.field(description="中文 label of the status.")
    def status_label(self) -> str:
        return self._row.status.label

    @strawberry.field(description="Progress from 0 to 1.")
    def progress(self) -> float:
        row = self._row
        if row.status == ImportStatus.FINISHED:
            return 1.0
        return row.processed_rows / row.total_rows if row.total_rows else 0.0

    @strawberry.field(description="导入详情, as the record list shows it.")
    def summary(self) -> str:
        row = self._row
        if row.status == ImportStatus.FAILED:
            return f"导入失败：{row.failure}"
        if row.status != ImportStatus.FINISHED:
            return f"{row.status.label}（已处理{row.processed_rows}/{row.total_rows or '?'}条）"
        return (
            f"成功导入符合要求数据{row.imported_count}条；未导入不符合要求数据{row.refused_count}条"
        )

    def _link(self, info: Info, file_id) -> str | None:
        if file_id is None:
            return None
        return sign_download(file_id, info.context.actor, info.context.services.settings.secret_key)

    @strawberry.field(
        description="The imported rows as a workbook (link valid five minutes), once made: "
        "null until `importRecordImportedRows` has made it."
    )
    def imported_rows_url(self, info: Info) -> str | None:
        return self._link(info, self._row.imported_file_id)

    @strawberry.field(
        description="The refused rows with a 未导入原因 column naming each bad field."
    )
    def refused_rows_url(self, info: Info) -> str | None:
        return self._link(info, self._row.refused_file_id)

    @classmethod
    def from_model(cls, row: ImportJob) -> ImportRecordType:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            status=row.status,
            operator_name=row.operator_name,
            created_at=shown(row.created_at),  # type: ignore[arg-type]
            finished_at=shown(row.finished_at),
            filename=row.filename,
            subtype=row.subtype_code or None,
            catalogue_entry_id=(
                strawberry.ID(str(row.catalogue_entry_id)) if row.catalogue_entry_id else None
            ),
            total_rows=row.total_rows,
            processed_rows=row.processed_rows,
            imported_count=row.imported_count,
            refused_count=row.refused_count,
            failure=row.failure,
            _row=row,
        )


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
class ImportQuery:
    @strawberry.field(
        description="Institutions: 导入记录 of the past year, newest first; filter by kind and, "
        "for learner achievements, by catalogue entry.",
        permission_classes=[IsInstitution],
    )
    async def import_records(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 10,
        kind: ImportKind | None = None,
        catalogue_entry_id: strawberry.ID | None = None,
    ) -> Page[ImportRecordType]:
        entry = parse_id(catalogue_entry_id, "catalogueEntryId") if catalogue_entry_id else None
        rows, total = await imports.list_records(info.context.actor, page, page_size, kind, entry)
        return Page.of(rows, total, page, page_size, ImportRecordType.from_model)

    @strawberry.field(
        description="Institutions: one import record, to poll its progress.",
        permission_classes=[IsInstitution],
    )
    async def import_record(self, info: Info, id: strawberry.ID) -> ImportRecordType:
        row = await imports.get_record(info.context.actor, parse_id(id))
        return ImportRecordType.from_model(row)

    @strawberry.field(
        description="The address of an import template (.xlsx, no login needed): "
        "`/templates/<kind>.xlsx`, with `?subtype=<code>` for catalogue entries."
    )
    def import_template_url(
        self,
        kind: ImportKind,
        subtype: str | None = None,
    ) -> str:
        query = f"?subtype={subtype}" if subtype else ""
        return f"/templates/{kind.value}.xlsx{query}"


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
