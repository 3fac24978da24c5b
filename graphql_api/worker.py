"""The background worker for several server processes: a taskiq broker on Redis carries the ids
of import jobs; the job rows in the database say what to do.

    JOB_BROKER=redis://127.0.0.1:6379/0 taskiq worker graphql_api.worker:broker

Servers started with the same JOB_BROKER enqueue here instead of running jobs themselves. At
start, and every minute, the worker enqueues again the jobs that a stopped process left behind.
"""

from __future__ import annotations

import functools
import os
import uuid

from taskiq import TaskiqEvents, TaskiqState
from taskiq_redis import ListQueueBroker
from tortoise import Tortoise

from graphql_api.settings import Settings
from resolvers.core.jobs import StaleJobSweeper
from resolvers.core.storage import LocalFolderStorage
from resolvers.imports.runner import resume_stale_imports, run_import
from resolvers.imports.start import ImportLimits

DEFAULT_BROKER = "redis://127.0.0.1:6379/0"

settings = Settings.from_env()
broker = ListQueueBroker(
    settings.job_broker if settings.job_broker != "inprocess" else DEFAULT_BROKER,
    queue_name=os.environ.get("JOB_QUEUE", "creditbank-jobs"),
)


@broker.task(task_name="creditbank.import")
async def import_task(job_id: str) -> None:
    await run_import(
        uuid.UUID(job_id),
        LocalFolderStorage(settings.files_dir),
        ImportLimits(settings.import_max_rows, settings.import_chunk_rows),
    )


class TaskiqJobs:
    """The servers' side: enqueue job ids for the worker (the broker JOB_BROKER names)."""

    async def startup(self) -> None:
        await broker.startup()

    async def shutdown(self) -> None:
        await broker.shutdown()

    async def enqueue_import(self, job_id: uuid.UUID) -> None:
        await import_task.kiq(str(job_id))


@broker.on_event(TaskiqEvents.WORKER_STARTUP)
async def _startup(state: TaskiqState) -> None:
    await Tortoise.init(config=settings.tortoise, _enable_global_fallback=True)
    state.sweeper = StaleJobSweeper(functools.partial(resume_stale_imports, TaskiqJobs()))
    state.sweeper.start()


@broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
async def _shutdown(state: TaskiqState) -> None:
    await state.sweeper.stop()
    await Tortoise.close_connections()
