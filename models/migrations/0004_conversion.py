from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.conversion import ApplicationStatus, Initiator, PolicyStatus, ReviewDecision, RuleStatus, RuleType, TargetKind
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_imports')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ConversionPolicy',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('institution', fields.ForeignKeyField('models.Institution', source_field='institution_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=100)),
                ('file_id', fields.UUIDField()),
                ('status', fields.CharEnumField(default=PolicyStatus.UNPUBLISHED, description='UNPUBLISHED: unpublished\nPUBLISHED: published\nOFF_SHELF: off_shelf', enum_type=PolicyStatus, max_length=20)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('taken_down_reason', fields.CharField(default='', max_length=500)),
                ('created_by_id', fields.UUIDField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'conversion_policy', 'app': 'models', 'indexes': [Index(fields=['institution_id', 'status']), Index(fields=['status', 'published_at'])], 'pk_attr': 'id', 'table_description': "转换办法: an institution's published conversion policy, a stamped PDF."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConversionRule',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=12)),
                ('institution', fields.ForeignKeyField('models.Institution', source_field='institution_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('rule_type', fields.CharEnumField(description='NON_ACADEMIC_TO_ACADEMIC: non_academic_to_academic\nACADEMIC_TO_NON_ACADEMIC: academic_to_non_academic\nACADEMIC_TO_ACADEMIC: academic_to_academic\nNON_ACADEMIC_TO_NON_ACADEMIC: non_academic_to_non_academic', enum_type=RuleType, max_length=40)),
                ('description', fields.TextField(default='', unique=False)),
                ('file_id', fields.UUIDField(null=True)),
                ('status', fields.CharEnumField(default=RuleStatus.DRAFT, description='DRAFT: draft\nPUBLISHED: published\nOFF_SHELF: off_shelf', enum_type=RuleStatus, max_length=20)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('taken_down_reason', fields.CharField(default='', max_length=500)),
                ('created_by_id', fields.UUIDField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'conversion_rule', 'app': 'models', 'indexes': [Index(fields=['institution_id', 'status']), Index(fields=['status', 'published_at'])], 'pk_attr': 'id', 'table_description': '转换规则: owned by the institution that grants the targets.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConversionApplication',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('rule', fields.ForeignKeyField('models.ConversionRule', source_field='rule_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('rule_code', fields.CharField(max_length=12)),
                ('target_institution_id', fields.UUIDField()),
                ('learner', fields.ForeignKeyField('models.Learner', source_field='learner_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('initiator', fields.CharEnumField(description='LEARNER: learner\nINSTITUTION: institution', enum_type=Initiator, max_length=20)),
                ('initiating_institution_id', fields.UUIDField(null=True)),
                ('batch_id', fields.UUIDField(null=True)),
                ('status', fields.CharEnumField(default=ApplicationStatus.PENDING, description='PENDING: pending\nSUCCEEDED: succeeded\nFAILED: failed', enum_type=ApplicationStatus, max_length=20)),
                ('failure_reason', fields.CharField(default='', max_length=500)),
                ('created_by_kind', fields.CharField(max_length=20)),
                ('created_by_id', fields.UUIDField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'conversion_application', 'app': 'models', 'indexes': [Index(fields=['target_institution_id', 'initiator', 'status', 'created_at']), Index(fields=['initiating_institution_id', 'created_at']), Index(fields=['learner_id', 'status']), Index(fields=['batch_id', 'status']), Index(fields=['rule_id', 'learner_id'])], 'pk_attr': 'id', 'table_description': "转换申请: one learner under one rule, pending until the rule's institution decides."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConversionApplicationSource',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('models.ConversionApplication', source_field='application_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('learner_achievement', fields.ForeignKeyField('models.LearnerAchievement', source_field='learner_achievement_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'conversion_application_source', 'app': 'models', 'unique_together': (('application_id', 'learner_achievement_id'),), 'indexes': [Index(fields=['learner_achievement_id'])], 'pk_attr': 'id', 'table_description': "The learner's achievement an application relies on for one source of the rule."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConversionBatch',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('rule', fields.ForeignKeyField('models.ConversionRule', source_field='rule_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('institution_id', fields.UUIDField()),
                ('target_institution_id', fields.UUIDField()),
                ('name', fields.CharField(max_length=150)),
                ('learner_count', fields.IntField()),
                ('created_by_id', fields.UUIDField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'conversion_batch', 'app': 'models', 'indexes': [Index(fields=['institution_id', 'created_at']), Index(fields=['target_institution_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "机构发起: one institution's application for a batch of its learners under one rule,"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConversionReview',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('models.ConversionApplication', source_field='application_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('decision', fields.CharEnumField(description='APPROVED: approved\nREJECTED: rejected\nSOURCE_WITHDRAWN: source_withdrawn', enum_type=ReviewDecision, max_length=20)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('reviewer_kind', fields.CharField(max_length=20)),
                ('reviewer_id', fields.UUIDField(null=True)),
                ('reviewer_name', fields.CharField(max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'conversion_review', 'app': 'models', 'indexes': [Index(fields=['application_id', 'created_at'])], 'pk_attr': 'id', 'table_description': '审核记录: one decision on one application, kept for both sides to read.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConversionRuleSource',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('rule', fields.ForeignKeyField('models.ConversionRule', source_field='rule_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('catalogue_entry', fields.ForeignKeyField('models.InstitutionAchievement', source_field='catalogue_entry_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('institution_id', fields.UUIDField()),
                ('sort', fields.IntField(default=0)),
            ],
            options={'table': 'conversion_rule_source', 'app': 'models', 'unique_together': (('rule_id', 'catalogue_entry_id'),), 'indexes': [Index(fields=['catalogue_entry_id']), Index(fields=['institution_id'])], 'pk_attr': 'id', 'table_description': "源成果: one catalogue entry a learner must hold (all of a rule's sources are required)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConversionRuleTarget',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('rule', fields.ForeignKeyField('models.ConversionRule', source_field='rule_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='MAJOR: major\nCOURSE: course\nNON_ACADEMIC: non_academic', enum_type=TargetKind, max_length=20)),
                ('catalogue_entry', fields.ForeignKeyField('models.InstitutionAchievement', source_field='catalogue_entry_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('exempt_modules', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('sort', fields.IntField(default=0)),
            ],
            options={'table': 'conversion_rule_target', 'app': 'models', 'unique_together': (('rule_id', 'catalogue_entry_id'),), 'indexes': [Index(fields=['catalogue_entry_id'])], 'pk_attr': 'id', 'table_description': '目标成果: a major (a diploma entry), a course, or a non-academic entry with its exempt'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RuleCodeSequence',
            fields=[
                ('day', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=8)),
                ('last_number', fields.IntField()),
            ],
            options={'table': 'conversion_rule_code_sequence', 'app': 'models', 'pk_attr': 'day', 'table_description': 'The last rule code handed out on one day (Asia/Shanghai), so codes are YYYYMMDD + 0001…'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='InstitutionUser',
            name='publishing_pledge_accepted_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        # Kept by the database so concurrent requests cannot break them (both engines).
        ops.RunSQL(
            'CREATE UNIQUE INDEX "uniq_conversion_policy_published" '
            'ON "conversion_policy" ("institution_id") WHERE "status" = \'published\'',
            reverse_sql='DROP INDEX "uniq_conversion_policy_published"',
        ),
        ops.RunSQL(
            'CREATE UNIQUE INDEX "uniq_conversion_application_live" '
            'ON "conversion_application" ("learner_id", "rule_id") '
            'WHERE "status" IN (\'pending\', \'succeeded\')',
            reverse_sql='DROP INDEX "uniq_conversion_application_live"',
        ),
    ]
