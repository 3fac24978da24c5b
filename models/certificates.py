"""Certificates (证明) that anyone can check: a proof of selected achievements (开具证明), a
learning achievement certification report (学习成果认证报告) and a conversion certificate
(转换证明); the bank's signing keys; the verifications of each certificate."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import LabelledEnum

if TYPE_CHECKING:
    from models.accounts import Learner
    from models.achievements import LearnerAchievement


class CertificateKind(LabelledEnum):
    PROOF = "proof", "学习成果证明"
    REPORT = "report", "学习成果认证报告"
    CONVERSION = "conversion", "学习成果转换证明"


class Certificate(Model):
    """One issued certificate: its number, validity, the snapshot it certifies and the signed
    credential (a W3C Verifiable Credential secured as a JWS)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    number = fields.CharField(max_length=32, unique=True)  # 报告编号, grouped with a check char
    kind = fields.CharEnumField(CertificateKind, max_length=20)
    learner_id: uuid.UUID
    learner: fields.ForeignKeyRelation[Learner] = fields.ForeignKeyField(
        "models.Learner", related_name=False, on_delete=fields.RESTRICT
    )
    application_id = fields.UUIDField(null=True, unique=True)  # the conversion it certifies
    snapshot: fields.Field[dict] = fields.JSONField()  # what it certifies, as issued
    issued_on = fields.DateField()
    valid_until = fields.DateField()
    credential = fields.TextField()  # JWS compact serialisation of the VC
    key_id = fields.CharField(max_length=64)
    revoked_at = fields.DatetimeField(null=True)
    revoked_reason = fields.CharField(max_length=500, default="")
    revoked_by_kind = fields.CharField(max_length=20, default="")  # administrator / learner / …
    # Rendered files (StoredFile ids) of the current credential: a cache, dropped when it changes
    png_file_id = fields.UUIDField(null=True)
    pdf_file_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "certificate"
        ordering = ["-created_at", "id"]
        indexes = (("learner_id", "created_at"),)


class CertificateAchievement(Model):
    """A learner achievement a certificate lists: withdrawing it revokes the certificate."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    certificate_id: uuid.UUID
    certificate: fields.ForeignKeyRelation[Certificate] = fields.ForeignKeyField(
        "models.Certificate", related_name=False, on_delete=fields.CASCADE
    )
    learner_achievement_id: uuid.UUID
    learner_achievement: fields.ForeignKeyRelation[LearnerAchievement] = fields.ForeignKeyField(
        "models.LearnerAchievement", related_name=False, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "certificate_achievement"
        unique_together = (("certificate_id", "learner_achievement_id"),)
        indexes = (("learner_achievement_id",),)


class CertificateVerification(Model):
    """One look at a certificate through the verify page, the JSON endpoint or GraphQL."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    certificate_id: uuid.UUID
    certificate: fields.ForeignKeyRelation[Certificate] = fields.ForeignKeyField(
        "models.Certificate", related_name=False, on_delete=fields.CASCADE
    )
    channel = fields.CharField(max_length=20)  # page / json / graphql
    verified_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "certificate_verification"
        ordering = ["-verified_at", "id"]
        indexes = (("certificate_id", "verified_at"),)


class SigningKey(Model):
    """A public key of the bank, published at /.well-known/jwks.json for as long as any
    certificate signed with it may be checked; the private key lives only in the settings."""

    kid = fields.CharField(max_length=64, primary_key=True)  # RFC 7638 thumbprint
    public_jwk: fields.Field[dict] = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)
    retired_at = fields.DatetimeField(null=True)

    class Meta:
        table = "signing_key"
        ordering = ["created_at", "kid"]
