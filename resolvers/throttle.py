"""Per-address rate limits for login, code and verify requests (memory or Redis storage)."""

from __future__ import annotations

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from resolvers.errors import DomainError, ErrorCode

DEFAULT_LIMITS = {
    "login": "20/minute",
    "send_code": "10/minute",
    "register": "10/minute",
    "verify": "60/minute",
}


class Throttle:
    def __init__(self, storage_uri: str = "memory://", limits: dict[str, str] | None = None):
        self._limiter = MovingWindowRateLimiter(storage_from_string(_async_uri(storage_uri)))
        self._items: dict[str, RateLimitItem] = {
            name: parse(rule) for name, rule in (limits or DEFAULT_LIMITS).items()
        }

    async def hit(self, action: str, address: str) -> None:
        """Count one ``action`` from ``address``; refuse it once the address is over its limit."""
        if not await self._limiter.hit(self._items[action], action, address):
            raise DomainError.of(ErrorCode.RATE_LIMITED, "请求过于频繁，请稍后再试")

    async def reset(self) -> None:
        await self._limiter.storage.reset()


def _async_uri(uri: str) -> str:
    """The ``limits`` package picks its asyncio storages by the ``async+`` scheme prefix."""
    return uri if uri.startswith("async+") else f"async+{uri}"
