"""Problem feedback (问题反馈) on deposited achievements, with its thread."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import LabelledEnum

if TYPE_CHECKING:
    from models.achievements import LearnerAchievement


class ProblemType(LabelledEnum):
    NAME = "name", "姓名有误"
    ID_NUMBER = "id_number", "身份证号有误"
    CERTIFICATE_NUMBER = "certificate_number", "证书编号有误"
    ISSUE_DATE = "issue_date", "发证日期有误"
    PHOTO = "photo", "个人照片有误"


class FeedbackStatus(LabelledEnum):
    OPEN = "open", "未解决"
    RESOLVED = "resolved", "已解决"
    REJECTED = "rejected", "驳回"


class ProblemFeedback(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    achievement_id: uuid.UUID
    achievement: fields.ForeignKeyRelation[LearnerAchievement] = fields.ForeignKeyField(
        "models.LearnerAchievement", related_name=False, on_delete=fields.CASCADE
    )
    learner_id = fields.UUIDField(db_index=True)
    institution_id = fields.UUIDField(null=True, db_index=True)  # null: the bank answers
    problem_type = fields.CharEnumField(ProblemType, max_length=30)
    description = fields.CharField(max_length=500, default="")
    file_id = fields.UUIDField()
    status = fields.CharEnumField(FeedbackStatus, max_length=20, default=FeedbackStatus.OPEN)
    created_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "problem_feedback"
        ordering = ["-created_at", "id"]


class FeedbackReply(Model):
    """One entry of a feedback thread: a reply from the institution or a follow-up."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    feedback_id: uuid.UUID
    feedback: fields.ForeignKeyRelation[ProblemFeedback] = fields.ForeignKeyField(
        "models.ProblemFeedback", related_name=False, on_delete=fields.CASCADE
    )
    author_kind = fields.CharField(max_length=20)
    author_id = fields.UUIDField(null=True)
    author_label = fields.CharField(max_length=100)
    body = fields.TextField()
    file_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "feedback_reply"
        ordering = ["created_at", "id"]
