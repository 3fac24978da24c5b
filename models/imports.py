"""Workbook imports (批量导入) and their records (导入记录)."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from models.enums import LabelledEnum


class ImportKind(LabelledEnum):
    """Which template a workbook follows, and so what its rows become."""

    CATALOGUE_ENTRIES = "catalogue_entries", "机构成果"
    LEARNER_ACCOUNTS = "learner_accounts", "学员信息"
    DEPOSITS = "deposits", "学员成果"
    COMMUNITY_ACCOUNTS = "community_accounts", "社区教育学习账户信息"
    COMMUNITY_RESULTS = "community_results", "非正式教育个人学习成果"


class MatchBy(LabelledEnum):
    """How rows of personal training results name their learner (seed 002, table 2)."""

    ID_NUMBER = "id_number", "按证件号码导入"
    AGREEMENT_USER_NUMBER = "agreement_user_number", "按协议单位用户号导入"


class ImportStatus(LabelledEnum):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "导入中"
    FINISHED = "finished", "已完成"
    FAILED = "failed", "导入失败"


class ImportJob(Model):
    """One uploaded workbook and what became of it: the import record of the manuals. The rows
    it wrote carry its id, so running it again after a crash finishes it without doubles."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    institution_id = fields.UUIDField()
    operator_kind = fields.CharField(max_length=20)  # institution_user or api_token
    operator_id = fields.UUIDField()
    operator_name = fields.CharField(max_length=50)  # 操作人, as shown in the record
    kind = fields.CharEnumField(ImportKind, max_length=30)
    subtype_code = fields.CharField(max_length=40, default="")  # catalogue entries
    catalogue_entry_id = fields.UUIDField(null=True)  # deposits
    match_by = fields.CharEnumField(MatchBy, max_length=30, default=MatchBy.ID_NUMBER)
    target_key = fields.CharField(max_length=80)  # kind|subtype|entry|match_by, for uniqueness
    file_id = fields.UUIDField()  # the uploaded workbook
    filename = fields.CharField(max_length=200)
    sha256 = fields.CharField(max_length=64)
    status = fields.CharEnumField(ImportStatus, max_length=20, default=ImportStatus.QUEUED)
    total_rows = fields.IntField(default=0)
    processed_rows = fields.IntField(default=0)
    imported_count = fields.IntField(default=0)
    refused_count = fields.IntField(default=0)
    imported_file_id = fields.UUIDField(null=True)
    refused_file_id = fields.UUIDField(null=True)
    # Sheet row numbers, to tell imported ones.
    refused_rows: fields.Field[list[int]] = fields.JSONField(default=list)
    failure = fields.CharField(max_length=500, default="")  # why the whole file was refused
    attempts = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)  # 导入时间
    started_at = fields.DatetimeField(null=True)
    heartbeat_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "import_job"
        ordering = ["-created_at", "id"]
        unique_together = (("institution_id", "target_key", "sha256"),)
        indexes = (("institution_id", "kind", "created_at"), ("status", "heartbeat_at"))
