"""Who may introspect the schema (``INTROSPECTION``): ``anonymous`` (everyone, the default
outside production), ``authenticated`` (any logged-in account or API token, the default in
production) or ``off``. ``__typename`` stays allowed for everyone."""

from __future__ import annotations

from collections.abc import Iterator

from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from resolvers.core.actors import ActorKind


def introspection_allowed(policy: str, actor_kind: ActorKind | None) -> bool:
    if policy == "anonymous":
        return True
    if policy == "authenticated":
        return actor_kind not in (None, ActorKind.ANONYMOUS)
    return False


class IntrospectionPolicy(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        services = getattr(context, "services", None)
        policy = services.settings.introspection_policy if services is not None else "anonymous"
        actor = getattr(context, "actor", None)
        if not introspection_allowed(policy, actor.kind if actor is not None else None):
            rules = self.execution_context.validation_rules
            self.execution_context.validation_rules = (*rules, NoSchemaIntrospectionCustomRule)
        yield
