"""The schema: root Query and Mutation composed from the per-domain classes, with limits."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from graphql_api.accounts.mutations import AccountMutation, AdminLoginMutation
from graphql_api.accounts.queries import AccountQuery
from graphql_api.achievements.mutations import AchievementMutation
from graphql_api.achievements.queries import AchievementQuery
from graphql_api.audit.queries import AuditQuery
from graphql_api.catalogue.mutations import CatalogueMutation
from graphql_api.catalogue.queries import CatalogueQuery
from graphql_api.certificates.mutations import CertificateMutation
from graphql_api.certificates.queries import CertificateQuery
from graphql_api.conversion.mutations.applications import ConversionApplicationMutation
from graphql_api.conversion.mutations.policies import ConversionPolicyMutation
from graphql_api.conversion.mutations.rules import ConversionRuleMutation
from graphql_api.conversion.queries.applications import ConversionApplicationQuery
from graphql_api.conversion.queries.policies import ConversionPolicyQuery
from graphql_api.conversion.queries.rules import ConversionRuleQuery
from graphql_api.errors import DomainErrorsShown, should_mask
from graphql_api.exports.mutations import ExportMutation
from graphql_api.feedback.mutations import FeedbackMutation
from graphql_api.feedback.queries import FeedbackQuery
from graphql_api.files.mutations import FileMutation
from graphql_api.imports.mutations import ImportMutation
from graphql_api.imports.queries import ImportQuery
from graphql_api.input_boundary import OperationNameRequired, guard_arguments
from graphql_api.institutions.mutations import InstitutionMutation
from graphql_api.institutions.queries import InstitutionQuery
from graphql_api.introspection import IntrospectionPolicy
from graphql_api.learner_accounts.mutations import LearnerAccountMutation
from graphql_api.learner_accounts.queries import LearnerAccountQuery
from graphql_api.messages.mutations import MessageMutation
from graphql_api.messages.queries import MessageQuery
from graphql_api.statistics.queries import StatisticsQuery
from graphql_api.taxonomy.mutations import TaxonomyMutation
from graphql_api.taxonomy.queries import TaxonomyQuery

MAX_DEPTH = 10
MAX_TOKENS = 2000
MAX_ALIASES = 15
# Distinct query texts remembered parsed and validated. Clients send a few hundred fixed
# documents; a bound keeps a stream of unique texts from growing memory.
DOCUMENT_CACHE_SIZE = 512


@strawberry.type
class Query(
    AccountQuery,
    InstitutionQuery,
    AuditQuery,
    MessageQuery,
    StatisticsQuery,
    FeedbackQuery,
    CatalogueQuery,
    TaxonomyQuery,
    AchievementQuery,
    LearnerAccountQuery,
    ImportQuery,
    ConversionPolicyQuery,
    ConversionRuleQuery,
    ConversionApplicationQuery,
    CertificateQuery,
):
    pass


@strawberry.type
class Mutation(
    AccountMutation,
    InstitutionMutation,
    MessageMutation,
    FeedbackMutation,
    FileMutation,
    CatalogueMutation,
    TaxonomyMutation,
    AchievementMutation,
    LearnerAccountMutation,
    ExportMutation,
    ImportMutation,
    ConversionPolicyMutation,
    ConversionRuleMutation,
    ConversionApplicationMutation,
    CertificateMutation,
    AdminLoginMutation,
):
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
    """The schema with its limits. Validation is most of a small request's cost, and its
    answer depends only on the document, so parsed documents and their validation are
    cached; the limit rules are built once here, because the cache is keyed by the rule
    classes and a rule class made per request would never hit."""
    limits = (depth_rule(max_depth, None), aliases_rule(MAX_ALIASES))
    extensions: list = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: AddValidationRules(list(limits)),
        IntrospectionPolicy,
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        OperationNameRequired,
        DomainErrorsShown,
    ]
    if mask_errors:
        extensions.append(lambda: MaskErrors(should_mask_error=should_mask))
    built = CreditBankSchema(query=Query, mutation=Mutation, extensions=extensions)
    guard_arguments(built._schema)
    return built


schema = build_schema()
