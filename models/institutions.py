"""Institutions (机构) and their users: one main account and sub-users (子用户)."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from models.enums import LabelledEnum


class InstitutionKind(LabelledEnum):
    SCHOOL = "school", "院校"
    TRAINING_BODY = "training_body", "培训机构"
    ENTERPRISE = "enterprise", "企业"
    ASSOCIATION = "association", "行业协会"
    COMMUNITY_COLLEGE = "community_college", "社区学院"
    OTHER = "other", "其他"


class InstitutionStatus(LabelledEnum):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "未通过"


class InstitutionUserStatus(LabelledEnum):
    ACTIVE = "active", "启用"
    DISABLED = "disabled", "停用"


class Institution(Model):
    """An institution that keeps a catalogue and deposits achievements (机构)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    name = fields.CharField(max_length=100)
    credit_code = fields.CharField(max_length=18, unique=True)  # 统一社会信用代码
    kind = fields.CharEnumField(InstitutionKind, max_length=20)
    school_code = fields.CharField(max_length=20, default="")  # 院校标识码
    school_type = fields.CharField(max_length=20, default="")  # 学校类型: 本科 / 高职 ...
    supervising_department = fields.CharField(max_length=100, default="")  # 主管单位
    legal_representative = fields.CharField(max_length=50)
    contact_person = fields.CharField(max_length=50)
    contact_phone = fields.CharField(max_length=11)
    contact_email = fields.CharField(max_length=100)
    postcode = fields.CharField(max_length=6)
    address = fields.CharField(max_length=200)
    business_scope = fields.CharField(max_length=500)
    introduction = fields.TextField(default="")
    registrant_name = fields.CharField(max_length=50)
    registrant_id_type = fields.CharField(max_length=20)
    registrant_id_number = fields.CharField(max_length=30)
    status = fields.CharEnumField(
        InstitutionStatus, max_length=10, default=InstitutionStatus.PENDING
    )
    review_note = fields.CharField(max_length=500, default="")
    reviewed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "institution"
        ordering = ["created_at", "id"]


class InstitutionUser(Model):
    """A person who logs in for an institution: its main user (主账号) or a sub-user (子用户)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    institution_id: uuid.UUID
    institution: fields.ForeignKeyRelation[Institution] = fields.ForeignKeyField(
        "models.Institution", related_name=False, on_delete=fields.CASCADE
    )
    username = fields.CharField(max_length=30, unique=True)
    name = fields.CharField(max_length=50)
    phone = fields.CharField(max_length=11)
    password_hash = fields.CharField(max_length=200)
    # 信息发布安全承诺书: read and accepted before this user's first publication
    publishing_pledge_accepted_at = fields.DatetimeField(null=True)
    is_main = fields.BooleanField(default=False)
    status = fields.CharEnumField(
        InstitutionUserStatus, max_length=10, default=InstitutionUserStatus.ACTIVE
    )
    failed_logins = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "institution_user"
        ordering = ["created_at", "id"]
