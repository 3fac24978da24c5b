"""Per-address rate limits for login, code and verify requests: a moving window per action and
address; and growing waits after failed logins, per account identifier and address and per
account identifier from every address. Kept in this process (``memory://``) or shared through
Redis by the ``limits`` package."""

from __future__ import annotations

import hashlib
import math
import time
from collections import deque
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from resolvers.core.errors import DomainError, ErrorCode

DEFAULT_LIMITS = {
    "login": "20/minute",
    "send_code": "10/minute",
    "register": "10/minute",
    "verify": "60/minute",
}
SWEEP_SECONDS = 60.0


@dataclass(frozen=True)
class Backoff:
    """Growing waits after failures (OWASP / NIST SP 800-63B 5.2.2 throttling, not a lock):
    ``free`` failures cost nothing; after each further one the next attempt waits ``first``
    seconds, doubled each time up to ``longest``. Failures are forgotten ``memory`` seconds after
    the first of them, and the pair's on a successful login."""

    free: int
    first: float
    longest: float
    memory: float = 24 * 3600

    def wait_after(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.longest, self.first * 2 ** min(failures - self.free, 32))


# Per (account identifier as typed, address): the guesser from one place slows down fast.
LOGIN_PER_ADDRESS = Backoff(free=5, first=30, longest=15 * 60)
# Per account identifier from every address: many places together slow down too, but a stranger
# cannot make its owner wait long: an address with no failure of its own for the account is let
# try once while the account waits, until failures reach NIST's ceiling of 100.
LOGIN_PER_ACCOUNT = Backoff(free=10, first=30, longest=5 * 60)
FRESH_ADDRESS_CEILING = 100


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


def _monotonic() -> float:
    return time.monotonic()


class LocalCounters:
    """Counters that expire, in this process: the same operations as the ``limits`` storages'
    ``incr`` / ``get`` / ``get_expiry`` / ``clear``, expiry set when a counter is created."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._next_sweep = _monotonic() + SWEEP_SECONDS

    def incr(self, key: str, expiry: float) -> int:
        now = _monotonic()
        count, expires = self._counts.get(key, (0, 0.0))
        if expires <= now:
            count, expires = 0, now + expiry
        self._counts[key] = (count + 1, expires)
        if now >= self._next_sweep:
            self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            self._next_sweep = now + SWEEP_SECONDS
        return count + 1

    def get(self, key: str) -> tuple[int, float]:
        """The count and the seconds until it expires (0, 0 when there is none)."""
        count, expires = self._counts.get(key, (0, 0.0))
        left = expires - _monotonic()
        return (count, left) if left > 0 else (0, 0.0)

    def clear(self, key: str) -> None:
        self._counts.pop(key, None)

    def reset(self) -> None:
        self._counts.clear()


class Throttle:
    def __init__(self, storage_uri: str = "memory://", limits: dict[str, str] | None = None):
        self._local: LocalWindows | None = None
        self._counters: LocalCounters | None = None
        self._shared: MovingWindowRateLimiter | None = None
        if storage_uri.startswith("memory://"):
            self._local = LocalWindows()
            self._counters = LocalCounters()
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

    async def login_wait(self, account: str, address: str) -> float:
        """Seconds before ``account`` (the identifier as typed) may be tried from ``address``;
        0 when it may be now. The same whether or not such an account exists."""
        pair, whole = _login_keys(account, address)
        _, pair_wait = await self._count("wait/" + pair)
        if pair_wait > 0:
            return pair_wait
        _, account_wait = await self._count("wait/" + whole)
        if account_wait <= 0:
            return 0.0
        account_failures, _ = await self._count("fail/" + whole)
        own_failures, _ = await self._count("fail/" + pair)
        if own_failures == 0 and account_failures < FRESH_ADDRESS_CEILING:
            return 0.0
        return account_wait

    async def login_failed(self, account: str, address: str) -> None:
        """Count a failed login in both scopes (atomically, so concurrent guesses all count)
        and start the wait each scope's count calls for."""
        scopes = (LOGIN_PER_ADDRESS, LOGIN_PER_ACCOUNT)
        for key, backoff in zip(_login_keys(account, address), scopes, strict=True):
            failures = await self._incr("fail/" + key, backoff.memory)
            if wait := backoff.wait_after(failures):
                await self._incr("wait/" + key, wait)

    async def login_succeeded(self, account: str, address: str) -> None:
        """Forget this address's failures for the account; the account-wide count stays."""
        pair, _ = _login_keys(account, address)
        for key in ("fail/" + pair, "wait/" + pair):
            if self._counters is not None:
                self._counters.clear(key)
            else:
                assert self._shared is not None
                await self._shared.storage.clear(key)

    async def login_failures(self, account: str, address: str) -> tuple[int, int]:
        """The failures counted for (account, address) and for the account from everywhere."""
        pair, whole = _login_keys(account, address)
        return (await self._count("fail/" + pair))[0], (await self._count("fail/" + whole))[0]

    async def _incr(self, key: str, expiry: float) -> int:
        if self._counters is not None:
            return self._counters.incr(key, expiry)
        assert self._shared is not None
        return await self._shared.storage.incr(key, math.ceil(expiry))

    async def _count(self, key: str) -> tuple[int, float]:
        if self._counters is not None:
            return self._counters.get(key)
        assert self._shared is not None
        storage = self._shared.storage
        count = await storage.get(key)
        if not count:
            return 0, 0.0
        return count, max(0.0, await storage.get_expiry(key) - time.time())

    async def reset(self) -> None:
        if self._counters is not None:
            self._counters.reset()
        if self._local is not None:
            self._local.reset()
        elif self._shared is not None:
            await self._shared.storage.reset()


def _login_keys(account: str, address: str) -> tuple[str, str]:
    """Keys for (account, address) and for the account; identifiers are hashed, not stored,
    and compared trimmed and in one letter case so that variants share their count."""
    typed = account.strip().upper().encode("utf-8", "surrogatepass")
    whole = "login/" + hashlib.sha256(typed).hexdigest()[:32]
    return f"{whole}/{address}", whole


def _async_uri(uri: str) -> str:
    """The ``limits`` package picks its asyncio storages by the ``async+`` scheme prefix."""
    return uri if uri.startswith("async+") else f"async+{uri}"
