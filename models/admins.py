"""Bank administrators (学分银行管理中心)."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model


class Administrator(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    username = fields.CharField(max_length=30, unique=True)
    name = fields.CharField(max_length=50)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "administrator"
