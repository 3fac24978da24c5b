"""Rate limits per action and address: in memory (one process) and on Redis (several)."""

from __future__ import annotations

import uuid

from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.throttle import Throttle

LIMITS = {
    "login": "3/minute",
    "send_code": "1/minute",
    "register": "1/minute",
    "verify": "2/minute",
}


async def _allowed(throttle: Throttle, action: str, address: str) -> bool:
    try:
        await throttle.hit(action, address)
    except DomainError as error:
        assert error.problems[0].code == ErrorCode.RATE_LIMITED
        return False
    return True


async def _check(throttle: Throttle) -> None:
    address = f"10.0.0.{uuid.uuid4().int % 250}-{uuid.uuid4().hex[:6]}"
    assert [await _allowed(throttle, "verify", address) for _ in range(3)] == [True, True, False]
    # Another address, and another action of the same address, have windows of their own.
    assert await _allowed(throttle, "verify", address + "x")
    assert await _allowed(throttle, "login", address)
    await throttle.reset()
    assert await _allowed(throttle, "verify", address)


async def test_memory_limits():
    await _check(Throttle("memory://", LIMITS))


async def test_redis_limits_are_shared_between_processes(redis_url: str):
    first, second = Throttle(redis_url, LIMITS), Throttle(redis_url, LIMITS)
    address = f"10.1.0.{uuid.uuid4().hex[:6]}"
    assert await _allowed(first, "verify", address)
    assert await _allowed(second, "verify", address)
    assert not await _allowed(first, "verify", address)  # the second process's hit counted
    await first.reset()
    await _check(first)


def test_the_local_window_moves_and_idle_addresses_are_dropped(monkeypatch):
    from resolvers.core import throttle as module

    clock = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: clock[0])
    windows = module.LocalWindows()
    item = module.parse("2/minute")
    assert [windows.hit(item, "a") for _ in range(3)] == [True, True, False]
    clock[0] += 59
    assert windows.hit(item, "a") is False  # both hits still inside the last minute
    clock[0] += 2
    assert windows.hit(item, "a") is True  # the first two have left the window
    assert windows.hit(item, "b") is True
    clock[0] += 3600
    windows.hit(item, "c")  # a sweep is due: a and b have been idle for an hour
    assert set(windows._hits) == {"c"}
