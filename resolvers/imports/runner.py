"""批量导入, the run: the job of an uploaded workbook (导入记录), started in `start`.

The job checks every row, writes the good ones in chunks (each chunk one transaction, a learner's
rows never split, the learner's message in the same transaction), and at the end stores the
imported and refused rows as two workbooks. Rows carry the job's id, so a job that died half-way
is run again to completion without writing anything twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import io
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from models import (
    AchievementSubtype,
    ImportJob,
    ImportKind,
    ImportStatus,
    Institution,
    StoredFile,
)
from resolvers.core import audit
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import now
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.files import (
    store_generated,
)
from resolvers.core.jobs import JobQueue
from resolvers.core.storage import Storage
from resolvers.imports.rows import CheckedRow, KindHandler, mark_duplicates
from resolvers.imports.start import (
    ImportLimits,
    ImportTarget,
    get_record,
    handler_for,
    other_layouts,
)
from resolvers.messages import notify, to_institution
from resolvers.workbooks.layouts import FIXED_LAYOUTS, Layout, catalogue_layout
from resolvers.workbooks.reader import read_rows
from resolvers.workbooks.writer import number_format, write_rows

log = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=2)  # a running job silent this long is taken to have died
REASON_HEADER = "未导入原因"
RECORDS_LINK = "/imports/{id}"
_RETRIES = 3
_ANY_ROWS = 10_000_000  # a file already accepted is read again whatever the limit is now


# -- running -------------------------------------------------------------------------------------


async def _claim(job_id: uuid.UUID, force: bool) -> ImportJob | None:
    """Take the job if it waits, or if it was running and fell silent (its runner died)."""
    moment = now()
    waiting = Q(status=ImportStatus.QUEUED) | Q(
        status=ImportStatus.RUNNING, heartbeat_at__lt=moment - STALE_AFTER
    )
    if force:
        waiting |= Q(status=ImportStatus.RUNNING)
    taken = await ImportJob.filter(Q(id=job_id) & waiting).update(
        status=ImportStatus.RUNNING,
        heartbeat_at=moment,
        attempts=F("attempts") + 1,
    )
    if not taken:
        return None
    job = await ImportJob.get(id=job_id)
    if job.started_at is None:
        job.started_at = moment
        await job.save(update_fields=["started_at"])
    return job


def _operator(job: ImportJob) -> Actor:
    return Actor(
        ActorKind(job.operator_kind),
        id=job.operator_id,
        label=job.operator_name,
        institution_id=job.institution_id,
        institution_approved=True,
    )


def _chunks(rows: list[CheckedRow], size: int) -> list[list[CheckedRow]]:
    """Good rows in chunks of about ``size``, never splitting the rows of one group."""
    groups: dict[object, list[CheckedRow]] = {}
    for row in rows:
        groups.setdefault(row.group if row.group is not None else row.number, []).append(row)
    chunks: list[list[CheckedRow]] = []
    current: list[CheckedRow] = []
    for members in groups.values():
        if current and len(current) + len(members) > size:
            chunks.append(current)
            current = []
        current.extend(members)
    if current:
        chunks.append(current)
    return chunks


async def _write_chunk(
    handler: KindHandler, job: ImportJob, chunk: list[CheckedRow], processed: int
) -> tuple[list[CheckedRow], list[CheckedRow]]:
    for attempt in range(_RETRIES):
        for row in chunk:
            row.problems = Problems()
        try:
            async with in_transaction():
                outcome = await handler.write(chunk, job)
                await ImportJob.filter(id=job.id).update(
                    processed_rows=processed + len(chunk), heartbeat_at=now()
                )
            return outcome.imported, outcome.refused
        except IntegrityError:  # a concurrent single deposit took a row: check again
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


ChunkHook = Callable[[int], Awaitable[None]]


async def run_import(
    job_id: uuid.UUID,
    storage: Storage,
    limits: ImportLimits,
    *,
    force: bool = False,
    after_chunk: ChunkHook | None = None,
) -> ImportJob | None:
    """Run (or finish) one import job; None when someone else is running it or it is done."""
    job = await _claim(job_id, force)
    if job is None:
        return None
    institution = await Institution.get(id=job.institution_id)
    target = ImportTarget(job.kind, job.subtype_code, job.catalogue_entry_id, job.match_by)
    try:
        handler = await handler_for(institution, target)
        upload = await StoredFile.get(id=job.file_id)
        data = await storage.open(upload.storage_key)
        sheet = await asyncio.to_thread(
            read_rows,
            data,
            handler.layout,
            other_layouts(handler.layout),
            max_rows=limits.max_rows,
        )
    except DomainError as error:
        return await _fail(job, error)
    checked = await asyncio.to_thread(lambda: [handler.check(row) for row in sheet])
    mark_duplicates(checked, handler.duplicate_label)
    await ImportJob.filter(id=job.id).update(
        total_rows=len(checked), processed_rows=0, heartbeat_at=now()
    )
    imported: list[CheckedRow] = []
    refused = [row for row in checked if row.refused]
    processed = len(refused)
    # The checked rows live until the import ends: frozen, the garbage collector stops walking
    # them again and again while the chunks are written.
    gc.freeze()
    try:
        chunks = _chunks([row for row in checked if not row.refused], limits.chunk_rows)
        for index, chunk in enumerate(chunks):
            done, bad = await _write_chunk(handler, job, chunk, processed)
            imported += done
            refused += bad
            processed += len(chunk)
            if after_chunk is not None:
                await after_chunk(index)
    finally:
        gc.unfreeze()
    return await _finish(job, handler.layout, imported, refused, storage)


async def _fail(job: ImportJob, error: DomainError) -> ImportJob:
    message = "；".join(problem.message for problem in error.problems)[:500]
    async with in_transaction():
        await ImportJob.filter(id=job.id).update(
            status=ImportStatus.FAILED, failure=message, finished_at=now()
        )
        await notify(
            to_institution(
                job.institution_id,
                "import.failed",
                "导入失败",
                f"文件“{job.filename}”未能导入：{message}",
                RECORDS_LINK.format(id=job.id),
                job.id,
            )
        )
    return await ImportJob.get(id=job.id)


def _workbook(layout: Layout, rows: Iterable[Sequence[Any]], with_reason: bool) -> bytes:
    headers = layout.headers + ([REASON_HEADER] if with_reason else [])
    formats = [number_format(column) for column in layout.columns]
    buffer = io.BytesIO()
    write_rows(buffer, layout.title, headers, rows, formats=formats)
    return buffer.getvalue()


def _stem(job: ImportJob) -> str:
    return job.filename.rsplit(".", 1)[0][:80]


async def _finish(
    job: ImportJob,
    layout: Layout,
    imported: list[CheckedRow],
    refused: list[CheckedRow],
    storage: Storage,
) -> ImportJob:
    """Store the refused rows with their reasons and close the job. The imported rows are the
    upload without the refused ones: their workbook is made when first asked for."""
    refused.sort(key=lambda row: row.number)
    refused_book = await asyncio.to_thread(
        _workbook, layout, ([*row.cells, row.reason] for row in refused), True
    )
    operator = _operator(job)
    summary = f"成功导入符合要求数据{len(imported)}条；未导入不符合要求数据{len(refused)}条"
    async with in_transaction():
        refused_file = await store_generated(
            operator, f"{_stem(job)}-未导入.xlsx", refused_book, storage, for_institution=True
        )
        await ImportJob.filter(id=job.id, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FINISHED,
            processed_rows=len(imported) + len(refused),
            imported_count=len(imported),
            refused_count=len(refused),
            refused_file_id=refused_file.id,
            refused_rows=[row.number for row in refused],
            finished_at=now(),
        )
        await notify(
            to_institution(
                job.institution_id,
                "import.finished",
                "导入完成",
                f"文件“{job.filename}”导入完成：{summary}。",
                RECORDS_LINK.format(id=job.id),
                job.id,
            )
        )
        await audit.record(
            operator,
            "import.finish",
            job,
            after={"imported": len(imported), "refused": len(refused)},
        )
    return await ImportJob.get(id=job.id)


async def _layout_of(job: ImportJob) -> Layout:
    if job.kind != ImportKind.CATALOGUE_ENTRIES:
        return FIXED_LAYOUTS[job.kind]
    subtype = await AchievementSubtype.get(code=job.subtype_code)
    return catalogue_layout(subtype.detail_schema, subtype.label)


async def imported_rows_file(actor: Actor, job_id: uuid.UUID, storage: Storage) -> StoredFile:
    """成功导入的数据: the uploaded rows that were imported, as a workbook, made on first request
    (for a large import that takes seconds, and few ever ask) and kept."""
    job = await get_record(actor, job_id)
    if job.status != ImportStatus.FINISHED:
        raise DomainError.of(ErrorCode.WRONG_STATE, "导入尚未完成", "id")
    if job.imported_file_id is None:
        layout = await _layout_of(job)
        upload = await StoredFile.get(id=job.file_id)
        data = await storage.open(upload.storage_key)
        refused = set(job.refused_rows)

        def build() -> bytes:
            rows = read_rows(data, layout, [], max_rows=_ANY_ROWS)
            return _workbook(layout, (r.cells for r in rows if r.number not in refused), False)

        book = await asyncio.to_thread(build)
        async with in_transaction():
            made = await store_generated(
                _operator(job), f"{_stem(job)}-成功导入.xlsx", book, storage, for_institution=True
            )
            await ImportJob.filter(id=job.id, imported_file_id=None).update(
                imported_file_id=made.id
            )
        job = await ImportJob.get(id=job.id)
        if job.imported_file_id != made.id:  # someone else made it at the same time
            await StoredFile.filter(id=made.id).delete()
            await storage.delete(made.storage_key)
    return await StoredFile.get(id=job.imported_file_id)


# -- resuming ------------------------------------------------------------------------------------


async def resume_stale_imports(queue: JobQueue) -> int:
    """Enqueue again every job that waits too long or whose runner fell silent (after a crash
    or a restart). Claiming is atomic, so a job enqueued twice still runs once."""
    cutoff = now() - STALE_AFTER
    ids = await ImportJob.filter(
        Q(status=ImportStatus.RUNNING, heartbeat_at__lt=cutoff)
        | Q(status=ImportStatus.QUEUED, created_at__lt=cutoff)
    ).values_list("id", flat=True)
    for job_id in ids:
        await queue.enqueue_import(uuid.UUID(str(job_id)))
    return len(ids)
