"""The achievement taxonomy (成果类型 / 成果子类型) and the term lists administrators keep."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import LabelledEnum

if TYPE_CHECKING:
    from models.institutions import Institution


class DetailSchema(LabelledEnum):
    """Which typed fields an achievement of a subtype carries (成果附属信息)."""

    DIPLOMA = "diploma", "学历证书"
    COURSE = "course", "课程"
    CERTIFICATE = "certificate", "非学历证书"
    COMPETITION = "competition", "竞赛奖励"
    HERITAGE = "heritage", "非物质文化遗产传承"
    COMMUNITY = "community", "社区教育及其他非正式学习"


class TermKind(LabelledEnum):
    """A list of values that fields of achievements choose from."""

    LEVEL = "level", "层次"
    DISCIPLINE = "discipline", "学科门类"
    GRADUATION_CONCLUSION = "graduation_conclusion", "毕业结论"
    CERTIFICATE_LEVEL = "certificate_level", "证书等级"
    AWARD_LEVEL = "award_level", "奖励级别"
    EDUCATION_CATEGORY = "education_category", "学历类别"
    LEARNING_LEVEL_1 = "learning_level_1", "一级学习成果"
    LEARNING_LEVEL_2 = "learning_level_2", "二级学习成果"
    LEARNING_LEVEL_3 = "learning_level_3", "三级学习成果"


class AchievementCategory(Model):
    """成果类型: academic 学历成果, non-academic 非学历成果, informal 无一定形式成果."""

    code = fields.CharField(max_length=30, primary_key=True)
    label = fields.CharField(max_length=30)
    sort = fields.IntField(default=0)

    class Meta:
        table = "achievement_category"
        ordering = ["sort", "code"]


class AchievementSubtype(Model):
    """成果子类型, with the typed fields it carries and who may deposit it."""

    code = fields.CharField(max_length=40, primary_key=True)
    category_id: str
    category: fields.ForeignKeyRelation[AchievementCategory] = fields.ForeignKeyField(
        "models.AchievementCategory", related_name=False, on_delete=fields.RESTRICT
    )
    label = fields.CharField(max_length=40)
    detail_schema = fields.CharEnumField(DetailSchema, max_length=20)
    restricted = fields.BooleanField(default=False)  # needs the bank's authorisation to deposit
    synced_only = fields.BooleanField(default=False)  # arrives by sync (1+X), never by hand
    active = fields.BooleanField(default=True)
    sort = fields.IntField(default=0)

    class Meta:
        table = "achievement_subtype"
        ordering = ["sort", "code"]


class TaxonomyTerm(Model):
    """One value of a term list (层次 本科, 毕业结论 毕业, 奖励级别 省部级 …).

    The community-education classification of seed 002 chains terms through ``parent``."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    kind = fields.CharEnumField(TermKind, max_length=30)
    code = fields.CharField(max_length=40)
    label = fields.CharField(max_length=60)
    parent_id: uuid.UUID | None
    parent: fields.ForeignKeyNullableRelation[TaxonomyTerm] = fields.ForeignKeyField(
        "models.TaxonomyTerm", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    active = fields.BooleanField(default=True)
    sort = fields.IntField(default=0)

    class Meta:
        table = "taxonomy_term"
        unique_together = (("kind", "code"),)
        ordering = ["kind", "sort", "code"]


class SubtypeAuthorisation(Model):
    """The bank's authorisation for one institution to deposit one restricted subtype (授权)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    institution_id: uuid.UUID
    institution: fields.ForeignKeyRelation[Institution] = fields.ForeignKeyField(
        "models.Institution", related_name=False, on_delete=fields.CASCADE
    )
    subtype_id: str
    subtype: fields.ForeignKeyRelation[AchievementSubtype] = fields.ForeignKeyField(
        "models.AchievementSubtype", related_name=False, on_delete=fields.CASCADE
    )
    granted_by_id = fields.UUIDField()
    granted_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "subtype_authorisation"
        unique_together = (("institution_id", "subtype_id"),)
