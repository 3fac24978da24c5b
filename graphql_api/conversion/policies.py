"""转换办法 in GraphQL: the institution's list and its mutations (save, publish, withdraw, edit,
delete), the administrators' take-down (下架), and the portal's published policies."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry

from graphql_api.common import Page, parse_id, shown
from graphql_api.context import Info
from graphql_api.errors import FieldError, mutate
from graphql_api.files.types import StoredFileType
from graphql_api.http.portal_files import portal_file_url
from graphql_api.institutions.types import InstitutionType
from graphql_api.permissions import (
    IsAdministrator,
    IsAdministratorOrInstitution,
    IsInstitutionUser,
)
from models import ConversionPolicy, PolicyStatus
from resolvers.conversion import policies
from resolvers.core.files import sign_download

# Registered as a GraphQL enum; annotations use the model class itself (mypy accepts it).
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


@strawberry.type
class ConversionPolicyQuery:
    @strawberry.field(
        description="Institutions: 转换办法发布, their policies, newest upload first, filtered by "
        "发布时间 (days in Asia/Shanghai, both ends included) and 状态; administrators: every "
        "institution's, optionally by institution name.",
        permission_classes=[IsAdministratorOrInstitution],
    )
    async def conversion_policies(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 10,
        status: PolicyStatus | None = None,
        published_from: dt.date | None = None,
        published_to: dt.date | None = None,
        institution_name: str | None = None,
    ) -> Page[ConversionPolicyType]:
        rows, total = await policies.list_policies(
            info.context.actor,
            page,
            page_size,
            policies.PolicyFilter(
                status=status,
                published_from=published_from,
                published_to=published_to,
                institution_name=institution_name,
            ),
        )
        return Page.of(rows, total, page, page_size, ConversionPolicyType.from_model)

    @strawberry.field(
        description="One policy: of the viewer's institution, or any for administrators.",
        permission_classes=[IsAdministratorOrInstitution],
    )
    async def conversion_policy(self, info: Info, id: strawberry.ID) -> ConversionPolicyType:
        row = await policies.visible_policy(info.context.actor, parse_id(id))
        return ConversionPolicyType.from_model(row)

    @strawberry.field(
        description="Institution users: whether they have accepted the information-publishing "
        "pledge (信息发布安全承诺书) already; if not, their first publication asks for it.",
        permission_classes=[IsInstitutionUser],
    )
    async def publishing_pledge_accepted(self, info: Info) -> bool:
        return await policies.pledge_accepted(info.context.actor)

    @strawberry.field(
        description="Anyone, without logging in: the published policies, latest publication "
        "first, searched by institution name and policy name."
    )
    async def portal_conversion_policies(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 10,
        institution_name: str | None = None,
        name: str | None = None,
    ) -> Page[PortalConversionPolicyType]:
        rows, total = await policies.portal_policies(page, page_size, institution_name, name)
        return Page.of(rows, total, page, page_size, PortalConversionPolicyType.from_model)

    @strawberry.field(description="Anyone, without logging in: one published policy.")
    async def portal_conversion_policy(
        self, info: Info, id: strawberry.ID
    ) -> PortalConversionPolicyType:
        return PortalConversionPolicyType.from_model(await policies.portal_policy(parse_id(id)))


# -- mutations -----------------------------------------------------------------------------------


@strawberry.input(description="上传转换办法: 【保存】 (publish false) or 【发布】 (publish true).")
class ConversionPolicyCreateInput:
    name: str = strawberry.field(description="转换办法名称, at most 100 characters.")
    file_id: strawberry.ID | None = strawberry.field(
        default=None, description="The stamped policy, a PDF uploaded with fileUpload."
    )
    publish: bool = strawberry.field(default=False, description="Publish at once (【发布】).")
    pledge_accepted: bool = strawberry.field(
        default=False,
        description="本人郑重承诺…: required on the user's first publication, recorded then.",
    )


@strawberry.input(description="修改转换办法, while unpublished or off the shelf.")
class ConversionPolicyUpdateInput:
    id: strawberry.ID
    name: str = strawberry.field(description="转换办法名称, at most 100 characters.")
    file_id: strawberry.ID | None = strawberry.field(
        default=None, description="A newly uploaded PDF; null keeps the current file."
    )


@strawberry.type
class ConversionPolicyPayload:
    errors: list[FieldError]
    policy: ConversionPolicyType | None = None


@strawberry.type
class ConversionPolicyDeletePayload:
    errors: list[FieldError]
    deleted_id: strawberry.ID | None = None


def _policy(row: ConversionPolicy) -> dict:
    return {"policy": ConversionPolicyType.from_model(row)}


def _file_id(value: strawberry.ID | None) -> uuid.UUID | None:
    return parse_id(value, "fileId") if value is not None else None


@strawberry.type
class ConversionPolicyMutation:
    @strawberry.mutation(
        description="Institution users: 上传转换办法, saved unpublished or published at once; "
        "publishing is refused while another policy of the institution is published.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_policy_create(
        self, info: Info, input: ConversionPolicyCreateInput
    ) -> ConversionPolicyPayload:
        async def work() -> ConversionPolicy:
            return await policies.create_policy(
                info.context.actor,
                input.name,
                _file_id(input.file_id),
                publish=input.publish,
                pledge_accepted=input.pledge_accepted,
            )

        return await mutate(ConversionPolicyPayload, work, _policy)

    @strawberry.mutation(
        description="Institution users: 修改, the name and optionally the file of an unpublished "
        "or off-shelf policy.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_policy_update(
        self, info: Info, input: ConversionPolicyUpdateInput
    ) -> ConversionPolicyPayload:
        async def work() -> ConversionPolicy:
            return await policies.update_policy(
                info.context.actor, parse_id(input.id), input.name, _file_id(input.file_id)
            )

        return await mutate(ConversionPolicyPayload, work, _policy)

    @strawberry.mutation(
        description="Institution users: 删除 an unpublished or off-shelf policy.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_policy_delete(
        self, info: Info, id: strawberry.ID
    ) -> ConversionPolicyDeletePayload:
        async def work() -> uuid.UUID:
            return await policies.delete_policy(info.context.actor, parse_id(id))

        return await mutate(
            ConversionPolicyDeletePayload, work, lambda key: {"deleted_id": strawberry.ID(str(key))}
        )

    @strawberry.mutation(
        description="Institution users: 发布 an unpublished or off-shelf policy on the portal; "
        "refused (CONFLICT) while another policy of the institution is published. The user's "
        "first publication needs pledgeAccepted.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_policy_publish(
        self, info: Info, id: strawberry.ID, pledge_accepted: bool = False
    ) -> ConversionPolicyPayload:
        async def work() -> ConversionPolicy:
            return await policies.publish_policy(info.context.actor, parse_id(id), pledge_accepted)

        return await mutate(ConversionPolicyPayload, work, _policy)

    @strawberry.mutation(
        description="Institution users: 撤销发布, the published policy leaves the portal and is "
        "unpublished again.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_policy_withdraw(
        self, info: Info, id: strawberry.ID
    ) -> ConversionPolicyPayload:
        async def work() -> ConversionPolicy:
            return await policies.withdraw_policy(info.context.actor, parse_id(id))

        return await mutate(ConversionPolicyPayload, work, _policy)

    @strawberry.mutation(
        description="Administrators: 下架 a published policy with a reason (at most 500 "
        "characters); the institution is told.",
        permission_classes=[IsAdministrator],
    )
    async def conversion_policy_take_down(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> ConversionPolicyPayload:
        async def work() -> ConversionPolicy:
            return await policies.take_down_policy(info.context.actor, parse_id(id), reason)

        return await mutate(ConversionPolicyPayload, work, _policy)
