"""批量导入, the start: an uploaded workbook becomes an import job and its record (导入记录).

The upload is checked (content, size, layout, claimed size) and refused before anything is
written; then the job's row is saved and its id enqueued, and the request returns; the same file
uploaded twice gives the first record back. The job itself runs in `runner`."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import (
    AchievementSubtype,
    ImportJob,
    ImportKind,
    Institution,
    InstitutionAchievement,
    MatchBy,
)
from resolvers.achievements.deposits import check_may_deposit
from resolvers.achievements.details import TermBook
from resolvers.catalogue.entries import usable_subtype
from resolvers.core import audit
from resolvers.core.actors import Actor, require_institution
from resolvers.core.clock import now, today
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.files import (
    MAX_FILE_SIZE,
    FileKind,
    UploadQuota,
    store_upload,
)
from resolvers.core.jobs import JobQueue
from resolvers.core.pages import paginate
from resolvers.core.storage import Storage
from resolvers.imports.catalogue import CatalogueRows
from resolvers.imports.deposits import CommunityResultRows, DepositRows
from resolvers.imports.learners import LearnerAccountRows
from resolvers.imports.rows import KindHandler
from resolvers.workbooks.layouts import FIXED_LAYOUTS, Layout
from resolvers.workbooks.reader import inspect_workbook

RECORDS_SHOWN = dt.timedelta(days=366)  # 只展示近一年的导入数据记录


@dataclass(frozen=True)
class ImportLimits:
    max_rows: int = 200_000
    chunk_rows: int = 2000
    uploads: UploadQuota = field(default_factory=UploadQuota)  # the workbook counts as an upload


@dataclass
class ImportRequest:
    """What the registrar chose in the import window, and the file."""

    kind: ImportKind
    filename: str
    data: bytes
    subtype: str | None = None  # catalogue entries: which subtype's template
    catalogue_entry_id: uuid.UUID | None = None  # deposits: which catalogue entry
    match_by: MatchBy = MatchBy.ID_NUMBER  # community results


@dataclass(frozen=True)
class ImportTarget:
    kind: ImportKind
    subtype: str = ""
    catalogue_entry_id: uuid.UUID | None = None
    match_by: MatchBy = MatchBy.ID_NUMBER

    @property
    def key(self) -> str:
        entry = self.catalogue_entry_id.hex if self.catalogue_entry_id else ""
        return f"{self.kind.value}|{self.subtype}|{entry}|{self.match_by.value}"


# -- the handler of each kind --------------------------------------------------------------------


async def handler_for(institution: Institution, target: ImportTarget) -> KindHandler:
    """The rows handler for ``target``, after checking the institution may import it."""
    terms = await TermBook.load()
    day = today()
    if target.kind == ImportKind.CATALOGUE_ENTRIES:
        problems = Problems()
        subtype = await usable_subtype(institution.id, target.subtype, problems)
        problems.raise_if_any()
        assert subtype is not None
        return CatalogueRows(subtype, institution, terms, day)
    if target.kind == ImportKind.DEPOSITS:
        entry = await InstitutionAchievement.get_or_none(
            id=target.catalogue_entry_id, institution_id=institution.id
        )
        if entry is None:
            raise DomainError.of(ErrorCode.NOT_FOUND, "机构成果不存在", "catalogueEntryId")
        await check_may_deposit(institution.id, await AchievementSubtype.get(code=entry.subtype_id))
        return DepositRows(entry, institution, terms, day)
    if target.kind == ImportKind.COMMUNITY_RESULTS:
        return CommunityResultRows(institution, terms, day, target.match_by)
    return LearnerAccountRows(terms, community=target.kind == ImportKind.COMMUNITY_ACCOUNTS)


def other_layouts(layout: Layout) -> list[Layout]:
    return [other for other in FIXED_LAYOUTS.values() if other.kind != layout.kind]


def _target_of(request: ImportRequest) -> ImportTarget:
    problems = Problems()
    if request.kind == ImportKind.CATALOGUE_ENTRIES and not (request.subtype or "").strip():
        problems.add("subtype", ErrorCode.REQUIRED, "请选择所要导入的成果子类型")
    if request.kind == ImportKind.DEPOSITS and request.catalogue_entry_id is None:
        problems.add("catalogueEntryId", ErrorCode.REQUIRED, "请选择机构成果")
    problems.raise_if_any()
    return ImportTarget(
        request.kind,
        (request.subtype or "").strip() if request.kind == ImportKind.CATALOGUE_ENTRIES else "",
        request.catalogue_entry_id if request.kind == ImportKind.DEPOSITS else None,
        request.match_by if request.kind == ImportKind.COMMUNITY_RESULTS else MatchBy.ID_NUMBER,
    )


# -- starting ------------------------------------------------------------------------------------


async def start_import(
    actor: Actor, request: ImportRequest, storage: Storage, queue: JobQueue, limits: ImportLimits
) -> tuple[ImportJob, bool]:
    """导入提交: check the file, save the job and enqueue it. Returns the job and whether this
    very file had been uploaded before for the same target (then nothing new is started)."""
    institution_id = require_institution(actor)
    if actor.id is None:
        raise DomainError.of(ErrorCode.NOT_ALLOWED, "该账户不能导入数据")
    target = _target_of(request)
    if len(request.data) > MAX_FILE_SIZE:
        raise DomainError.of(ErrorCode.TOO_LONG, "文件大小不能超过10MB", "file")
    institution = await Institution.get(id=institution_id)
    handler = await handler_for(institution, target)
    await asyncio.to_thread(
        inspect_workbook,
        request.data,
        handler.layout,
        other_layouts(handler.layout),
        max_rows=limits.max_rows,
    )
    digest = hashlib.sha256(request.data).hexdigest()
    lookup: dict[str, Any] = {
        "institution_id": institution_id,
        "target_key": target.key,
        "sha256": digest,
    }
    if (earlier := await ImportJob.get_or_none(**lookup)) is not None:
        return earlier, True
    try:
        async with in_transaction():
            file = await store_upload(
                actor, request.filename, request.data, storage, FileKind.XLSX, limits.uploads
            )
            job = await ImportJob.create(
                institution_id=institution_id,
                operator_kind=actor.kind.value,
                operator_id=actor.id,
                operator_name=actor.label[:50],
                kind=target.kind,
                subtype_code=target.subtype,
                catalogue_entry_id=target.catalogue_entry_id,
                match_by=target.match_by,
                target_key=target.key,
                file_id=file.id,
                filename=file.filename,
                sha256=digest,
            )
            await audit.record(actor, "import.start", job, after=audit.snapshot(job))
    except IntegrityError:  # the same file, uploaded twice at the same moment
        return await ImportJob.get(**lookup), True
    await queue.enqueue_import(job.id)
    return job, False


# -- records -------------------------------------------------------------------------------------


async def list_records(
    actor: Actor,
    page: int,
    page_size: int,
    kind: ImportKind | None = None,
    catalogue_entry_id: uuid.UUID | None = None,
) -> tuple[list[ImportJob], int]:
    """导入记录 of the institution for the past year, newest first."""
    institution_id = require_institution(actor)
    query = ImportJob.filter(institution_id=institution_id, created_at__gte=now() - RECORDS_SHOWN)
    if kind is not None:
        query = query.filter(kind=kind)
    if catalogue_entry_id is not None:
        query = query.filter(catalogue_entry_id=catalogue_entry_id)
    return await paginate(query, page, page_size, "-created_at")


async def get_record(actor: Actor, job_id: uuid.UUID) -> ImportJob:
    institution_id = require_institution(actor)
    job = await ImportJob.get_or_none(id=job_id, institution_id=institution_id)
    if job is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "导入记录不存在", "id")
    return job
