"""GraphQL types of learner achievements (学员成果 / 个人成果)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import strawberry

from graphql_api.accounts.types import LearnerType, sees_whole_identity
from graphql_api.achievements.details import AchievementDetails, details_to_graphql
from graphql_api.catalogue.types import CatalogueEntryType
from graphql_api.common import Page, shown
from graphql_api.context import Info
from graphql_api.files.types import StoredFileType
from graphql_api.institutions.types import InstitutionType
from models import AchievementSource, AchievementStatus, Learner
from models import LearnerAchievement as LearnerAchievementModel
from resolvers.achievements.registrations import ObtainedBy as _ObtainedBy
from resolvers.core.masking import mask_id_number, mask_phone

strawberry.enum(AchievementStatus, name="AchievementStatus", description="学员成果状态")
strawberry.enum(AchievementSource, name="AchievementSource", description="成果来源")
strawberry.enum(
    _ObtainedBy,
    name="AchievementObtainedBy",
    description="个人获取成果 (PERSONAL: every source but conversion) / 转换获取成果 (CONVERSION).",
)
AchievementObtainedBy = _ObtainedBy


@strawberry.type(
    name="LearnerAchievement",
    description="学员成果 / 个人成果: one learner holding one achievement, with its own copy of "
    "what the catalogue entry showed.",
)
class LearnerAchievementType:
    id: strawberry.ID
    name: str = strawberry.field(description="成果名称")
    category: str = strawberry.field(description="成果类型 code")
    subtype: str = strawberry.field(description="成果子类型 code")
    issuer_name: str = strawberry.field(description="颁证机构")
    introduction: str = strawberry.field(description="成果简介")
    certificate_number: str = strawberry.field(description="个人成果编号")
    issue_date: dt.date = strawberry.field(description="颁证日期")
    source: AchievementSource = strawberry.field(description="成果来源")
    status: AchievementStatus = strawberry.field(description="成果状态")
    review_note: str = strawberry.field(description="The administrator's note on a review.")
    withdrawn_reason: str = strawberry.field(description="撤回原因")
    withdrawn_at: dt.datetime | None
    created_at: dt.datetime = strawberry.field(description="入库时间")
    stored_at: dt.datetime | None
    catalogue_entry_id: strawberry.ID | None = strawberry.field(
        description="The catalogue entry (机构成果) it was deposited from or matched to."
    )
    _row: strawberry.Private[LearnerAchievementModel]
    _detail: strawberry.Private[bool]

    @strawberry.field
    def source_label(self) -> str:
        return self.source.label

    @strawberry.field
    def status_label(self) -> str:
        return self.status.label

    @strawberry.field(
        description="学分银行学分: what it counts while stored; null when registered, refused "
        "or withdrawn, or stored without credits."
    )
    def credits(self) -> Decimal | None:
        return self._row.credits if self.status == AchievementStatus.STORED else None

    @strawberry.field
    async def category_label(self, info: Info) -> str:
        category = await info.context.loaders.category_by_code.load(self.category)
        return category.label if category else ""

    @strawberry.field
    async def subtype_label(self, info: Info) -> str:
        subtype = await info.context.loaders.subtype_by_code.load(self.subtype)
        return subtype.label if subtype else ""

    @strawberry.field(description="成果附属信息, typed by the subtype.")
    async def details(self, info: Info) -> AchievementDetails | None:
        subtype = await info.context.loaders.subtype_by_code.load(self.subtype)
        if subtype is None:
            return None
        return details_to_graphql(subtype.detail_schema, self._row.details)

    async def _learner(self, info: Info) -> Learner:
        learner = await info.context.loaders.learner_by_id.load(self._row.learner_id)
        assert learner is not None  # RESTRICT: a learner with achievements is never deleted
        return learner

    def _whole(self, info: Info, learner: Learner) -> bool:
        return sees_whole_identity(
            info.context.actor,
            learner.id,
            learner.created_by_institution_id,
            depositor=self._row.institution_id
            if self._row.source == AchievementSource.INSTITUTION
            else None,
            listed=not self._detail,
        )

    @strawberry.field
    async def learner(self, info: Info) -> LearnerType:
        return LearnerType.from_model(await self._learner(info), listed=not self._detail)

    @strawberry.field(description="学员姓名")
    async def learner_name(self, info: Info) -> str:
        return (await self._learner(info)).name

    @strawberry.field(
        description="身份证号: masked in lists; whole for the holder and, in the detail view, for "
        "the institution that deposited it."
    )
    async def learner_id_number(self, info: Info) -> str:
        learner = await self._learner(info)
        whole = self._whole(info, learner)
        return learner.id_number if whole else mask_id_number(learner.id_number)

    @strawberry.field(description="手机号码, masked as the ID number is.")
    async def learner_phone(self, info: Info) -> str | None:
        learner = await self._learner(info)
        return learner.phone if self._whole(info, learner) else mask_phone(learner.phone)

    @strawberry.field(description="The depositing or issuing institution, when there is one.")
    async def institution(self, info: Info) -> InstitutionType | None:
        if self._row.institution_id is None:
            return None
        row = await info.context.loaders.institution_by_id.load(self._row.institution_id)
        return InstitutionType.from_model(row) if row is not None else None

    @strawberry.field(
        description="The catalogue entry, for the institution that keeps it and administrators; "
        "null for everyone else (they see catalogueEntryId)."
    )
    async def catalogue_entry(self, info: Info) -> CatalogueEntryType | None:
        entry_id = self._row.catalogue_entry_id
        if entry_id is None:
            return None
        entry = await info.context.loaders.catalogue_entry_by_id.load(entry_id)
        actor = info.context.actor
        if entry is None or not (actor.is_admin or actor.institution_id == entry.institution_id):
            return None
        return CatalogueEntryType.from_model(entry)

    @strawberry.field(description="撤回原因文件, when the withdrawal came with one.")
    async def withdrawn_file(self, info: Info) -> StoredFileType | None:
        file_id = self._row.withdrawn_file_id
        if file_id is None:
            return None
        row = await info.context.loaders.stored_file_by_id.load(file_id)
        if row is None:
            return None
        actor = info.context.actor
        readable = (
            actor.is_admin
            or (actor.is_learner and actor.id == self._row.learner_id)
            or (actor.acts_for_institution and actor.institution_id == self._row.institution_id)
        )
        return StoredFileType.from_model(row, readable=readable)

    @classmethod
    def from_model(
        cls, row: LearnerAchievementModel, *, detail: bool = False
    ) -> LearnerAchievementType:
        """``detail``: the one-record view, where the depositing institution sees identities
        whole; lists mask them."""
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            category=row.category_id,
            subtype=row.subtype_id,
            issuer_name=row.issuer_name,
            introduction=row.introduction,
            certificate_number=row.certificate_number,
            issue_date=row.issue_date,
            source=row.source,
            status=row.status,
            review_note=row.review_note,
            withdrawn_reason=row.withdrawn_reason,
            withdrawn_at=shown(row.withdrawn_at),
            created_at=shown(row.created_at),  # type: ignore[arg-type]
            stored_at=shown(row.stored_at),
            catalogue_entry_id=(
                strawberry.ID(str(row.catalogue_entry_id)) if row.catalogue_entry_id else None
            ),
            _row=row,
            _detail=detail,
        )


@strawberry.type(description="我的成果: one page, the two counts and the credit total.")
class MyAchievementPage(Page[LearnerAchievementType]):
    personally_obtained_count: int = strawberry.field(description="个人获取成果")
    conversion_obtained_count: int = strawberry.field(description="转换获取成果")
    _learner_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="学分银行学分: the total over stored achievements.")
    async def credits(self, info: Info) -> Decimal:
        return await info.context.loaders.credits_by_learner.load(self._learner_id)
