"""What publishing on the portal asks of a person: the information-publishing pledge
(信息发布安全承诺书), read and accepted once before their first publication (seed 003 §2.3)."""

from __future__ import annotations

from models import InstitutionUser
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import now
from resolvers.core.errors import DomainError, ErrorCode

PLEDGE_FIELD = "pledgeAccepted"


async def ensure_pledge(actor: Actor, accepted: bool) -> None:
    """Record the actor's acceptance on their first publication; refuse a publication by someone
    who has never accepted it and does not now. Call inside the publishing transaction, so the
    acceptance is kept only with the publication it came with."""
    if actor.kind != ActorKind.INSTITUTION_USER or actor.id is None:
        raise DomainError.of(ErrorCode.NOT_ALLOWED, "仅机构用户本人可以发布信息")
    user = await InstitutionUser.select_for_update().get(id=actor.id)
    if user.publishing_pledge_accepted_at is not None:
        return
    if not accepted:
        raise DomainError.of(
            ErrorCode.REQUIRED, "首次发布前请阅读并同意《信息发布安全承诺书》", PLEDGE_FIELD
        )
    await InstitutionUser.filter(id=user.id).update(publishing_pledge_accepted_at=now())
