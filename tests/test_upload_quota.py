"""Upload quotas per account and per day (Beijing time), files and megabytes, across every upload
path (fileUpload and importStart): a clear payload error past the quota, nothing written, and no
quota dodged by uploading at the same moment."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from graphql_api.settings import Settings
from models import AuditEntry, ImportJob, StoredFile
from tests.achievement_fixtures import build_world
from tests.import_fixtures import upload_import, workbook
from tests.institution_fixtures import resident_id
from tests.test_files import PDF, learner_token, stored_files, upload_payload

QUOTA_FILES = 3


@pytest.fixture
def files_dir(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture
def settings(settings: Settings, files_dir: Path) -> Settings:
    return dataclasses.replace(
        settings, files_dir=files_dir, upload_daily_files=QUOTA_FILES, upload_daily_mb=1
    )


def _pdf(size: int) -> bytes:
    return PDF + b"%" * (size - len(PDF))


async def _codes(api, token: str, data: bytes = PDF) -> list[tuple[str | None, str]]:
    payload = await upload_payload(api, token, "证明.pdf", data)
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def _written() -> tuple[int, int]:
    return (
        await StoredFile.all().count(),
        await AuditEntry.filter(action="file.upload").count(),
    )


async def test_the_daily_number_of_files_is_limited_per_account(api, files_dir):
    token, other = await learner_token(api, 1), await learner_token(api, 2)
    for _ in range(QUOTA_FILES):
        assert await _codes(api, token) == []
    payload = await upload_payload(api, token, "证明.pdf", PDF)
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("file", "RATE_LIMITED")]
    assert "今日上传文件已达3个的上限" in payload["errors"][0]["message"]
    assert payload["file"] is None
    assert await _written() == (QUOTA_FILES, QUOTA_FILES)
    assert len(stored_files(files_dir)) == QUOTA_FILES
    assert await _codes(api, other) == []  # another account has its own quota


async def test_the_daily_megabytes_are_limited(api, files_dir):
    token = await learner_token(api, 1)
    part = 400 * 1024
    assert await _codes(api, token, _pdf(part)) == []
    assert await _codes(api, token, _pdf(part)) == []
    payload = await upload_payload(api, token, "大文件.pdf", _pdf(part))
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("file", "RATE_LIMITED")]
    assert "1MB" in payload["errors"][0]["message"]
    assert await _written() == (2, 2)
    assert len(stored_files(files_dir)) == 2


async def test_the_quota_is_per_day(api):
    token = await learner_token(api, 1)
    for _ in range(QUOTA_FILES):
        await _codes(api, token)
    assert await _codes(api, token) == [("file", "RATE_LIMITED")]
    await AuditEntry.filter(action="file.upload").update(
        at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    )
    assert await _codes(api, token) == []


async def test_imports_count_towards_the_same_quota(api, admin_token):
    world = await build_world(api, admin_token)
    token = world.tokens["sub"]
    rows = [["测试学员", resident_id(201), None]]
    book = workbook(["*学员姓名", "*身份证号", "证件类型"], rows)
    started = await upload_import(api, token, "LEARNER_ACCOUNTS", book)
    assert started["errors"] == []
    await api.services.jobs.drain()
    for _ in range(QUOTA_FILES - 1):
        assert await _codes(api, token) == []
    files_before = await StoredFile.all().count()
    other_rows = [["测试学员二", resident_id(202), None]]
    refused = await upload_import(
        api, token, "LEARNER_ACCOUNTS", workbook(["*学员姓名", "*身份证号", "证件类型"], other_rows)
    )
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("file", "RATE_LIMITED")]
    assert refused["record"] is None
    assert await ImportJob.all().count() == 1
    assert await StoredFile.all().count() == files_before
    assert await _codes(api, token) == [("file", "RATE_LIMITED")]


async def test_uploads_at_the_same_moment_do_not_dodge_the_quota(api, files_dir):
    token = await learner_token(api, 1)
    answers = await asyncio.gather(*(_codes(api, token) for _ in range(8)))
    assert sorted(answers) == [[]] * QUOTA_FILES + [[("file", "RATE_LIMITED")]] * 5
    assert await _written() == (QUOTA_FILES, QUOTA_FILES)
    assert len(stored_files(files_dir)) == QUOTA_FILES


def test_the_quota_is_configured_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("UPLOAD_DAILY_FILES", "7")
    monkeypatch.setenv("UPLOAD_DAILY_MB", "50")
    quota = Settings.from_env().upload_quota
    assert (quota.files, quota.bytes) == (7, 50 * 1024 * 1024)
    monkeypatch.delenv("UPLOAD_DAILY_FILES")
    monkeypatch.delenv("UPLOAD_DAILY_MB")
    quota = Settings.from_env().upload_quota
    assert (quota.files, quota.bytes) == (100, 200 * 1024 * 1024)
