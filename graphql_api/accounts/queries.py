"""Queries about the caller: who am I, my learner account."""

from __future__ import annotations

import strawberry

from graphql_api.accounts.types import LearnerType
from graphql_api.context import Info
from graphql_api.institutions.types import InstitutionType, InstitutionUserType
from models import Administrator, InstitutionUser, Learner
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
        if actor.kind == ActorKind.LEARNER:
            viewer.learner = LearnerType.from_model(await Learner.get(id=actor.id))
        elif actor.kind == ActorKind.INSTITUTION_USER:
            user = await InstitutionUser.get(id=actor.id)
            viewer.institution_user = InstitutionUserType.from_model(user)
        elif actor.kind == ActorKind.ADMINISTRATOR:
            viewer.administrator_username = (await Administrator.get(id=actor.id)).username
        if actor.institution_id is not None:
            row = await info.context.loaders.institution_by_id.load(actor.institution_id)
            viewer.institution = None if row is None else InstitutionType.from_model(row)
        return viewer
