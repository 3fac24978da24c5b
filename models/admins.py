"""Bank administrators (学分银行管理中心)."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model


class Administrator(Model):
    """An administrator: created from the command line, where a password and a TOTP secret are
    set up and reset (both null until then: such an administrator cannot log in)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    username = fields.CharField(max_length=30, unique=True)
    name = fields.CharField(max_length=50)
    password_hash = fields.CharField(max_length=200, null=True)
    # The RFC 6238 secret, encrypted with a key derived from SECRET_KEY
    # (resolvers/accounts/totp.py).
    totp_secret = fields.CharField(max_length=255, null=True)
    # The time step of the last code accepted: a code is good once, never a step at or before it.
    totp_last_step = fields.BigIntField(default=0)
    credentials_set_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "administrator"
