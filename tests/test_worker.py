"""Several processes: a server enqueues an import on Redis, a separate ``taskiq worker``
process runs it against the same database, and the server sees the record finish."""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import uuid

from graphql_api.settings import PROJECT_DIR
from models import LearnerAchievement
from resolvers.workbooks.layouts import DEPOSITS
from tests.achievement_fixtures import build_world
from tests.import_fixtures import record, upload_import, workbook
from tests.institution_fixtures import resident_id


async def test_the_worker_process_runs_imports(
    api,
    admin_token,
    database,
    settings,
    tmp_path,
    redis_url,
    monkeypatch,
):
    queue = f"creditbank-test-{uuid.uuid4().hex[:8]}"
    env = {
        "JOB_BROKER": redis_url,
        "JOB_QUEUE": queue,
        "DATABASE_URL": database,
        "FILES_DIR": str(settings.files_dir),
        "VAR_DIR": str(tmp_path / "var"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    worker_module = importlib.reload(importlib.import_module("graphql_api.worker"))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "taskiq",
        "worker",
        "graphql_api.worker:broker",
        "--workers",
        "1",
        cwd=PROJECT_DIR,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    jobs = worker_module.TaskiqJobs()
    await jobs.startup()
    try:
        world = await build_world(api, admin_token)
        api.services.jobs = jobs
        rows = [[f"学员{n}", resident_id(800 + n), f"W-{n}", "2022-06-30"] for n in range(30)]
        payload = await upload_import(
            api,
            world.tokens["main"],
            "DEPOSITS",
            workbook(DEPOSITS, rows),
            catalogueEntryId=str(world.entry.id),
        )
        assert payload["errors"] == []
        record_id = payload["record"]["id"]
        for _ in range(600):
            done = await record(api, world.tokens["main"], record_id)
            if done["status"] == "FINISHED":
                break
            await asyncio.sleep(0.1)
        assert done["status"] == "FINISHED", done
        assert done["importedCount"] == 30
        assert await LearnerAchievement.filter(import_job_id=record_id).count() == 30
    finally:
        api.services.jobs = type("Closed", (), {"close": staticmethod(_nothing)})()
        await jobs.shutdown()
        process.terminate()
        await process.wait()


async def _nothing() -> None:
    return None
