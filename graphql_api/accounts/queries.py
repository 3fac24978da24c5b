"""Queries about the caller: who am I, my learner account."""

from __future__ import annotations

import strawberry

from graphql_api.accounts.types import LearnerType
from graphql_api.context import Info
from graphql_api.institutions.types import InstitutionType, InstitutionUserType
from resolvers.core.actors import ActorKind

strawberry.enum(ActorKind, name="ActorKind", description="Who is calling.")


@strawberry.type(description="The caller, as the token in the Authorization header says.")
class Viewer:
    kind: ActorKind
    name: str
    learner: LearnerType | None = None
    institution_user: InstitutionUserType | None = None
    institution: InstitutionType | None = None
    administrator_username: str | None = None


@strawberry.type
class AccountQuery:
    @strawberry.field(description="Anyone: who the caller is; kind ANONYMOUS without a token.")
    async def viewer(self, info: Info) -> Viewer:
        actor = info.context.actor
        viewer = Viewer(kind=actor.kind, name=actor.label)
        loaders = info.context.loaders
        if actor.kind == ActorKind.LEARNER and actor.id is not None:
            learner = await loaders.learner_by_id.load(actor.id)
            viewer.learner = None if learner is None else LearnerType.from_model(learner)
        elif actor.kind == ActorKind.INSTITUTION_USER and actor.id is not None:
            user = await loaders.institution_user_by_id.load(actor.id)
            viewer.institution_user = None if user is None else InstitutionUserType.from_model(user)
        elif actor.kind == ActorKind.ADMINISTRATOR and actor.id is not None:
            administrator = await loaders.administrator_by_id.load(actor.id)
            viewer.administrator_username = (
                None if administrator is None else administrator.username
            )
        if actor.institution_id is not None:
            row = await loaders.institution_by_id.load(actor.institution_id)
            viewer.institution = None if row is None else InstitutionType.from_model(row)
        return viewer
