from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.imports import ImportKind, ImportStatus, MatchBy
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_achievements')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ImportJob',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('institution_id', fields.UUIDField()),
                ('operator_kind', fields.CharField(max_length=20)),
                ('operator_id', fields.UUIDField()),
                ('operator_name', fields.CharField(max_length=50)),
                ('kind', fields.CharEnumField(description='CATALOGUE_ENTRIES: catalogue_entries\nLEARNER_ACCOUNTS: learner_accounts\nDEPOSITS: deposits\nCOMMUNITY_ACCOUNTS: community_accounts\nCOMMUNITY_RESULTS: community_results', enum_type=ImportKind, max_length=30)),
                ('subtype_code', fields.CharField(default='', max_length=40)),
                ('catalogue_entry_id', fields.UUIDField(null=True)),
                ('match_by', fields.CharEnumField(default=MatchBy.ID_NUMBER, description='ID_NUMBER: id_number\nAGREEMENT_USER_NUMBER: agreement_user_number', enum_type=MatchBy, max_length=30)),
                ('target_key', fields.CharField(max_length=80)),
                ('file_id', fields.UUIDField()),
                ('filename', fields.CharField(max_length=200)),
                ('sha256', fields.CharField(max_length=64)),
                ('status', fields.CharEnumField(default=ImportStatus.QUEUED, description='QUEUED: queued\nRUNNING: running\nFINISHED: finished\nFAILED: failed', enum_type=ImportStatus, max_length=20)),
                ('total_rows', fields.IntField(default=0)),
                ('processed_rows', fields.IntField(default=0)),
                ('imported_count', fields.IntField(default=0)),
                ('refused_count', fields.IntField(default=0)),
                ('imported_file_id', fields.UUIDField(null=True)),
                ('refused_file_id', fields.UUIDField(null=True)),
                ('refused_rows', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('failure', fields.CharField(default='', max_length=500)),
                ('attempts', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('heartbeat_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'import_job', 'app': 'models', 'unique_together': (('institution_id', 'target_key', 'sha256'),), 'indexes': [Index(fields=['institution_id', 'kind', 'created_at']), Index(fields=['status', 'heartbeat_at'])], 'pk_attr': 'id', 'table_description': 'One uploaded workbook and what became of it: the import record of the manuals. The rows'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='InstitutionAchievement',
            name='import_job_id',
            field=fields.UUIDField(null=True),
        ),
        ops.AddIndex(
            model_name='InstitutionAchievement',
            index=Index(fields=['import_job_id']),
        ),
        ops.AddField(
            model_name='Learner',
            name='import_job_id',
            field=fields.UUIDField(null=True),
        ),
        ops.AddIndex(
            model_name='Learner',
            index=Index(fields=['created_by_institution_id', 'agreement_user_number']),
        ),
        ops.AddIndex(
            model_name='Learner',
            index=Index(fields=['import_job_id']),
        ),
        ops.AddField(
            model_name='LearnerAchievement',
            name='import_job_id',
            field=fields.UUIDField(null=True),
        ),
        ops.AddIndex(
            model_name='LearnerAchievement',
            index=Index(fields=['import_job_id']),
        ),
        # Migration 0002 rebuilt the SQLite learner table to drop a column, and the rebuild
        # lost UNIQUE (id_type, id_number); PostgreSQL kept it, under this name.
        ops.RunSQL(
            'CREATE UNIQUE INDEX IF NOT EXISTS "uid_learner_id_type_07b371" '
            'ON "learner" ("id_type", "id_number")',
            reverse_sql="SELECT 1",
        ),
    ]
