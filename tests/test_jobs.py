"""The stale-job sweeper the serving process and the taskiq worker share."""

from __future__ import annotations

import asyncio

from resolvers.core.jobs import StaleJobSweeper


async def test_the_sweeper_resumes_at_start_and_again_after_a_failure_until_stopped() -> None:
    calls: list[int] = []
    third = asyncio.Event()

    async def resume() -> int:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("database away")
        if len(calls) == 3:
            third.set()
        return 0

    sweeper = StaleJobSweeper(resume, every=0.01)
    sweeper.start()
    await asyncio.wait_for(third.wait(), 5)
    await sweeper.stop()
    stopped_at = len(calls)
    await asyncio.sleep(0.05)
    assert stopped_at >= 3
    assert len(calls) == stopped_at
    await sweeper.stop()  # stopping twice is harmless
