from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_certificates')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='Administrator',
            options={'table': 'administrator', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An administrator: created from the command line, where a password and a TOTP secret are'},
        ),
        ops.AddField(
            model_name='Administrator',
            name='credentials_set_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Administrator',
            name='password_hash',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name='Administrator',
            name='totp_last_step',
            field=fields.BigIntField(default=0),
        ),
        ops.AddField(
            model_name='Administrator',
            name='totp_secret',
            field=fields.CharField(null=True, max_length=255),
        ),
    ]
