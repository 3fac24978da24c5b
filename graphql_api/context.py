"""The per-request context: the actor, per-request DataLoaders and the shared services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as _Info

from graphql_api.dataloaders import Loaders
from notifications.sms import SmsSender
from resolvers.actors import Actor
from resolvers.certificates import Issuer
from resolvers.imports import ImportLimits
from resolvers.jobs import JobQueue
from resolvers.signing import Signer
from resolvers.storage import Storage
from resolvers.throttle import Throttle
from resolvers.verification import VerificationLog

if TYPE_CHECKING:
    from graphql_api.settings import Settings


@dataclass
class Services:
    """What lives as long as the app: configuration and the shared helpers."""

    settings: Settings
    sms_sender: SmsSender
    throttle: Throttle
    storage: Storage
    jobs: JobQueue
    imports: ImportLimits
    issuer: Issuer  # the bank's signing key and where certificates are verified
    verifications: VerificationLog

    @property
    def signer(self) -> Signer:
        return self.issuer.signer


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    actor: Actor
    services: Services
    client_address: str
    loaders: Loaders = field(default_factory=Loaders)


Info = _Info[Context, Any]


def client_address(request: Request | WebSocket, trusted_proxies: list[str]) -> str:
    """The caller's address; X-Forwarded-For is believed only from a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    if peer in trusted_proxies:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return peer


def bearer_token(request: Request | WebSocket) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None
