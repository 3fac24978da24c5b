"""The schema: root Query and Mutation composed from the per-domain classes, with limits."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from graphql_api.accounts.mutations import AccountMutation
from graphql_api.accounts.queries import AccountQuery
from graphql_api.audit.queries import AuditQuery
from graphql_api.errors import should_mask
from graphql_api.institutions.mutations import InstitutionMutation
from graphql_api.institutions.queries import InstitutionQuery

MAX_DEPTH = 10
MAX_TOKENS = 2000
MAX_ALIASES = 15


@strawberry.type
class Query(AccountQuery, InstitutionQuery, AuditQuery):
    pass


@strawberry.type
class Mutation(AccountMutation, InstitutionMutation):
    pass


class CreditBankSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log bugs with their traceback; expected errors (a missing login, a bad query) are
        answers to the client, not incidents."""
        for error in errors:
            if should_mask(error):
                StrawberryLogger.error(error, execution_context)


def build_schema(*, mask_errors: bool = True, max_depth: int = MAX_DEPTH) -> strawberry.Schema:
    extensions: list = [
        lambda: QueryDepthLimiter(max_depth=max_depth),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    ]
    if mask_errors:
        extensions.append(lambda: MaskErrors(should_mask_error=should_mask))
    return CreditBankSchema(query=Query, mutation=Mutation, extensions=extensions)


schema = build_schema()
