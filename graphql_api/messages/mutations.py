"""Message centre mutations: marking messages read."""

from __future__ import annotations

import strawberry

from graphql_api.common import parse_id
from graphql_api.context import Info
from graphql_api.errors import FieldError, mutate
from graphql_api.permissions import IsAccountHolder
from resolvers import messages


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
        return await mutate(
            MessagesReadPayload,
            lambda: messages.mark_read(
                info.context.actor, [parse_id(i, "ids") for i in ids] if ids is not None else None
            ),
            lambda marked: MessagesReadPayload(errors=[], marked=marked),
        )
