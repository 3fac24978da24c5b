from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.certificates import CertificateKind
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_conversion')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Certificate',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=32)),
                ('kind', fields.CharEnumField(description='PROOF: proof\nREPORT: report\nCONVERSION: conversion', enum_type=CertificateKind, max_length=20)),
                ('learner', fields.ForeignKeyField('models.Learner', source_field='learner_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('application_id', fields.UUIDField(null=True, unique=True)),
                ('snapshot', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('issued_on', fields.DateField()),
                ('valid_until', fields.DateField()),
                ('credential', fields.TextField(unique=False)),
                ('key_id', fields.CharField(max_length=64)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_reason', fields.CharField(default='', max_length=500)),
                ('revoked_by_kind', fields.CharField(default='', max_length=20)),
                ('png_file_id', fields.UUIDField(null=True)),
                ('pdf_file_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'certificate', 'app': 'models', 'indexes': [Index(fields=['learner_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One issued certificate: its number, validity, the snapshot it certifies and the signed'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CertificateAchievement',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('certificate', fields.ForeignKeyField('models.Certificate', source_field='certificate_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('learner_achievement', fields.ForeignKeyField('models.LearnerAchievement', source_field='learner_achievement_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'certificate_achievement', 'app': 'models', 'unique_together': (('certificate_id', 'learner_achievement_id'),), 'indexes': [Index(fields=['learner_achievement_id'])], 'pk_attr': 'id', 'table_description': 'A learner achievement a certificate lists: withdrawing it revokes the certificate.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CertificateVerification',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('certificate', fields.ForeignKeyField('models.Certificate', source_field='certificate_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharField(max_length=20)),
                ('verified_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'certificate_verification', 'app': 'models', 'indexes': [Index(fields=['certificate_id', 'verified_at'])], 'pk_attr': 'id', 'table_description': 'One look at a certificate through the verify page, the JSON endpoint or GraphQL.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SigningKey',
            fields=[
                ('kid', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('public_jwk', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('retired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'signing_key', 'app': 'models', 'pk_attr': 'kid', 'table_description': 'A public key of the bank, published at /.well-known/jwks.json for as long as any'},
            bases=['Model'],
        ),
    ]
