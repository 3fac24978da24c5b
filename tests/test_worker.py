"""Several processes: a server enqueues an import on Redis, a separate ``taskiq worker``
process runs it against the same database, and the server sees the record finish."""

from __future__ import annotations

import asyncio
import importlib
import os
import socket
import sys
import uuid

import pytest

from graphql_api.settings import PROJECT_DIR
from models import LearnerAchievement
from resolvers.workbooks.layouts import DEPOSITS
from tests.achievement_fixtures import build_world
from tests.import_fixtures import record, upload_import, workbook
from tests.institution_fixtures import admin_token, resident_id  # noqa: F401

REDIS = ("127.0.0.1", 6379)


def _redis_answers() -> bool:
    try:
        socket.create_connection(REDIS, 1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def redis_url() -> str:
    if not _redis_answers():
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail("REQUIRE_REDIS is set but no Redis answers on 127.0.0.1:6379")
        pytest.skip("no Redis on 127.0.0.1:6379 (the embedded default needs none)")
    return f"redis://{REDIS[0]}:{REDIS[1]}/0"


async def test_the_worker_process_runs_imports(
    api,
    admin_token,  # noqa: F811
    database,
    settings,
    tmp_path,
    redis_url,
    monkeypatch,  # noqa: F811
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
