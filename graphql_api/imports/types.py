"""批量导入 types: an import record with its progress and the two result workbooks."""

from __future__ import annotations

import datetime as dt

import strawberry

from graphql_api.common import shown
from graphql_api.context import Info
from models import ImportJob, ImportKind, ImportStatus, MatchBy
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
