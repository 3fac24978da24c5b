"""The message centre (我的消息): one row per message to a learner or an institution."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from models.enums import LabelledEnum


class RecipientKind(LabelledEnum):
    LEARNER = "learner", "学习者"
    INSTITUTION = "institution", "机构"


class Message(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    recipient_kind = fields.CharEnumField(RecipientKind, max_length=20)
    recipient_id = fields.UUIDField()
    event = fields.CharField(max_length=40)  # achievement.deposited, feedback.answered, …
    title = fields.CharField(max_length=100)
    body = fields.TextField()
    link = fields.CharField(max_length=200, default="")  # the page that handles it (【处理】)
    object_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "message"
        ordering = ["-created_at", "id"]
        indexes = (("recipient_kind", "recipient_id", "read_at"),)
