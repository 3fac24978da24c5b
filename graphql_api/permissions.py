"""Who may call a field: permission classes checked before the resolver runs.

Use-cases check again, against every object they touch; these classes say it in the schema and
answer a caller who is not logged in with a top-level UNAUTHENTICATED error."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from graphql_api.errors import NotAuthenticated
from resolvers.core.actors import ActorKind


def _actor(info: Any):
    return info.context.actor


class IsAuthenticated(BasePermission):
    message = "请先登录"
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return _actor(info).kind != ActorKind.ANONYMOUS


class _RoleRequired(BasePermission):
    kinds: tuple[ActorKind, ...] = ()
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        actor = _actor(info)
        if actor.kind == ActorKind.ANONYMOUS:
            raise NotAuthenticated()
        return actor.kind in self.kinds


class IsLearner(_RoleRequired):
    message = "仅学习者可以访问"
    kinds = (ActorKind.LEARNER,)


class IsInstitution(_RoleRequired):
    """An institution user or an institution's API token."""

    message = "仅机构用户可以访问"
    kinds = (ActorKind.INSTITUTION_USER, ActorKind.API_TOKEN)


class IsInstitutionUser(_RoleRequired):
    """A person logged in for an institution (not an API token)."""

    message = "仅机构用户可以访问"
    kinds = (ActorKind.INSTITUTION_USER,)


class IsAdministrator(_RoleRequired):
    message = "仅学分银行管理员可以访问"
    kinds = (ActorKind.ADMINISTRATOR,)


class IsAccountHolder(_RoleRequired):
    """A learner or an institution user: someone with a password and a bound phone."""

    message = "仅学习者或机构用户可以进行此操作"
    kinds = (ActorKind.LEARNER, ActorKind.INSTITUTION_USER)


class IsAdministratorOrInstitution(_RoleRequired):
    message = "仅管理员或机构用户可以访问"
    kinds = (ActorKind.ADMINISTRATOR, ActorKind.INSTITUTION_USER, ActorKind.API_TOKEN)
