"""Who is calling: the actor every use-case receives, and the guards that check it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from resolvers.core.errors import DomainError, ErrorCode


class ActorKind(StrEnum):
    ANONYMOUS = "anonymous"
    LEARNER = "learner"
    INSTITUTION_USER = "institution_user"
    API_TOKEN = "api_token"
    ADMINISTRATOR = "administrator"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: uuid.UUID | None = None
    label: str = ""
    institution_id: uuid.UUID | None = None
    institution_approved: bool = False
    is_main: bool = False
    session_id: uuid.UUID | None = None

    @property
    def is_learner(self) -> bool:
        return self.kind == ActorKind.LEARNER

    @property
    def is_admin(self) -> bool:
        return self.kind == ActorKind.ADMINISTRATOR

    @property
    def acts_for_institution(self) -> bool:
        return self.kind in (ActorKind.INSTITUTION_USER, ActorKind.API_TOKEN)


ANONYMOUS = Actor(ActorKind.ANONYMOUS)
SYSTEM = Actor(ActorKind.ADMINISTRATOR, label="system")


def _deny(message: str, code: ErrorCode = ErrorCode.NOT_ALLOWED) -> DomainError:
    return DomainError.of(code, message)


def require_authenticated(actor: Actor) -> None:
    if actor.kind == ActorKind.ANONYMOUS:
        raise _deny("请先登录", ErrorCode.NOT_AUTHENTICATED)


def require_learner(actor: Actor) -> uuid.UUID:
    require_authenticated(actor)
    if not actor.is_learner or actor.id is None:
        raise _deny("仅学习者可以进行此操作")
    return actor.id


def require_admin(actor: Actor) -> None:
    require_authenticated(actor)
    if not actor.is_admin:
        raise _deny("仅学分银行管理员可以进行此操作")


def require_institution(
    actor: Actor, *, main_user: bool = False, approved: bool = True, people_only: bool = False
) -> uuid.UUID:
    """The institution the actor acts for; refuses learners, admins and (optionally) API tokens,
    sub-users where the main user is needed, and institutions not yet approved."""
    require_authenticated(actor)
    if not actor.acts_for_institution or actor.institution_id is None:
        raise _deny("仅机构用户可以进行此操作")
    if (main_user or people_only) and actor.kind == ActorKind.API_TOKEN:
        raise _deny("接口令牌不能进行此操作")
    if main_user and not actor.is_main:
        raise _deny("仅机构主账号可以进行此操作")
    if approved and not actor.institution_approved:
        raise _deny("机构尚未通过学分银行审核", ErrorCode.NOT_APPROVED)
    return actor.institution_id
