"""API tokens an institution's main user creates for other systems (接口令牌)."""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from models import ApiToken
from resolvers.accounts.sessions import new_api_token, token_digest
from resolvers.core import audit
from resolvers.core.actors import Actor, require_institution
from resolvers.core.clock import now
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.validation import FieldChecker

MAX_LIVE_TOKENS = 20


async def create_api_token(actor: Actor, name: str) -> tuple[ApiToken, str]:
    """A new token, shown in clear only now."""
    institution_id = require_institution(actor, main_user=True)
    checker = FieldChecker()
    name = checker.text("name", name, max_length=50)
    checker.done()
    if await ApiToken.filter(institution_id=institution_id, revoked_at=None).count() >= (
        MAX_LIVE_TOKENS
    ):
        raise DomainError.of(
            ErrorCode.CONFLICT, f"有效令牌最多{MAX_LIVE_TOKENS}个，请先撤销不用的令牌"
        )
    token = new_api_token()
    async with in_transaction():
        api_token = await ApiToken.create(
            institution_id=institution_id,
            name=name,
            token_hash=token_digest(token),
            created_by_id=actor.id,
        )
        await audit.record(actor, "api_token.create", api_token, after={"name": name})
    return api_token, token


async def revoke_api_token(actor: Actor, token_id: uuid.UUID) -> ApiToken:
    institution_id = require_institution(actor, main_user=True)
    async with in_transaction():
        api_token = await ApiToken.select_for_update().get_or_none(
            id=token_id, institution_id=institution_id
        )
        if api_token is None:
            raise DomainError.of(ErrorCode.NOT_FOUND, "令牌不存在", "id")
        if api_token.revoked_at is not None:
            raise DomainError.of(ErrorCode.WRONG_STATE, "令牌已撤销", "id")
        api_token.revoked_at = now()
        await api_token.save()
        await audit.record(actor, "api_token.revoke", api_token, after={"name": api_token.name})
    return api_token


async def list_api_tokens(actor: Actor) -> list[ApiToken]:
    institution_id = require_institution(actor, main_user=True)
    return await ApiToken.filter(institution_id=institution_id).order_by("created_at", "id")
