"""Message centre queries: learners read their own messages, institution users their
institution's."""

from __future__ import annotations

import strawberry

from graphql_api.context import Info
from graphql_api.messages.types import (
    MessagePage,
    MessageType,
)
from graphql_api.permissions import IsAccountHolder
from resolvers import messages


@strawberry.type
class MessageQuery:
    @strawberry.field(
        description="A learner or institution user: my messages, newest first, with the unread "
        "count.",
        permission_classes=[IsAccountHolder],
    )
    async def my_messages(
        self, info: Info, page: int = 1, page_size: int = 20, unread_only: bool = False
    ) -> MessagePage:
        actor = info.context.actor
        rows, total = await messages.list_messages(actor, page, page_size, unread_only)
        unread = await messages.unread_count(actor)
        return MessagePage.of(
            rows, total, page, page_size, MessageType.from_model, unread_count=unread
        )

    @strawberry.field(
        description="A learner or institution user: how many messages are unread (the badge).",
        permission_classes=[IsAccountHolder],
    )
    async def unread_message_count(self, info: Info) -> int:
        return await messages.unread_count(info.context.actor)
