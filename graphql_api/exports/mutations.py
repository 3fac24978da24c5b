"""Mutations of exports: 成果导出, 学员成果导出, 学员信息导出 and 转换申请导出 as .xlsx files.

Each writes the selected rows, or every row matching the list's filter when none is selected,
and answers with the stored file and a download link signed for the caller. Each needs a code
sent to the caller's bound phone (seed 003 §2.2.1), so API tokens may not export."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

import graphql_api.conversion.types.applications  # noqa: F401  (registers the conversion enums)
from graphql_api.achievements.mutations import parse_ids
from graphql_api.achievements.types import AchievementStatus
from graphql_api.context import Info
from graphql_api.enums import RecognitionStatus
from graphql_api.errors import FieldError, mutate
from graphql_api.files.types import StoredFileType
from graphql_api.permissions import IsInstitution
from models import ApplicationStatus, StoredFile
from resolvers import exports
from resolvers.achievements.deposits import DepositFilter
from resolvers.catalogue.entries import EntryFilter
from resolvers.conversion.records import ApplicationFilter, RecordScope
from resolvers.core.actors import Actor
from resolvers.core.files import sign_download
from resolvers.core.storage import Storage

_IDS = "The selected rows; when empty or null, every row matching `filter` is exported."
_CODE = "Code of purpose EXPORT, sent to the caller's bound phone."


@strawberry.input(description="The filters of the catalogue list (机构成果).")
class CatalogueEntryFilterInput:
    name: str | None = strawberry.field(default=None, description="成果名称, a part of it")
    category: str | None = strawberry.field(default=None, description="成果类型 code")
    subtype: str | None = strawberry.field(default=None, description="成果子类型 code")
    recognition_status: RecognitionStatus | None = None

    def to_domain(self) -> EntryFilter:
        return EntryFilter(
            name=self.name,
            category=self.category,
            subtype=self.subtype,
            recognition_status=self.recognition_status,
        )


@strawberry.input(description="The filters of 学员成果管理.")
class DepositedAchievementFilterInput:
    year: int | None = strawberry.field(default=None, description="入库年份")
    name: str | None = strawberry.field(default=None, description="成果名称, a part of it")
    category: str | None = strawberry.field(default=None, description="成果类型 code")
    learner_name: str | None = None
    id_number: str | None = None
    status: AchievementStatus | None = None

    def to_domain(self) -> DepositFilter:
        return DepositFilter(
            year=self.year,
            name=self.name,
            category=self.category,
            learner_name=self.learner_name,
            id_number=self.id_number,
            status=self.status,
        )


@strawberry.input(description="The filters of 学员信息.")
class LearnerAccountFilterInput:
    year: int | None = strawberry.field(default=None, description="入库年份")
    name: str | None = strawberry.field(default=None, description="学员姓名, a part of it")
    id_number: str | None = None

    def to_domain(self) -> exports.LearnerAccountFilter:
        return exports.LearnerAccountFilter(
            year=self.year, name=self.name, id_number=self.id_number
        )


@strawberry.input(description="The filters of the conversion application lists.")
class ConversionApplicationFilterInput:
    year: int | None = strawberry.field(default=None, description="申请年份")
    rule_code: str | None = strawberry.field(default=None, description="规则编码, its start")
    learner_name: str | None = strawberry.field(default=None, description="学员姓名, a part of it")
    id_number: str | None = None
    status: ApplicationStatus | None = strawberry.field(default=None, description="转换状态")

    def to_domain(self) -> ApplicationFilter:
        return ApplicationFilter(
            year=self.year,
            rule_code=self.rule_code,
            learner_name=self.learner_name,
            id_number=self.id_number,
            status=self.status,
        )


@strawberry.input(description="成果导出: with the code sent to the caller's bound phone.")
class CatalogueExportInput:
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description=_IDS)
    filter: CatalogueEntryFilterInput | None = None
    code: str | None = strawberry.field(default=None, description=_CODE)


@strawberry.input(description="学员成果导出: with the code sent to the caller's bound phone.")
class DepositExportInput:
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description=_IDS)
    filter: DepositedAchievementFilterInput | None = None
    code: str | None = strawberry.field(default=None, description=_CODE)


@strawberry.input(description="学员信息导出: with the code sent to the caller's bound phone.")
class LearnerAccountExportInput:
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description=_IDS)
    filter: LearnerAccountFilterInput | None = None
    code: str | None = strawberry.field(default=None, description=_CODE)


@strawberry.input(
    description="转换申请导出: one of the institution's lists, with the code sent to the caller's "
    "bound phone."
)
class ConversionApplicationExportInput:
    scope: RecordScope = strawberry.field(
        description="RECEIVED 机构接收, PERSONAL_QUEUE 个人申请 (pending), INITIATED 机构发起."
    )
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description=_IDS)
    filter: ConversionApplicationFilterInput | None = None
    code: str | None = strawberry.field(default=None, description=_CODE)


@strawberry.type(description="An exported workbook.")
class ExportPayload:
    errors: list[FieldError]
    file: StoredFileType | None = None
    download_url: str | None = strawberry.field(
        default=None,
        description="Valid for five minutes; fetch it with the same Authorization header.",
    )


async def _export(
    info: Info, run: Callable[..., Awaitable[StoredFile]], input: Any, filters: Any
) -> ExportPayload:
    """One export: the selected ids or the filter, the code; the file and a link, or errors."""
    secret_key = info.context.services.settings.secret_key
    return await mutate(
        ExportPayload,
        lambda: run(
            info.context.actor,
            parse_ids(input.ids) if input.ids else None,
            filters.to_domain(),
            input.code,
            info.context.services.storage,
        ),
        lambda row: ExportPayload(
            errors=[],
            file=StoredFileType.from_model(row, readable=True),
            download_url=sign_download(row.id, info.context.actor, secret_key),
        ),
    )


@strawberry.type
class ExportMutation:
    @strawberry.mutation(
        description="Institution users: 成果导出, the selected catalogue entries or every one "
        "matching the filter (at most 100,000); needs a code of purpose EXPORT, used up only "
        "when the file is made. API tokens may not (no bound phone).",
        permission_classes=[IsInstitution],
    )
    async def catalogue_export(self, info: Info, input: CatalogueExportInput) -> ExportPayload:
        return await _export(
            info, exports.export_catalogue, input, input.filter or CatalogueEntryFilterInput()
        )

    @strawberry.mutation(
        description="Institution users: 学员成果导出, the selected deposits or every one matching "
        "the filter (at most 100,000), with names, ID numbers and phones whole; needs a code of "
        "purpose EXPORT, used up only when the file is made. API tokens may not (no bound phone).",
        permission_classes=[IsInstitution],
    )
    async def deposit_export(self, info: Info, input: DepositExportInput) -> ExportPayload:
        return await _export(
            info, exports.export_deposits, input, input.filter or DepositedAchievementFilterInput()
        )

    @strawberry.mutation(
        description="Institution users: 学员信息导出, the selected learner accounts or every one "
        "matching the filter (at most 100,000), with ID numbers and phones whole; needs a code "
        "of purpose EXPORT, used up only when the file is made. API tokens may not (no bound "
        "phone).",
        permission_classes=[IsInstitution],
    )
    async def learner_account_export(
        self, info: Info, input: LearnerAccountExportInput
    ) -> ExportPayload:
        return await _export(
            info,
            exports.export_learner_accounts,
            input,
            input.filter or LearnerAccountFilterInput(),
        )

    @strawberry.mutation(
        description="Institution users: 转换申请导出, the selected applications of one list "
        "(机构接收, 个人申请 or 机构发起) or every one matching the filter (at most 100,000), "
        "with ID numbers whole; needs a code of purpose EXPORT, used up only when the file is "
        "made. API tokens may not (no bound phone).",
        permission_classes=[IsInstitution],
    )
    async def conversion_application_export(
        self, info: Info, input: ConversionApplicationExportInput
    ) -> ExportPayload:
        async def run(
            actor: Actor,
            ids: list[uuid.UUID] | None,
            filters: ApplicationFilter,
            code: str | None,
            storage: Storage,
        ) -> StoredFile:
            return await exports.export_conversion_applications(
                actor, input.scope, ids, filters, code, storage
            )

        return await _export(info, run, input, input.filter or ConversionApplicationFilterInput())
