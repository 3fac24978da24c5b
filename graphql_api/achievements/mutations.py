"""Mutations of learner achievements: deposit and withdraw (institutions), register, update and
delete (learners), review (administrators)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import strawberry

from graphql_api.achievements.details import AchievementDetailsInput
from graphql_api.achievements.types import LearnerAchievementType
from graphql_api.common import parse_all, parse_id, same_named
from graphql_api.context import Info
from graphql_api.enums import IdType
from graphql_api.errors import FieldError, mutate
from graphql_api.permissions import IsAdministrator, IsInstitution, IsInstitutionUser, IsLearner
from resolvers.achievements import learner_achievements


def parse_ids(ids: list[strawberry.ID], field: str = "ids") -> list[uuid.UUID]:
    return parse_all((f"{field}.{index}", value) for index, value in enumerate(ids))


@strawberry.input(description="存储学员成果 › 新增学员.")
class AchievementDepositInput:
    catalogue_entry_id: strawberry.ID = strawberry.field(description="The institution's entry.")
    learner_name: str = strawberry.field(description="学员姓名")
    id_number: str = strawberry.field(description="身份证号 (证件号码)")
    certificate_number: str = strawberry.field(description="个人成果编号")
    issue_date: dt.date = strawberry.field(description="颁证日期")
    id_type: IdType = IdType.RESIDENT_ID

    def to_domain(self) -> learner_achievements.DepositInput:
        return same_named(
            learner_achievements.DepositInput,
            self,
            catalogue_entry_id=parse_id(self.catalogue_entry_id, "catalogueEntryId"),
        )


@strawberry.input(description="撤回 / 批量撤回, with a reason and an optional PDF.")
class AchievementWithdrawInput:
    ids: list[strawberry.ID]
    reason: str = strawberry.field(description="撤回原因, at most 500 characters.")
    file_id: strawberry.ID | None = strawberry.field(
        default=None, description="An uploaded PDF (撤回原因文件)."
    )


@strawberry.input(
    description="登记新成果: choose a catalogue entry (its information is taken over and the "
    "fields entered by hand are ignored), or enter subtype, name, issuer and details by hand."
)
class AchievementRegisterInput:
    certificate_number: str = strawberry.field(description="个人成果编号")
    issue_date: dt.date = strawberry.field(description="颁证日期")
    catalogue_entry_id: strawberry.ID | None = None
    subtype: str | None = strawberry.field(default=None, description="成果子类型 code")
    name: str = ""
    issuer_name: str = strawberry.field(default="", description="颁证机构")
    details: AchievementDetailsInput | None = None
    introduction: str = strawberry.field(default="", description="成果简介")

    def to_domain(self) -> learner_achievements.RegistrationInput:
        return same_named(
            learner_achievements.RegistrationInput,
            self,
            catalogue_entry_id=(
                parse_id(self.catalogue_entry_id, "catalogueEntryId")
                if self.catalogue_entry_id is not None
                else None
            ),
        )


@strawberry.input(description="修改: a registered achievement, entered anew.")
class AchievementUpdateInput(AchievementRegisterInput):
    id: strawberry.ID


@strawberry.input(description="An administrator's decision on a registration.")
class AchievementReviewInput:
    id: strawberry.ID
    approve: bool
    credits: Decimal | None = strawberry.field(
        default=None, description="学分银行学分 when approving (0-1000, two decimals)."
    )
    reason: str = strawberry.field(default="", description="Required when refusing.")


@strawberry.type
class LearnerAchievementPayload:
    errors: list[FieldError]
    achievement: LearnerAchievementType | None = None


@strawberry.type
class AchievementDepositPayload:
    errors: list[FieldError]
    achievement: LearnerAchievementType | None = None
    learner_created: bool = strawberry.field(
        default=False, description="Whether a new inactive learner account was created."
    )


@strawberry.type
class AchievementWithdrawPayload:
    errors: list[FieldError]
    achievements: list[LearnerAchievementType] = strawberry.field(default_factory=list)


@strawberry.type
class AchievementDeletePayload:
    errors: list[FieldError]
    deleted_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


def _detail(row) -> LearnerAchievementType:
    return LearnerAchievementType.from_model(row, detail=True)


@strawberry.type
class AchievementMutation:
    @strawberry.mutation(
        description="Users and API tokens of an approved institution: 存储学员成果 for one "
        "learner from one of its catalogue entries; stored at once, the learner told. A new ID "
        "number creates an inactive learner account.",
        permission_classes=[IsInstitution],
    )
    async def achievement_deposit(
        self, info: Info, input: AchievementDepositInput
    ) -> AchievementDepositPayload:
        return await mutate(
            AchievementDepositPayload,
            lambda: learner_achievements.deposit_achievement(info.context.actor, input.to_domain()),
            lambda done: AchievementDepositPayload(
                errors=[],
                achievement=_detail(done[0]),
                learner_created=done[1],
            ),
        )

    @strawberry.mutation(
        description="Users of the depositing institution: withdraw stored deposits, or "
        "achievements it granted by conversion (all or none), with a reason and an optional "
        "PDF; each learner is told.",
        permission_classes=[IsInstitutionUser],
    )
    async def achievement_withdraw(
        self, info: Info, input: AchievementWithdrawInput
    ) -> AchievementWithdrawPayload:
        return await mutate(
            AchievementWithdrawPayload,
            lambda: learner_achievements.withdraw_achievements(
                info.context.actor,
                parse_ids(input.ids),
                input.reason,
                parse_id(input.file_id, "fileId") if input.file_id is not None else None,
            ),
            lambda rows: AchievementWithdrawPayload(
                errors=[], achievements=[_detail(row) for row in rows]
            ),
        )

    @strawberry.mutation(
        description="Learners: 登记新成果; matched automatically against recognised catalogue "
        "entries (stored at once with credits), otherwise waiting for an administrator.",
        permission_classes=[IsLearner],
    )
    async def achievement_register(
        self, info: Info, input: AchievementRegisterInput
    ) -> LearnerAchievementPayload:
        return await mutate(
            LearnerAchievementPayload,
            lambda: learner_achievements.register_achievement(
                info.context.actor, input.to_domain()
            ),
            lambda row: LearnerAchievementPayload(errors=[], achievement=_detail(row)),
        )

    @strawberry.mutation(
        description="Learners: edit one of their achievements while it is registered.",
        permission_classes=[IsLearner],
    )
    async def achievement_update(
        self, info: Info, input: AchievementUpdateInput
    ) -> LearnerAchievementPayload:
        return await mutate(
            LearnerAchievementPayload,
            lambda: learner_achievements.update_registration(
                info.context.actor, parse_id(input.id), input.to_domain()
            ),
            lambda row: LearnerAchievementPayload(errors=[], achievement=_detail(row)),
        )

    @strawberry.mutation(
        description="Learners: delete registered achievements (all or none).",
        permission_classes=[IsLearner],
    )
    async def achievement_delete(
        self, info: Info, ids: list[strawberry.ID]
    ) -> AchievementDeletePayload:
        return await mutate(
            AchievementDeletePayload,
            lambda: learner_achievements.delete_registrations(info.context.actor, parse_ids(ids)),
            lambda deleted: AchievementDeletePayload(
                errors=[],
                deleted_ids=[strawberry.ID(str(i)) for i in deleted],
            ),
        )

    @strawberry.mutation(
        description="Administrators: store a registration with credits, or refuse it with a "
        "reason; the learner is told.",
        permission_classes=[IsAdministrator],
    )
    async def achievement_review(
        self, info: Info, input: AchievementReviewInput
    ) -> LearnerAchievementPayload:
        return await mutate(
            LearnerAchievementPayload,
            lambda: learner_achievements.review_registration(
                info.context.actor, parse_id(input.id), input.approve, input.credits, input.reason
            ),
            lambda row: LearnerAchievementPayload(errors=[], achievement=_detail(row)),
        )
