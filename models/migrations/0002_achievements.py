from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.achievements import AchievementSource, AchievementStatus, RecognitionStatus
from models.feedback import FeedbackStatus, ProblemType
from models.messages import RecipientKind
from models.taxonomy import DetailSchema, TermKind
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AchievementCategory',
            fields=[
                ('code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=30)),
                ('label', fields.CharField(max_length=30)),
                ('sort', fields.IntField(default=0)),
            ],
            options={'table': 'achievement_category', 'app': 'models', 'pk_attr': 'code', 'table_description': '成果类型: academic 学历成果, non-academic 非学历成果, informal 无一定形式成果.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AchievementSubtype',
            fields=[
                ('code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('category', fields.ForeignKeyField('models.AchievementCategory', source_field='category_id', db_constraint=True, to_field='code', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('label', fields.CharField(max_length=40)),
                ('detail_schema', fields.CharEnumField(description='DIPLOMA: diploma\nCOURSE: course\nCERTIFICATE: certificate\nCOMPETITION: competition\nHERITAGE: heritage\nCOMMUNITY: community', enum_type=DetailSchema, max_length=20)),
                ('restricted', fields.BooleanField(default=False)),
                ('synced_only', fields.BooleanField(default=False)),
                ('active', fields.BooleanField(default=True)),
                ('sort', fields.IntField(default=0)),
            ],
            options={'table': 'achievement_subtype', 'app': 'models', 'pk_attr': 'code', 'table_description': '成果子类型, with the typed fields it carries and who may deposit it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InstitutionAchievement',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('institution', fields.ForeignKeyField('models.Institution', source_field='institution_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('subtype', fields.ForeignKeyField('models.AchievementSubtype', source_field='subtype_id', db_constraint=True, to_field='code', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('category_id', fields.CharField(max_length=30)),
                ('name', fields.CharField(max_length=100)),
                ('issuer_name', fields.CharField(max_length=100)),
                ('details', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('introduction', fields.TextField(default='', unique=False)),
                ('recognition_status', fields.CharEnumField(default=RecognitionStatus.UNRECOGNISED, description='UNRECOGNISED: unrecognised\nRECOGNISING: recognising\nRECOGNISED: recognised', enum_type=RecognitionStatus, max_length=20)),
                ('credits', fields.DecimalField(null=True, max_digits=8, decimal_places=2)),
                ('recognition_note', fields.CharField(default='', max_length=500)),
                ('recognised_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_by_id', fields.UUIDField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'institution_achievement', 'app': 'models', 'indexes': [Index(fields=['institution_id', 'created_at']), Index(fields=['recognition_status', 'subtype_id'])], 'pk_attr': 'id', 'table_description': '机构成果: a catalogue entry. Immutable once saved (delete and add anew).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LearnerAchievement',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('learner', fields.ForeignKeyField('models.Learner', source_field='learner_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('catalogue_entry', fields.ForeignKeyField('models.InstitutionAchievement', source_field='catalogue_entry_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('institution_id', fields.UUIDField(null=True, db_index=True)),
                ('subtype_id', fields.CharField(max_length=40)),
                ('category_id', fields.CharField(max_length=30)),
                ('name', fields.CharField(max_length=100)),
                ('issuer_name', fields.CharField(max_length=100)),
                ('details', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('introduction', fields.TextField(default='', unique=False)),
                ('certificate_number', fields.CharField(max_length=60)),
                ('issue_date', fields.DateField()),
                ('source', fields.CharEnumField(description='PERSONAL: personal\nINSTITUTION: institution\nBANK: bank\nX_PLATFORM: x_platform\nOTHER_BANK: other_bank\nCONVERSION: conversion', enum_type=AchievementSource, max_length=20)),
                ('status', fields.CharEnumField(description='REGISTERED: registered\nSTORED: stored\nWITHDRAWN: withdrawn\nREFUSED: refused', enum_type=AchievementStatus, max_length=20)),
                ('credits', fields.DecimalField(null=True, max_digits=8, decimal_places=2)),
                ('review_note', fields.CharField(default='', max_length=500)),
                ('withdrawn_reason', fields.CharField(default='', max_length=500)),
                ('withdrawn_file_id', fields.UUIDField(null=True)),
                ('withdrawn_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_by_kind', fields.CharField(max_length=20)),
                ('created_by_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('stored_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'learner_achievement', 'app': 'models', 'unique_together': (('learner_id', 'catalogue_entry_id', 'certificate_number'),), 'indexes': [Index(fields=['learner_id', 'status']), Index(fields=['institution_id', 'created_at'])], 'pk_attr': 'id', 'table_description': '学员成果 / 个人成果: one learner holding one achievement, with its own copy of what the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Message',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('recipient_kind', fields.CharEnumField(description='LEARNER: learner\nINSTITUTION: institution', enum_type=RecipientKind, max_length=20)),
                ('recipient_id', fields.UUIDField()),
                ('event', fields.CharField(max_length=40)),
                ('title', fields.CharField(max_length=100)),
                ('body', fields.TextField(unique=False)),
                ('link', fields.CharField(default='', max_length=200)),
                ('object_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'message', 'app': 'models', 'indexes': [Index(fields=['recipient_kind', 'recipient_id', 'read_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProblemFeedback',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('achievement', fields.ForeignKeyField('models.LearnerAchievement', source_field='achievement_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('learner_id', fields.UUIDField(db_index=True)),
                ('institution_id', fields.UUIDField(null=True, db_index=True)),
                ('problem_type', fields.CharEnumField(description='NAME: name\nID_NUMBER: id_number\nCERTIFICATE_NUMBER: certificate_number\nISSUE_DATE: issue_date\nPHOTO: photo', enum_type=ProblemType, max_length=30)),
                ('description', fields.CharField(default='', max_length=500)),
                ('file_id', fields.UUIDField()),
                ('status', fields.CharEnumField(default=FeedbackStatus.OPEN, description='OPEN: open\nRESOLVED: resolved\nREJECTED: rejected', enum_type=FeedbackStatus, max_length=20)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'problem_feedback', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FeedbackReply',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('feedback', fields.ForeignKeyField('models.ProblemFeedback', source_field='feedback_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('author_kind', fields.CharField(max_length=20)),
                ('author_id', fields.UUIDField(null=True)),
                ('author_label', fields.CharField(max_length=100)),
                ('body', fields.TextField(unique=False)),
                ('file_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'feedback_reply', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One entry of a feedback thread: a reply from the institution or a follow-up.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StoredFile',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('owner_kind', fields.CharField(max_length=20)),
                ('owner_id', fields.UUIDField()),
                ('institution_id', fields.UUIDField(null=True)),
                ('filename', fields.CharField(max_length=200)),
                ('content_type', fields.CharField(max_length=100)),
                ('size', fields.IntField()),
                ('sha256', fields.CharField(max_length=64)),
                ('storage_key', fields.CharField(unique=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'stored_file', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SubtypeAuthorisation',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('institution', fields.ForeignKeyField('models.Institution', source_field='institution_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('subtype', fields.ForeignKeyField('models.AchievementSubtype', source_field='subtype_id', db_constraint=True, to_field='code', related_name=False, on_delete=OnDelete.CASCADE)),
                ('granted_by_id', fields.UUIDField()),
                ('granted_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'subtype_authorisation', 'app': 'models', 'unique_together': (('institution_id', 'subtype_id'),), 'pk_attr': 'id', 'table_description': "The bank's authorisation for one institution to deposit one restricted subtype (授权)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TaxonomyTerm',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='LEVEL: level\nDISCIPLINE: discipline\nGRADUATION_CONCLUSION: graduation_conclusion\nCERTIFICATE_LEVEL: certificate_level\nAWARD_LEVEL: award_level\nEDUCATION_CATEGORY: education_category\nLEARNING_LEVEL_1: learning_level_1\nLEARNING_LEVEL_2: learning_level_2\nLEARNING_LEVEL_3: learning_level_3', enum_type=TermKind, max_length=30)),
                ('code', fields.CharField(max_length=40)),
                ('label', fields.CharField(max_length=60)),
                ('parent', fields.ForeignKeyField('models.TaxonomyTerm', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('active', fields.BooleanField(default=True)),
                ('sort', fields.IntField(default=0)),
            ],
            options={'table': 'taxonomy_term', 'app': 'models', 'unique_together': (('kind', 'code'),), 'pk_attr': 'id', 'table_description': 'One value of a term list (层次 本科, 毕业结论 毕业, 奖励级别 省部级 …).'},
            bases=['Model'],
        ),
        ops.RemoveField(model_name='Learner', name='credits'),
    ]
