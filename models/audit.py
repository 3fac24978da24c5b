"""The audit log (操作日志): who changed what, when, before and after."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    actor_kind = fields.CharField(max_length=20)  # learner / institution_user / ... / system
    actor_id = fields.UUIDField(null=True)
    actor_label = fields.CharField(max_length=100, default="")
    institution_id = fields.UUIDField(null=True, db_index=True)
    action = fields.CharField(max_length=60, db_index=True)
    object_type = fields.CharField(max_length=40)
    object_id = fields.UUIDField(null=True)
    before: fields.Field[dict | None] = fields.JSONField(null=True)
    after: fields.Field[dict | None] = fields.JSONField(null=True)

    class Meta:
        table = "audit_entry"
        ordering = ["-at", "-id"]
