"""Credentials: session tokens, API tokens and SMS verification codes (验证码)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import LabelledEnum

if TYPE_CHECKING:
    from models.institutions import Institution, InstitutionUser


class SubjectKind(LabelledEnum):
    LEARNER = "learner", "学习者"
    INSTITUTION_USER = "institution_user", "机构用户"
    ADMINISTRATOR = "administrator", "管理员"


class SessionToken(Model):
    """A login session. Only the SHA-256 of the token is stored."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    token_hash = fields.CharField(max_length=64, unique=True)
    subject_kind = fields.CharEnumField(SubjectKind, max_length=20)
    subject_id = fields.UUIDField()
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "session_token"
        indexes = (("subject_kind", "subject_id"),)


class ApiToken(Model):
    """A token an institution's main user creates for another system, scoped to the institution."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    institution_id: uuid.UUID
    institution: fields.ForeignKeyRelation[Institution] = fields.ForeignKeyField(
        "models.Institution", related_name=False, on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=50)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_by_id: uuid.UUID
    created_by: fields.ForeignKeyRelation[InstitutionUser] = fields.ForeignKeyField(
        "models.InstitutionUser", related_name=False, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"
        ordering = ["created_at", "id"]


class VerificationCode(Model):
    """A 6-digit SMS code for one phone and one purpose, stored hashed, single use."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    phone = fields.CharField(max_length=11)
    purpose = fields.CharField(max_length=30)
    code_hash = fields.CharField(max_length=64)
    attempts = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "verification_code"
        indexes = (("phone", "created_at"),)
