"""The message centre (我的消息): messages are written in the transaction of the change that
causes them, so none is lost and none is sent for a change that rolled back (SPEC §7)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models import Message, RecipientKind
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.bulk_rows import insert_rows
from resolvers.core.clock import now
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.ids import time_ordered_id
from resolvers.core.pages import paginate


@dataclass(frozen=True)
class Notice:
    """One message to write: to whom, about what, and the page that handles it."""

    recipient_kind: RecipientKind
    recipient_id: uuid.UUID
    event: str
    title: str
    body: str
    link: str = ""
    object_id: uuid.UUID | None = None


async def notify(*notices: Notice) -> None:
    """Write messages; call inside the transaction of the change that causes them."""
    if not notices:
        return
    moment = now()
    await insert_rows(
        Message,
        [
            {
                "id": time_ordered_id(),
                "recipient_kind": n.recipient_kind,
                "recipient_id": n.recipient_id,
                "event": n.event,
                "title": n.title[:100],
                "body": n.body,
                "link": n.link[:200],
                "object_id": n.object_id,
                "created_at": moment,
                "read_at": None,
            }
            for n in notices
        ],
    )


def to_learner(
    learner_id: uuid.UUID,
    event: str,
    title: str,
    body: str,
    link: str = "",
    object_id: uuid.UUID | None = None,
) -> Notice:
    return Notice(RecipientKind.LEARNER, learner_id, event, title, body, link, object_id)


def to_institution(
    institution_id: uuid.UUID,
    event: str,
    title: str,
    body: str,
    link: str = "",
    object_id: uuid.UUID | None = None,
) -> Notice:
    return Notice(RecipientKind.INSTITUTION, institution_id, event, title, body, link, object_id)


def mailbox(actor: Actor) -> tuple[RecipientKind, uuid.UUID]:
    """Whose messages the actor reads: a learner their own, an institution user their
    institution's."""
    if actor.kind == ActorKind.LEARNER and actor.id is not None:
        return RecipientKind.LEARNER, actor.id
    if actor.kind == ActorKind.INSTITUTION_USER and actor.institution_id is not None:
        return RecipientKind.INSTITUTION, actor.institution_id
    if actor.kind == ActorKind.ANONYMOUS:
        raise DomainError.of(ErrorCode.NOT_AUTHENTICATED, "请先登录")
    raise DomainError.of(ErrorCode.NOT_ALLOWED, "该账户没有消息中心")


async def list_messages(
    actor: Actor, page: int, page_size: int, unread_only: bool = False
) -> tuple[list[Message], int]:
    kind, recipient = mailbox(actor)
    query = Message.filter(recipient_kind=kind, recipient_id=recipient)
    if unread_only:
        query = query.filter(read_at=None)
    return await paginate(query, page, page_size, "-created_at")


async def unread_count(actor: Actor) -> int:
    kind, recipient = mailbox(actor)
    return await Message.filter(recipient_kind=kind, recipient_id=recipient, read_at=None).count()


async def mark_read(actor: Actor, message_ids: list[uuid.UUID] | None) -> int:
    """Mark the given messages read, or every message when ``message_ids`` is None."""
    kind, recipient = mailbox(actor)
    async with in_transaction():
        query = Message.filter(recipient_kind=kind, recipient_id=recipient, read_at=None)
        if message_ids is not None:
            owned = await Message.filter(
                recipient_kind=kind, recipient_id=recipient, id__in=message_ids
            ).count()
            if owned != len(set(message_ids)):
                raise DomainError.of(ErrorCode.NOT_FOUND, "消息不存在", "ids")
            query = query.filter(id__in=message_ids)
        return await query.update(read_at=now())
