"""Uploaded files (PDFs of feedback, withdrawals, policies), kept behind a storage interface."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model


class StoredFile(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    owner_kind = fields.CharField(max_length=20)  # the ActorKind of the uploader
    owner_id = fields.UUIDField()
    institution_id = fields.UUIDField(null=True)  # set when an institution user uploaded it
    filename = fields.CharField(max_length=200)
    content_type = fields.CharField(max_length=100)
    size = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    storage_key = fields.CharField(max_length=200, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stored_file"
