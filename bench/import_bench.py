"""The learner-achievement import against its bare pipeline, in one run.

    .venv/bin/python -m bench.import_bench [--rows 100000] [--postgres URL]

Builds a workbook of ``rows`` deposits (every row a new learner, as a first bulk deposit is),
then, each in a fresh process and a fresh database:

- full: the import as the server runs it: the upload checked, the job read, every row checked,
  chunks written with their learners and messages, the import record and its two workbooks;
- bare: the same reader iterating the rows, then one bulk insert of the same learners and
  achievements into the same tables, in one transaction.

Each phase runs ``--repeat`` times (alternating, each in a fresh process and database) and the
fastest run counts. Prints rows per second for each, their ratio and each one's peak memory
(max RSS). Target:
full ≥ 0.5 × bare, and full under 400 MB on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.databases import SQLITE, drop, fresh_database
from bench.workbooks import deposits_workbook


async def _world():
    """An approved institution, its main user and a recognised catalogue entry."""
    from decimal import Decimal

    from models import (
        Institution,
        InstitutionAchievement,
        InstitutionKind,
        InstitutionStatus,
        InstitutionUser,
        RecognitionStatus,
    )
    from resolvers.catalogue.taxonomy import ensure_default_taxonomy
    from resolvers.core.actors import Actor, ActorKind

    await ensure_default_taxonomy()
    institution = await Institution.create(
        name="基准测试学院",
        credit_code="91320100MA0000001X",
        kind=InstitutionKind.SCHOOL,
        legal_representative="张三",
        contact_person="李四",
        contact_phone="13900000001",
        contact_email="a@example.com",
        postcode="210000",
        address="南京",
        business_scope="教育",
        registrant_name="王五",
        registrant_id_type="resident_id",
        registrant_id_number="110101199001010011",
        status=InstitutionStatus.APPROVED,
    )
    user = await InstitutionUser.create(
        institution=institution,
        username="bench_user",
        name="基准",
        phone="13900000002",
        password_hash="x",
        is_main=True,
    )
    entry = await InstitutionAchievement.create(
        institution=institution,
        subtype_id="higher_course",
        category_id="academic",
        name="高等数学",
        issuer_name=institution.name,
        details={"course_code": "MATH101", "original_hours": 64, "original_credits": "4"},
        introduction="",
        recognition_status=RecognitionStatus.RECOGNISED,
        credits=Decimal(2),
        created_by_id=user.id,
    )
    actor = Actor(
        ActorKind.INSTITUTION_USER,
        user.id,
        user.username,
        institution_id=institution.id,
        institution_approved=True,
        is_main=True,
    )
    return actor, entry


async def _full(data: bytes, files: Path) -> int:
    from models import ImportKind
    from resolvers.core.storage import LocalFolderStorage
    from resolvers.imports.runner import run_import
    from resolvers.imports.start import ImportLimits, ImportRequest, start_import

    actor, entry = await _world()
    storage = LocalFolderStorage(files)
    limits = ImportLimits(max_rows=200_000, chunk_rows=2000)
    queued: list[uuid.UUID] = []

    class Holding:
        async def enqueue_import(self, job_id: uuid.UUID) -> None:
            queued.append(job_id)

    started = time.perf_counter()
    request = ImportRequest(ImportKind.DEPOSITS, "bench.xlsx", data, catalogue_entry_id=entry.id)
    await start_import(actor, request, storage, Holding(), limits)
    job = await run_import(queued[0], storage, limits)
    elapsed = time.perf_counter() - started
    assert job is not None and job.refused_count == 0, job and job.refused_count
    return_rows = job.imported_count
    _report("full", return_rows, elapsed)
    return return_rows


async def _bare(data: bytes) -> int:
    """The reader, then the same learners and achievements in one bulk insert."""
    from tortoise.transactions import in_transaction

    from models import (
        AchievementSource,
        AchievementStatus,
        IdType,
        Learner,
        LearnerAchievement,
        LearnerStatus,
    )
    from resolvers.core.bulk_rows import insert_rows
    from resolvers.core.ids import time_ordered_id
    from resolvers.workbooks.layouts import DEPOSITS, FIXED_LAYOUTS
    from resolvers.workbooks.reader import read_rows

    actor, entry = await _world()
    started = time.perf_counter()
    others = [layout for layout in FIXED_LAYOUTS.values() if layout is not DEPOSITS]
    rows = await asyncio.to_thread(read_rows, data, DEPOSITS, others, max_rows=200_000)
    learners, achievements = [], []
    moment = dt.datetime.now(dt.UTC)
    for index, row in enumerate(rows):
        name, number, certificate, issued, _ = row.cells
        learner_id = time_ordered_id()
        learners.append(
            {
                "id": learner_id,
                "name": name,
                "id_type": IdType.RESIDENT_ID,
                "id_number": number,
                "card_number": _card(index),  # unique without a check, as a baseline may
                "status": LearnerStatus.INACTIVE,
                "created_by_institution_id": actor.institution_id,
                "created_at": moment,
                "updated_at": moment,
            }
        )
        achievements.append(
            {
                "id": time_ordered_id(),
                "learner_id": learner_id,
                "catalogue_entry_id": entry.id,
                "institution_id": actor.institution_id,
                "subtype_id": entry.subtype_id,
                "category_id": entry.category_id,
                "name": entry.name,
                "issuer_name": entry.issuer_name,
                "details": entry.details,
                "certificate_number": certificate,
                "issue_date": issued.date() if isinstance(issued, dt.datetime) else issued,
                "source": AchievementSource.INSTITUTION,
                "status": AchievementStatus.STORED,
                "credits": entry.credits,
                "created_by_kind": actor.kind.value,
                "created_by_id": actor.id,
                "created_at": moment,
                "updated_at": moment,
                "stored_at": moment,
            }
        )
    async with in_transaction():
        await insert_rows(Learner, learners)
        await insert_rows(LearnerAchievement, achievements)
    elapsed = time.perf_counter() - started
    _report("bare", len(rows), elapsed)
    return len(rows)


def _card(n: int) -> str:
    from resolvers.accounts.cards import CARD_PREFIX, luhn_check_digit

    body = f"{CARD_PREFIX}{n:011d}"
    return body + luhn_check_digit(body)


def _report(phase: str, rows: int, seconds: float) -> None:
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps({"phase": phase, "rows": rows, "seconds": seconds, "peak_mb": peak_kb / 1024}),
        flush=True,
    )


async def _phase(phase: str, data: bytes, kind: str, workdir: Path) -> None:
    """One phase in this (fresh) process, on a fresh migrated database."""
    from tortoise.context import TortoiseContext, set_global_context
    from tortoise.migrations.api.migrate import migrate

    from graphql_api.settings import tortoise_config

    url, name = await fresh_database(kind, workdir)
    try:
        async with TortoiseContext():
            await migrate(config=tortoise_config(url))
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url))
            set_global_context(ctx)
            if phase == "full":
                await _full(data, workdir / "files")
            else:
                await _bare(data)
    finally:
        await drop(kind, name)


def _run_phase(phase: str, workbook: Path, kind: str, workdir: Path) -> dict:
    command = [sys.executable, "-m", "bench.import_bench", "--phase", phase]
    command += ["--workbook", str(workbook), "--db", kind, "--workdir", str(workdir)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{phase} on {kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _compare(workbook: Path, kind: str, workdir: Path, repeat: int) -> None:
    """Each phase ``repeat`` times, alternating, each run in a fresh process and database; the
    fastest run of each counts (the others were slowed by something else on the machine)."""
    runs: dict[str, list[dict]] = {"bare": [], "full": []}
    for _ in range(repeat):
        for phase in runs:
            runs[phase].append(_run_phase(phase, workbook, kind, workdir))
    bare, full = (min(runs[phase], key=lambda r: r["seconds"]) for phase in ("bare", "full"))
    label = "SQLite" if kind == SQLITE else "PostgreSQL"
    every = {phase: ", ".join(f"{r['seconds']:.1f}" for r in runs[phase]) for phase in runs}
    print(
        f"\n{label}: {full['rows']:,} rows, best of {repeat} (bare: {every['bare']} s; "
        f"full: {every['full']} s)"
    )
    print(f"{'':6} {'seconds':>9} {'rows/s':>10} {'peak MB':>9}")
    for result in (bare, full):
        rate = result["rows"] / result["seconds"]
        print(
            f"{result['phase']:6} {result['seconds']:9.2f} {rate:10,.0f} {result['peak_mb']:9.0f}"
        )
    ratio = (full["rows"] / full["seconds"]) / (bare["rows"] / bare["seconds"])
    verdict = "meets" if ratio >= 0.5 else "MISSES"
    print(f"full / bare throughput: {ratio:.2f} ({verdict} the 0.5 target)")
    if kind == SQLITE:
        memory = "meets" if full["peak_mb"] < 400 else "MISSES"
        print(f"full import peak memory {full['peak_mb']:.0f} MB ({memory} the 400 MB target)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each phase")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"),
        help="a server to also measure on ('' to skip)",
    )
    parser.add_argument("--phase", choices=["full", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--workbook", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", default=SQLITE, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        asyncio.run(_phase(args.phase, args.workbook.read_bytes(), args.db, args.workdir))
        return
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        workbook = workdir / "deposits.xlsx"
        started = time.perf_counter()
        deposits_workbook(workbook, args.rows)
        size = workbook.stat().st_size / 1024 / 1024
        print(
            f"workbook: {args.rows:,} rows, {size:.1f} MB, written in "
            f"{time.perf_counter() - started:.1f} s"
        )
        _compare(workbook, SQLITE, workdir, args.repeat)
        if args.postgres:
            _compare(workbook, args.postgres, workdir, args.repeat)


if __name__ == "__main__":
    main()
