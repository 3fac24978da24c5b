"""Achievements: an institution's catalogue entries (机构成果) and learners' holdings (学员成果)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import LabelledEnum

if TYPE_CHECKING:
    from models.accounts import Learner
    from models.institutions import Institution
    from models.taxonomy import AchievementSubtype


class RecognitionStatus(LabelledEnum):
    UNRECOGNISED = "unrecognised", "未认定"
    RECOGNISING = "recognising", "认定中"
    RECOGNISED = "recognised", "已认定"


class AchievementSource(LabelledEnum):
    PERSONAL = "personal", "个人创建"
    INSTITUTION = "institution", "机构存储"
    BANK = "bank", "学分银行创建"
    X_PLATFORM = "x_platform", "X证书平台获取"
    OTHER_BANK = "other_bank", "其他学分银行存储"
    CONVERSION = "conversion", "转换获取"


class AchievementStatus(LabelledEnum):
    REGISTERED = "registered", "登记"
    STORED = "stored", "存储"
    WITHDRAWN = "withdrawn", "撤回"
    REFUSED = "refused", "未通过"


class InstitutionAchievement(Model):
    """机构成果: a catalogue entry. Immutable once saved (delete and add anew)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    institution_id: uuid.UUID
    institution: fields.ForeignKeyRelation[Institution] = fields.ForeignKeyField(
        "models.Institution", related_name=False, on_delete=fields.RESTRICT
    )
    subtype_id: str
    subtype: fields.ForeignKeyRelation[AchievementSubtype] = fields.ForeignKeyField(
        "models.AchievementSubtype", related_name=False, on_delete=fields.RESTRICT
    )
    category_id = fields.CharField(max_length=30)  # copied from the subtype for filtering
    name = fields.CharField(max_length=100)
    issuer_name = fields.CharField(max_length=100)  # 颁证机构
    # Typed by the subtype's DetailSchema, validated on the way in.
    details: fields.Field[dict] = fields.JSONField()
    introduction = fields.TextField(default="")  # 成果简介
    recognition_status = fields.CharEnumField(
        RecognitionStatus, max_length=20, default=RecognitionStatus.UNRECOGNISED
    )
    credits = fields.DecimalField(max_digits=8, decimal_places=2, null=True)  # 学分银行学分
    recognition_note = fields.CharField(max_length=500, default="")
    recognised_at = fields.DatetimeField(null=True)
    created_by_id = fields.UUIDField()
    import_job_id = fields.UUIDField(null=True)  # the import that wrote it
    created_at = fields.DatetimeField(auto_now_add=True)  # 入库时间

    class Meta:
        table = "institution_achievement"
        ordering = ["-created_at", "id"]
        indexes = (
            ("institution_id", "created_at"),
            ("recognition_status", "subtype_id"),
            ("import_job_id",),
        )


class LearnerAchievement(Model):
    """学员成果 / 个人成果: one learner holding one achievement, with its own copy of what the
    catalogue entry showed, so deleting the entry leaves it untouched."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    learner_id: uuid.UUID
    learner: fields.ForeignKeyRelation[Learner] = fields.ForeignKeyField(
        "models.Learner", related_name=False, on_delete=fields.RESTRICT
    )
    catalogue_entry_id: uuid.UUID | None
    catalogue_entry: fields.ForeignKeyNullableRelation[InstitutionAchievement]
    catalogue_entry = fields.ForeignKeyField(
        "models.InstitutionAchievement",
        related_name=False,
        null=True,
        on_delete=fields.SET_NULL,
    )
    institution_id = fields.UUIDField(null=True, db_index=True)  # depositing / issuing institution
    subtype_id = fields.CharField(max_length=40)
    category_id = fields.CharField(max_length=30)
    name = fields.CharField(max_length=100)
    issuer_name = fields.CharField(max_length=100)
    details: fields.Field[dict] = fields.JSONField()
    introduction = fields.TextField(default="")
    certificate_number = fields.CharField(max_length=60)  # 个人成果编号
    issue_date = fields.DateField()  # 颁证日期
    source = fields.CharEnumField(AchievementSource, max_length=20)
    status = fields.CharEnumField(AchievementStatus, max_length=20)
    credits = fields.DecimalField(max_digits=8, decimal_places=2, null=True)
    review_note = fields.CharField(max_length=500, default="")
    withdrawn_reason = fields.CharField(max_length=500, default="")
    withdrawn_file_id = fields.UUIDField(null=True)
    withdrawn_at = fields.DatetimeField(null=True)
    created_by_kind = fields.CharField(max_length=20)
    created_by_id = fields.UUIDField(null=True)
    import_job_id = fields.UUIDField(null=True)  # the import that wrote it
    created_at = fields.DatetimeField(auto_now_add=True)
    stored_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "learner_achievement"
        ordering = ["-created_at", "id"]
        unique_together = (("learner_id", "catalogue_entry_id", "certificate_number"),)
        indexes = (("learner_id", "status"), ("institution_id", "created_at"), ("import_job_id",))
