"""Learner accounts (学习账户)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import LabelledEnum

if TYPE_CHECKING:
    from models.institutions import Institution


class IdType(LabelledEnum):
    """证件类型."""

    RESIDENT_ID = "resident_id", "居民身份证"
    PASSPORT = "passport", "护照"
    HK_MACAO_PERMIT = "hk_macao_permit", "港澳居民来往内地通行证"
    TAIWAN_PERMIT = "taiwan_permit", "台湾居民来往大陆通行证"


class LearnerStatus(LabelledEnum):
    INACTIVE = "inactive", "未激活"  # created by an institution
    ACTIVE = "active", "已激活"  # the person registered


class Gender(LabelledEnum):
    MALE = "male", "男"
    FEMALE = "female", "女"


class Learner(Model):
    """A resident's lifelong learning account (学习账户) with its credit bank card (学银卡)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    name = fields.CharField(max_length=50)
    id_type = fields.CharEnumField(IdType, max_length=20)
    id_number = fields.CharField(max_length=30)
    phone = fields.CharField(max_length=11, null=True, unique=True)
    password_hash = fields.CharField(max_length=200, null=True)
    status = fields.CharEnumField(LearnerStatus, max_length=10, default=LearnerStatus.INACTIVE)
    card_number = fields.CharField(max_length=16, unique=True)
    gender = fields.CharEnumField(Gender, max_length=10, null=True)
    education_level = fields.CharField(max_length=30, default="")  # 初始学历
    professional_title = fields.CharField(max_length=30, default="")  # 职称
    province = fields.CharField(max_length=30, default="")
    city = fields.CharField(max_length=30, default="")
    district = fields.CharField(max_length=30, default="")
    address = fields.CharField(max_length=200, default="")
    occupation = fields.CharField(max_length=50, default="")
    agreement_user_number = fields.CharField(max_length=50, default="")  # 协议单位用户号
    created_by_institution_id: uuid.UUID | None
    created_by_institution: fields.ForeignKeyNullableRelation[Institution] = fields.ForeignKeyField(
        "models.Institution", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    import_job_id = fields.UUIDField(null=True)  # the import that created it
    wechat_openid = fields.CharField(max_length=64, null=True, unique=True)
    failed_logins = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    activated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "learner"
        unique_together = (("id_type", "id_number"),)
        indexes = (("created_by_institution_id", "agreement_user_number"), ("import_job_id",))
        ordering = ["created_at", "id"]
