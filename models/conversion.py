"""Conversion (成果转换, the bank's 立交桥): an institution's policies (转换办法) and rules
(转换规则), learners' applications (转换申请) with their review records (审核记录), and the
batches an institution applies for (机构发起).

The rules about state live in ``resolvers.conversion_*``. Two constraints are also kept by the
database itself, so that concurrent requests cannot break them: at most one published policy per
institution, and at most one pending or succeeded application per learner and rule (partial
unique indexes, created by migration 0004)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import LabelledEnum

if TYPE_CHECKING:
    from models.accounts import Learner
    from models.achievements import InstitutionAchievement, LearnerAchievement
    from models.institutions import Institution


class PolicyStatus(LabelledEnum):
    UNPUBLISHED = "unpublished", "未发布"
    PUBLISHED = "published", "已发布"
    OFF_SHELF = "off_shelf", "下架"


class RuleStatus(LabelledEnum):
    DRAFT = "draft", "未提交"
    PUBLISHED = "published", "已发布"
    OFF_SHELF = "off_shelf", "下架"


class RuleType(LabelledEnum):
    """转换规则类型: which categories the sources and the targets belong to."""

    NON_ACADEMIC_TO_ACADEMIC = "non_academic_to_academic", "非学历转学历"
    ACADEMIC_TO_NON_ACADEMIC = "academic_to_non_academic", "学历转非学历"
    ACADEMIC_TO_ACADEMIC = "academic_to_academic", "学历转学历"
    NON_ACADEMIC_TO_NON_ACADEMIC = "non_academic_to_non_academic", "非学历转非学历"


class TargetKind(LabelledEnum):
    MAJOR = "major", "专业"
    COURSE = "course", "课程"
    NON_ACADEMIC = "non_academic", "非学历成果"


class ApplicationStatus(LabelledEnum):
    PENDING = "pending", "审核中"
    SUCCEEDED = "succeeded", "转换成功"
    FAILED = "failed", "转换失败"


class Initiator(LabelledEnum):
    """转换发起人: the learner (个人申请) or the institution of a source (机构发起)."""

    LEARNER = "learner", "个人"
    INSTITUTION = "institution", "机构"


class ReviewDecision(LabelledEnum):
    APPROVED = "approved", "通过"
    REJECTED = "rejected", "不通过"
    SOURCE_WITHDRAWN = "source_withdrawn", "源成果已撤回"


class ConversionPolicy(Model):
    """转换办法: an institution's published conversion policy, a stamped PDF."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    institution_id: uuid.UUID
    institution: fields.ForeignKeyRelation[Institution] = fields.ForeignKeyField(
        "models.Institution", related_name=False, on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=100)
    file_id = fields.UUIDField()
    status = fields.CharEnumField(PolicyStatus, max_length=20, default=PolicyStatus.UNPUBLISHED)
    published_at = fields.DatetimeField(null=True)
    taken_down_reason = fields.CharField(max_length=500, default="")
    created_by_id = fields.UUIDField()
    created_at = fields.DatetimeField(auto_now_add=True)  # 上传时间
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "conversion_policy"
        ordering = ["-created_at", "id"]
        indexes = (("institution_id", "status"), ("status", "published_at"))


class RuleCodeSequence(Model):
    """The last rule code handed out on one day (Asia/Shanghai), so codes are YYYYMMDD + 0001…"""

    day = fields.CharField(max_length=8, primary_key=True)
    last_number = fields.IntField()

    class Meta:
        table = "conversion_rule_code_sequence"


