"""The per-request context: the actor, per-request DataLoaders and the shared services."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as _Info

from graphql_api.dataloaders import Loaders
from notifications.sms import SmsSender
from resolvers.certificates.issuing import Issuer
from resolvers.certificates.signing import Signer
from resolvers.certificates.verification import VerificationLog
from resolvers.core.actors import Actor
from resolvers.core.jobs import JobQueue
from resolvers.core.storage import Storage
from resolvers.core.throttle import Throttle
from resolvers.imports.start import ImportLimits

if TYPE_CHECKING:
    from graphql_api.settings import Settings

R = TypeVar("R")


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

    def throttled(
        self, action: str, work: Callable[[], Awaitable[R]]
    ) -> Callable[[], Awaitable[R]]:
        """``work`` after a hit of the caller's address on the ``action`` limit; given to
        ``mutate`` as its work, so RATE_LIMITED is answered as a payload error."""

        async def run() -> R:
            await self.services.throttle.hit(action, self.client_address)
            return await work()

        return run


Info = _Info[Context, Any]


def client_address(request: Request | WebSocket, trusted_proxies: Sequence[str]) -> str:
    """The caller's address, from one source of truth: ``TRUSTED_PROXIES``. The server runs
    without uvicorn's own proxy-header handling (``python -m graphql_api.serve``), so the peer
    here is the real TCP peer. Only when that peer is a trusted proxy is X-Forwarded-For read,
    from the right: each trusted proxy appends the address it saw, so the first address that is
    not a trusted proxy is the client; what a client wrote further left is not believed."""
    peer = request.client.host if request.client else "unknown"
    if not trusted_proxies:
        return peer
    networks = _networks(tuple(trusted_proxies))
    if not _trusted(peer, networks):
        return peer
    hops = [
        hop.strip()
        for value in request.headers.getlist("x-forwarded-for")
        for hop in value.split(",")
        if hop.strip()
    ]
    address = peer
    for hop in reversed(hops):
        address = hop[:64]
        if not _trusted(address, networks):
            break
    return address


_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(trusted_proxies: tuple[str, ...]) -> tuple[_Network, ...]:
    """``TRUSTED_PROXIES`` entries: addresses or networks (``10.0.0.0/8``); others are ignored."""
    networks = []
    for entry in trusted_proxies:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue
    return tuple(networks)


def _trusted(address: str, networks: tuple[_Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def bearer_token(request: Request | WebSocket) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None
