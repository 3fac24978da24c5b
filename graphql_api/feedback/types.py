"""GraphQL types of problem feedback and its thread.

A page of feedback is assembled with one query per related table, whatever its length."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

import strawberry

from graphql_api.common import shown
from graphql_api.files.types import StoredFileType
from models import FeedbackReply as FeedbackReplyModel
from models import FeedbackStatus, Institution, Learner, LearnerAchievement, ProblemType, StoredFile
from models import ProblemFeedback as ProblemFeedbackModel
from resolvers.core.masking import mask_id_number
from resolvers.feedback import BANK_LABEL, FeedbackResolution, threads

strawberry.enum(ProblemType, name="ProblemType", description="反馈问题类型")
strawberry.enum(FeedbackStatus, name="FeedbackStatus", description="问题反馈解决状态")
strawberry.enum(
    FeedbackResolution, name="FeedbackResolution", description="处理结果: 已解决 or 驳回"
)


@strawberry.type(description="The achievement a feedback is about, as the learner holds it.")
class FeedbackAchievement:
    id: strawberry.ID
    name: str = strawberry.field(description="成果名称")
    issuer_name: str = strawberry.field(description="颁证机构")
    certificate_number: str = strawberry.field(description="个人成果编号")
    issue_date: dt.date = strawberry.field(description="颁证日期")


@strawberry.type(name="FeedbackReply", description="One entry of a feedback's thread.")
class FeedbackReplyType:
    id: strawberry.ID
    author_label: str = strawberry.field(description="The institution, or 学分银行管理中心.")
    body: str
    file: StoredFileType | None
    created_at: dt.datetime


@strawberry.type(name="ProblemFeedback", description="问题反馈: a learner's report and its thread.")
class ProblemFeedbackType:
    id: strawberry.ID
    problem_type: ProblemType
    description: str
    status: FeedbackStatus
    created_at: dt.datetime = strawberry.field(description="反馈时间")
    closed_at: dt.datetime | None
    achievement: FeedbackAchievement
    learner_name: str = strawberry.field(description="学员姓名")
    learner_id_number: str = strawberry.field(description="身份证号, masked.")
    institution_id: strawberry.ID | None = strawberry.field(
        description="The institution that answers; null when the bank does."
    )
    institution_name: str = strawberry.field(description="验证机构")
    file: StoredFileType | None = strawberry.field(description="The learner's PDF.")
    replies: list[FeedbackReplyType] = strawberry.field(description="The thread, oldest first.")

    @strawberry.field
    def problem_type_label(self) -> str:
        return self.problem_type.label

    @strawberry.field
    def status_label(self) -> str:
        return self.status.label


async def _by_id(model: Any, ids: Iterable[uuid.UUID | None]) -> dict[Any, Any]:
    wanted = [key for key in ids if key is not None]
    if not wanted:
        return {}
    return {row.id: row for row in await model.filter(id__in=wanted)}


async def feedback_types(rows: list[ProblemFeedbackModel]) -> list[ProblemFeedbackType]:
    """The GraphQL view of feedback the actor may see (and so may read the files of)."""
    replies = await threads([row.id for row in rows])
    achievements = await _by_id(LearnerAchievement, {row.achievement_id for row in rows})
    learners = await _by_id(Learner, {row.learner_id for row in rows})
    institutions = await _by_id(Institution, {row.institution_id for row in rows})
    file_ids: set[uuid.UUID | None] = {row.file_id for row in rows}
    file_ids |= {reply.file_id for thread in replies.values() for reply in thread}
    files = await _by_id(StoredFile, file_ids)

    def file_of(file_id: uuid.UUID | None) -> StoredFileType | None:
        row = files.get(file_id)
        return StoredFileType.from_model(row, readable=True) if row is not None else None

    def reply_type(reply: FeedbackReplyModel) -> FeedbackReplyType:
        return FeedbackReplyType(
            id=strawberry.ID(str(reply.id)),
            author_label=reply.author_label,
            body=reply.body,
            file=file_of(reply.file_id),
            created_at=shown(reply.created_at),  # type: ignore[arg-type]
        )

    result = []
    for row in rows:
        achievement = achievements[row.achievement_id]
        learner = learners[row.learner_id]
        institution = institutions.get(row.institution_id)
        result.append(
            ProblemFeedbackType(
                id=strawberry.ID(str(row.id)),
                problem_type=row.problem_type,
                description=row.description,
                status=row.status,
                created_at=shown(row.created_at),  # type: ignore[arg-type]
                closed_at=shown(row.closed_at),
                achievement=FeedbackAchievement(
                    id=strawberry.ID(str(achievement.id)),
                    name=achievement.name,
                    issuer_name=achievement.issuer_name,
                    certificate_number=achievement.certificate_number,
                    issue_date=achievement.issue_date,
                ),
                learner_name=learner.name,
                learner_id_number=mask_id_number(learner.id_number),
                institution_id=strawberry.ID(str(row.institution_id))
                if row.institution_id
                else None,
                institution_name=institution.name if institution is not None else BANK_LABEL,
                file=file_of(row.file_id),
                replies=[reply_type(reply) for reply in replies[row.id]],
            )
        )
    return result
