"""Session and API tokens: issued once in clear, stored as SHA-256, resolved to an Actor."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

from models import (
    Administrator,
    ApiToken,
    Institution,
    InstitutionStatus,
    InstitutionUser,
    InstitutionUserStatus,
    Learner,
    LearnerStatus,
    SessionToken,
    SubjectKind,
)
from resolvers.core.actors import ANONYMOUS, Actor, ActorKind
from resolvers.core.clock import now

SESSION_PREFIX = "cbs_"
API_TOKEN_PREFIX = "cba_"
SESSION_LIFETIME = {
    SubjectKind.LEARNER: dt.timedelta(days=7),
    SubjectKind.INSTITUTION_USER: dt.timedelta(hours=12),
    SubjectKind.ADMINISTRATOR: dt.timedelta(days=30),
}


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_session(kind: SubjectKind, subject_id: uuid.UUID) -> tuple[str, SessionToken]:
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    session = await SessionToken.create(
        token_hash=token_digest(token),
        subject_kind=kind,
        subject_id=subject_id,
        expires_at=now() + SESSION_LIFETIME[kind],
    )
    return token, session


def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


async def revoke_session(session_id: uuid.UUID) -> None:
    await SessionToken.filter(id=session_id, revoked_at=None).update(revoked_at=now())


async def revoke_sessions_of(
    kind: SubjectKind, subject_id: uuid.UUID, *, keep: uuid.UUID | None = None
) -> None:
    query = SessionToken.filter(subject_kind=kind, subject_id=subject_id, revoked_at=None)
    if keep is not None:
        query = query.exclude(id=keep)
    await query.update(revoked_at=now())


async def authenticate(token: str | None) -> Actor:
    """The actor a bearer token stands for; anonymous when it is missing, unknown or spent."""
    if not token:
        return ANONYMOUS
    if token.startswith(API_TOKEN_PREFIX):
        return await _api_token_actor(token)
    session = await SessionToken.get_or_none(
        token_hash=token_digest(token), revoked_at=None, expires_at__gt=now()
    )
    if session is None:
        return ANONYMOUS
    if session.subject_kind == SubjectKind.LEARNER:
        learner = await Learner.get_or_none(id=session.subject_id, status=LearnerStatus.ACTIVE)
        if learner is None:
            return ANONYMOUS
        return Actor(ActorKind.LEARNER, learner.id, learner.name, session_id=session.id)
    if session.subject_kind == SubjectKind.INSTITUTION_USER:
        user = await InstitutionUser.get_or_none(
            id=session.subject_id, status=InstitutionUserStatus.ACTIVE
        )
        if user is None:
            return ANONYMOUS
        institution = await Institution.get(id=user.institution_id)
        return Actor(
            ActorKind.INSTITUTION_USER,
            user.id,
            user.name,
            institution_id=institution.id,
            institution_approved=institution.status == InstitutionStatus.APPROVED,
            is_main=user.is_main,
            session_id=session.id,
        )
    admin = await Administrator.get_or_none(id=session.subject_id)
    if admin is None:
        return ANONYMOUS
    return Actor(ActorKind.ADMINISTRATOR, admin.id, admin.name, session_id=session.id)


async def _api_token_actor(token: str) -> Actor:
    api_token = await ApiToken.get_or_none(token_hash=token_digest(token), revoked_at=None)
    if api_token is None:
        return ANONYMOUS
    institution = await Institution.get(id=api_token.institution_id)
    stamp = now()
    if api_token.last_used_at is None or stamp - api_token.last_used_at > dt.timedelta(minutes=5):
        await ApiToken.filter(id=api_token.id).update(last_used_at=stamp)
    return Actor(
        ActorKind.API_TOKEN,
        api_token.id,
        f"{institution.name} / {api_token.name}",
        institution_id=institution.id,
        institution_approved=institution.status == InstitutionStatus.APPROVED,
    )
