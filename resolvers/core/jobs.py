"""Background jobs behind one small interface: the embedded default runs them as tasks of this
process; several processes use a real queue (taskiq, see ``graphql_api/worker.py``). The queue
only carries a job's id: what to do is the job's row, written before it is enqueued."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)

JobRunner = Callable[[uuid.UUID], Awaitable[object]]


class JobQueue(Protocol):
    async def enqueue_import(self, job_id: uuid.UUID) -> None: ...


class InProcessJobs:
    """Runs imports as asyncio tasks of the serving process, ``concurrency`` at a time."""

    def __init__(self, run_import: JobRunner, concurrency: int = 1) -> None:
        self._run_import = run_import
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()

    async def enqueue_import(self, job_id: uuid.UUID) -> None:
        task = asyncio.create_task(self._run(job_id), name=f"import-{job_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, job_id: uuid.UUID) -> None:
        async with self._slots:
            try:
                await self._run_import(job_id)
            except Exception:  # the job's row stays unfinished and is resumed later
                log.exception("import %s stopped", job_id)

    async def drain(self) -> None:
        """Wait until every job enqueued so far (and those they enqueue) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)


SWEEP_SECONDS = 60


class StaleJobSweeper:
    """Resumes the jobs a stopped process left unfinished, at start and every ``every`` seconds,
    until stopped: the serving process runs one for its in-process jobs, the taskiq worker one
    for the queue's."""

    def __init__(self, resume: Callable[[], Awaitable[object]], every: float = SWEEP_SECONDS):
        self._resume = resume
        self._every = every
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="stale-job-sweeper")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self._resume()
            except Exception:
                log.exception("resuming stale jobs failed")
            await asyncio.sleep(self._every)