class ConversionRule(Model):
    """转换规则: owned by the institution that grants the targets."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    code = fields.CharField(max_length=12, unique=True)  # 规则编码 202203010001
    institution_id: uuid.UUID
    institution: fields.ForeignKeyRelation[Institution] = fields.ForeignKeyField(
        "models.Institution", related_name=False, on_delete=fields.RESTRICT
    )
    rule_type = fields.CharEnumField(RuleType, max_length=40)
    description = fields.TextField(default="")  # 转换说明
    file_id = fields.UUIDField(null=True)  # 上传转换规则 (PDF)
    status = fields.CharEnumField(RuleStatus, max_length=20, default=RuleStatus.DRAFT)
    published_at = fields.DatetimeField(null=True)
    taken_down_reason = fields.CharField(max_length=500, default="")
    created_by_id = fields.UUIDField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "conversion_rule"
        ordering = ["-created_at", "id"]
        indexes = (("institution_id", "status"), ("status", "published_at"))


class ConversionRuleSource(Model):
    """源成果: one catalogue entry a learner must hold (all of a rule's sources are required)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    rule_id: uuid.UUID
    rule: fields.ForeignKeyRelation[ConversionRule] = fields.ForeignKeyField(
        "models.ConversionRule", related_name=False, on_delete=fields.CASCADE
    )
    catalogue_entry_id: uuid.UUID
    catalogue_entry: fields.ForeignKeyRelation[InstitutionAchievement] = fields.ForeignKeyField(
        "models.InstitutionAchievement", related_name=False, on_delete=fields.RESTRICT
    )
    institution_id = fields.UUIDField()  # the entry's institution, for "rules related to me"
    sort = fields.IntField(default=0)

    class Meta:
        table = "conversion_rule_source"
        unique_together = (("rule_id", "catalogue_entry_id"),)
        indexes = (("catalogue_entry_id",), ("institution_id",))


class ConversionRuleTarget(Model):
    """目标成果: a major (a diploma entry), a course, or a non-academic entry with its exempt
    modules (免考模块, ``[{"name": "实操", "credits": "2"}]``), all of the rule's institution."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    rule_id: uuid.UUID
    rule: fields.ForeignKeyRelation[ConversionRule] = fields.ForeignKeyField(
        "models.ConversionRule", related_name=False, on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(TargetKind, max_length=20)
    catalogue_entry_id: uuid.UUID
    catalogue_entry: fields.ForeignKeyRelation[InstitutionAchievement] = fields.ForeignKeyField(
        "models.InstitutionAchievement", related_name=False, on_delete=fields.RESTRICT
    )
    exempt_modules: fields.Field[list[dict[str, str]]] = fields.JSONField(default=list)
    sort = fields.IntField(default=0)

    class Meta:
        table = "conversion_rule_target"
        unique_together = (("rule_id", "catalogue_entry_id"),)
        indexes = (("catalogue_entry_id",),)


class ConversionBatch(Model):
    """机构发起: one institution's application for a batch of its learners under one rule,
    named like 新疆美食培训2022-03-10 批量学员转换."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    rule_id: uuid.UUID
    rule: fields.ForeignKeyRelation[ConversionRule] = fields.ForeignKeyField(
        "models.ConversionRule", related_name=False, on_delete=fields.RESTRICT
    )
    institution_id = fields.UUIDField()  # 转换发起者
    target_institution_id = fields.UUIDField()
    name = fields.CharField(max_length=150)
    learner_count = fields.IntField()
    created_by_id = fields.UUIDField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "conversion_batch"
        ordering = ["-created_at", "id"]
        indexes = (("institution_id", "created_at"), ("target_institution_id", "created_at"))


class ConversionApplication(Model):
    """转换申请: one learner under one rule, pending until the rule's institution decides."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    rule_id: uuid.UUID
    rule: fields.ForeignKeyRelation[ConversionRule] = fields.ForeignKeyField(
        "models.ConversionRule", related_name=False, on_delete=fields.RESTRICT
    )
    rule_code = fields.CharField(max_length=12)
    target_institution_id = fields.UUIDField()
    learner_id: uuid.UUID
    learner: fields.ForeignKeyRelation[Learner] = fields.ForeignKeyField(
        "models.Learner", related_name=False, on_delete=fields.RESTRICT
    )
    initiator = fields.CharEnumField(Initiator, max_length=20)
    initiating_institution_id = fields.UUIDField(null=True)
    batch_id = fields.UUIDField(null=True)
    status = fields.CharEnumField(
        ApplicationStatus, max_length=20, default=ApplicationStatus.PENDING
    )
    failure_reason = fields.CharField(max_length=500, default="")
    created_by_kind = fields.CharField(max_length=20)
    created_by_id = fields.UUIDField()
    created_at = fields.DatetimeField(auto_now_add=True)  # 申请时间
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "conversion_application"
        ordering = ["-created_at", "id"]
        indexes = (
            ("target_institution_id", "initiator", "status", "created_at"),
            ("initiating_institution_id", "created_at"),
            ("learner_id", "status"),
            ("batch_id", "status"),
            ("rule_id", "learner_id"),
        )


class ConversionApplicationSource(Model):
    """The learner's achievement an application relies on for one source of the rule."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    application_id: uuid.UUID
    application: fields.ForeignKeyRelation[ConversionApplication] = fields.ForeignKeyField(
        "models.ConversionApplication", related_name=False, on_delete=fields.CASCADE
    )
    learner_achievement_id: uuid.UUID
    learner_achievement: fields.ForeignKeyRelation[LearnerAchievement] = fields.ForeignKeyField(
        "models.LearnerAchievement", related_name=False, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "conversion_application_source"
        unique_together = (("application_id", "learner_achievement_id"),)
        indexes = (("learner_achievement_id",),)


class ConversionReview(Model):
    """审核记录: one decision on one application, kept for both sides to read."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    application_id: uuid.UUID
    application: fields.ForeignKeyRelation[ConversionApplication] = fields.ForeignKeyField(
        "models.ConversionApplication", related_name=False, on_delete=fields.CASCADE
    )
    decision = fields.CharEnumField(ReviewDecision, max_length=20)
    reason = fields.CharField(max_length=500, default="")
    reviewer_kind = fields.CharField(max_length=20)
    reviewer_id = fields.UUIDField(null=True)
    reviewer_name = fields.CharField(max_length=100)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "conversion_review"
        ordering = ["created_at", "id"]
        indexes = (("application_id", "created_at"),)
