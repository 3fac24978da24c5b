"""An import whose process is killed half-way (SIGKILL, nothing cleaned up) leaves only whole
chunks behind, and running it again finishes it without writing any row twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys

import pytest

from graphql_api.settings import PROJECT_DIR
from models import ImportJob, ImportStatus, Learner, LearnerAchievement, Message
from resolvers.core.clock import now
from resolvers.imports.runner import run_import
from resolvers.imports.start import ImportLimits
from resolvers.workbooks.layouts import DEPOSITS
from tests.achievement_fixtures import build_world
from tests.import_fixtures import upload_import, workbook
from tests.institution_fixtures import resident_id

ROWS = 4000
CHUNK = 20


class Holding:
    """A queue that keeps the job for the test to run."""

    def __init__(self) -> None:
        self.ids: list = []

    async def enqueue_import(self, job_id) -> None:
        self.ids.append(job_id)

    async def close(self) -> None:
        pass


def _rows() -> list[list]:
    return [
        [f"学员{n}", resident_id(n % 1000, f"1980{1 + n // 1000:02d}01"), f"K-{n}", "2022-06-30"]
        for n in range(ROWS)
    ]


async def _kill_when_half_done(process: asyncio.subprocess.Process, job_id) -> int:
    """SIGKILL the runner once some chunks, but not all, are committed."""
    for _ in range(3000):
        job = await ImportJob.get(id=job_id)
        if CHUNK * 3 <= job.processed_rows < ROWS - CHUNK * 3:
            process.send_signal(signal.SIGKILL)
            await process.wait()
            return job.processed_rows
        if process.returncode is not None:
            break
        await asyncio.sleep(0.01)
    process.kill()
    await process.wait()
    pytest.fail("the runner finished or stalled before it could be killed half-way")


async def test_killed_import_resumes_to_completion(api, admin_token, database, settings, tmp_path):
    world = await build_world(api, admin_token)
    api.services.jobs = Holding()
    payload = await upload_import(
        api,
        world.tokens["main"],
        "DEPOSITS",
        workbook(DEPOSITS, _rows()),
        catalogueEntryId=str(world.entry.id),
    )
    (job_id,) = api.services.jobs.ids
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "FILES_DIR": str(settings.files_dir),
        "VAR_DIR": str(tmp_path / "var"),
        "IMPORT_CHUNK_ROWS": str(CHUNK),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "graphql_api.cli",
        "run-imports",
        str(job_id),
        cwd=PROJECT_DIR,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    await _kill_when_half_done(process, job_id)

    job = await ImportJob.get(id=job_id)
    assert job.status == ImportStatus.RUNNING
    written = await LearnerAchievement.filter(import_job_id=job_id).count()
    assert 0 < written < ROWS and written % CHUNK == 0  # whole chunks, nothing half-written
    assert written == job.processed_rows
    assert await Learner.filter(import_job_id=job_id).count() == written
    assert await Message.filter(event="achievement.deposited").count() == written

    # the sweeper's rule: a running job silent for long is taken to have died
    await ImportJob.filter(id=job_id).update(heartbeat_at=now() - dt.timedelta(minutes=3))
    storage = api.services.storage
    done = await run_import(job_id, storage, ImportLimits(chunk_rows=500))
    assert done is not None and done.status == ImportStatus.FINISHED
    assert (done.imported_count, done.refused_count) == (ROWS, 0)
    assert await LearnerAchievement.filter(import_job_id=job_id).count() == ROWS
    assert await Learner.filter(import_job_id=job_id).count() == ROWS
    assert await Message.filter(event="achievement.deposited").count() == ROWS
    assert payload["record"]["id"] == str(job_id)
