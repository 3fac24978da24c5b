"""Queries and mutations of the message centre: learners read their own, institution users
their institution's."""

from __future__ import annotations

import strawberry

from graphql_api.common import Page, parse_id
from graphql_api.context import Info
from graphql_api.errors import FieldError, field_errors
from graphql_api.messages.types import MessageType
from graphql_api.permissions import IsAccountHolder
from resolvers import messages
from resolvers.core.errors import DomainError


@strawberry.type
class MessagePage(Page[MessageType]):
    unread_count: int


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


@strawberry.type
class MessagesReadPayload:
    errors: list[FieldError]
    marked: int = 0


@strawberry.type
class MessageMutation:
    @strawberry.mutation(
        description="A learner or institution user: mark the given messages read, or all of "
        "them when `ids` is omitted.",
        permission_classes=[IsAccountHolder],
    )
    async def messages_mark_read(
        self, info: Info, ids: list[strawberry.ID] | None = None
    ) -> MessagesReadPayload:
        try:
            parsed = [parse_id(i, "ids") for i in ids] if ids is not None else None
            marked = await messages.mark_read(info.context.actor, parsed)
        except DomainError as error:
            return MessagesReadPayload(errors=field_errors(error))
        return MessagesReadPayload(errors=[], marked=marked)
