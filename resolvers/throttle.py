"""Per-address rate limits for login, code and verify requests: a moving window per action and
address, kept in this process (``memory://``) or shared through Redis by the ``limits`` package."""

from __future__ import annotations

import time
from collections import deque

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
SWEEP_SECONDS = 60.0


class LocalWindows:
    """Moving windows of one process: per key, the times of its hits still inside the window.
    A hit costs a few microseconds whatever the number of addresses; keys idle for longer than
    their window are dropped once a minute. (The ``limits`` package's memory storages re-scan
    every key in the background, in worker threads or a 10 ms timer, which thousands of
    verifying addresses turn into a load of its own.)"""

    def __init__(self) -> None:
        self._hits: dict[str, tuple[float, deque[float]]] = {}
        self._next_sweep = time.monotonic() + SWEEP_SECONDS

    def hit(self, item: RateLimitItem, key: str) -> bool:
        now = time.monotonic()
        window = float(item.get_expiry())
        entry = self._hits.get(key)
        if entry is None:
            entry = self._hits[key] = (window, deque())
        hits = entry[1]
        while hits and hits[0] <= now - window:
            hits.popleft()
        allowed = len(hits) < item.amount
        if allowed:
            hits.append(now)
        if now >= self._next_sweep:
            self._sweep(now)
        return allowed

    def _sweep(self, now: float) -> None:
        self._hits = {
            key: (window, hits)
            for key, (window, hits) in self._hits.items()
            if hits and hits[-1] > now - window
        }
        self._next_sweep = now + SWEEP_SECONDS

    def reset(self) -> None:
        self._hits.clear()


class Throttle:
    def __init__(self, storage_uri: str = "memory://", limits: dict[str, str] | None = None):
        self._local: LocalWindows | None = None
        self._shared: MovingWindowRateLimiter | None = None
        if storage_uri.startswith("memory://"):
            self._local = LocalWindows()
        else:
            self._shared = MovingWindowRateLimiter(storage_from_string(_async_uri(storage_uri)))
        self._items: dict[str, RateLimitItem] = {
            name: parse(rule) for name, rule in (limits or DEFAULT_LIMITS).items()
        }

    async def hit(self, action: str, address: str) -> None:
        """Count one ``action`` from ``address``; refuse it once the address is over its limit."""
        item = self._items[action]
        if self._local is not None:
            allowed = self._local.hit(item, f"{action}/{address}")
        else:
            assert self._shared is not None
            allowed = await self._shared.hit(item, action, address)
        if not allowed:
            raise DomainError.of(ErrorCode.RATE_LIMITED, "请求过于频繁，请稍后再试")

    async def reset(self) -> None:
        if self._local is not None:
            self._local.reset()
        elif self._shared is not None:
            await self._shared.storage.reset()


def _async_uri(uri: str) -> str:
    """The ``limits`` package picks its asyncio storages by the ``async+`` scheme prefix."""
    return uri if uri.startswith("async+") else f"async+{uri}"
