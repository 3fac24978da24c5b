"""转换办法 types: a policy as its institution and administrators see it, and on the portal."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry

from graphql_api.common import shown
from graphql_api.context import Info
from graphql_api.files.types import StoredFileType
from graphql_api.http.portal_files import portal_file_url
from graphql_api.institutions.types import InstitutionType
from models import ConversionPolicy, PolicyStatus
from resolvers.core.files import sign_download

strawberry.enum(PolicyStatus, name="ConversionPolicyStatus", description="转换办法状态")


@strawberry.type(
    name="ConversionPolicy",
    description="转换办法: an institution's stamped policy (a PDF), as its institution and "
    "administrators see it.",
)
class ConversionPolicyType:
    id: strawberry.ID
    name: str = strawberry.field(description="转换办法名称")
    status: PolicyStatus = strawberry.field(description="状态")
    uploaded_at: dt.datetime = strawberry.field(description="上传时间")
    published_at: dt.datetime | None = strawberry.field(
        description="发布时间: of the current publication (kept when taken down, cleared when "
        "withdrawn)."
    )
    taken_down_reason: str = strawberry.field(description="下架原因, when the bank took it down.")
    institution_id: strawberry.ID
    _row: strawberry.Private[ConversionPolicy]

    @strawberry.field(description="中文 label of the status.")
    def status_label(self) -> str:
        return self._row.status.label

    @strawberry.field
    async def institution(self, info: Info) -> InstitutionType | None:
        row = await info.context.loaders.institution_by_id.load(self._row.institution_id)
        return InstitutionType.from_model(row) if row is not None else None

    @strawberry.field(description="The uploaded PDF.")
    async def file(self, info: Info) -> StoredFileType | None:
        row = await info.context.loaders.stored_file_by_id.load(self._row.file_id)
        return StoredFileType.from_model(row, readable=True) if row is not None else None

    @strawberry.field(description="文件: the PDF's name.")
    async def file_name(self, info: Info) -> str:
        row = await info.context.loaders.stored_file_by_id.load(self._row.file_id)
        return row.filename if row is not None else ""

    @strawberry.field(
        description="The portal's address of the PDF while published; otherwise a link valid "
        "for five minutes, to fetch with the same Authorization header."
    )
    def file_url(self, info: Info) -> str:
        if self._row.status == PolicyStatus.PUBLISHED:
            return portal_file_url(self._row.file_id)
        # Only the policy's institution and administrators see this type, and both may read it.
        settings = info.context.services.settings
        return sign_download(self._row.file_id, info.context.actor, settings.secret_key)

    @classmethod
    def from_model(cls, row: ConversionPolicy) -> ConversionPolicyType:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            status=row.status,
            uploaded_at=shown(row.created_at),  # type: ignore[arg-type]
            published_at=shown(row.published_at),
            taken_down_reason=row.taken_down_reason,
            institution_id=strawberry.ID(str(row.institution_id)),
            _row=row,
        )


@strawberry.type(
    name="PortalConversionPolicy",
    description="A published 转换办法 as the portal shows it to anyone, without internal fields.",
)
class PortalConversionPolicyType:
    id: strawberry.ID
    name: str = strawberry.field(description="转换办法名称")
    published_at: dt.datetime = strawberry.field(description="发布时间")
    institution_id: strawberry.ID
    _institution_id: strawberry.Private[uuid.UUID]
    _file_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The institution that published it.")
    async def institution_name(self, info: Info) -> str:
        row = await info.context.loaders.institution_by_id.load(self._institution_id)
        return row.name if row is not None else ""

    @strawberry.field(description="文件: the PDF's name.")
    async def file_name(self, info: Info) -> str:
        row = await info.context.loaders.stored_file_by_id.load(self._file_id)
        return row.filename if row is not None else ""

    @strawberry.field(description="The PDF, for anyone, while the policy is published.")
    def file_url(self) -> str:
        return portal_file_url(self._file_id)

    @classmethod
    def from_model(cls, row: ConversionPolicy) -> PortalConversionPolicyType:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            published_at=shown(row.published_at),  # type: ignore[arg-type]
            institution_id=strawberry.ID(str(row.institution_id)),
            _institution_id=row.institution_id,
            _file_id=row.file_id,
        )


# -- queries -------------------------------------------------------------------------------------
