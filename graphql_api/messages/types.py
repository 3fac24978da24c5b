"""GraphQL types of the message centre: a message and a page of them."""

from __future__ import annotations

import datetime as dt

import strawberry

from graphql_api.common import Page, shown
from models import Message as MessageModel


@strawberry.type(
    name="Message",
    description="我的消息: a message with a link to the page that handles it (【处理】).",
)
class MessageType:
    id: strawberry.ID
    event: str = strawberry.field(description="What happened, e.g. achievement.deposited.")
    title: str
    body: str
    link: str
    object_id: strawberry.ID | None
    created_at: dt.datetime
    read_at: dt.datetime | None

    @strawberry.field
    def read(self) -> bool:
        return self.read_at is not None

    @classmethod
    def from_model(cls, row: MessageModel) -> MessageType:
        return cls(
            id=strawberry.ID(str(row.id)),
            event=row.event,
            title=row.title,
            body=row.body,
            link=row.link,
            object_id=strawberry.ID(str(row.object_id)) if row.object_id else None,
            created_at=shown(row.created_at),  # type: ignore[arg-type]
            read_at=shown(row.read_at),
        )


@strawberry.type
class MessagePage(Page[MessageType]):
    unread_count: int
