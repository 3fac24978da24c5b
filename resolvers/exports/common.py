"""What every export shares: the rows chosen, the code checked, the workbook written and stored.

导出 writes an institution's catalogue (成果导出), the learner achievements it deposited
(学员成果导出), its learner accounts (学员信息导出) and its conversion applications (转换申请审核
and 转换记录: 机构接收, 个人申请, 机构发起) as .xlsx files (seed 003 §2.2.1–2.2.4, §2.4, SPEC §6),
one module per kind beside this one.

"选中数据可导出所选中数据，未选中数据将导出全部数据": the selected rows, or every row matching the
list's filter when none is selected. Every export — the catalogue too, not only the files with
personal data (names, ID numbers and phones, written whole) — needs a code sent to the
exporting user's bound phone ("为保证数据安全，需要填写当前账户绑定手机号验证码进行身份验证"), so
only a person may export, never an API token; the code is used up only when the file is made.
Rows are read a batch at a time and written off the event loop into a temporary file, so an
export of ``MAX_ROWS`` rows never holds them all."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import (
    AchievementCategory,
    AchievementSubtype,
    InstitutionUser,
    StoredFile,
)
from resolvers.accounts.codes import CodePurpose, check_code, consume_code
from resolvers.core import audit
from resolvers.core.actors import Actor, ActorKind, require_institution
from resolvers.core.clock import SHANGHAI, now
from resolvers.core.errors import DomainError, ErrorCode, Problem, Problems
from resolvers.core.files import FileKind, store_generated
from resolvers.core.storage import Storage
from resolvers.workbooks.writer import RowWriter

MAX_ROWS = 100_000
MAX_SELECTED = 1_000
BATCH = 1_000

Row = dict[str, Any]
Reader = Callable[[QuerySet], AsyncIterator[list[list[Any]]]]


@dataclass(frozen=True)
class Sheet:
    """What one export writes: its sheet, its columns, the fields it reads, the audit action and
    what one row is called (in "…不存在")."""

    title: str
    columns: tuple[tuple[str, int], ...]  # header, width
    fields: tuple[str, ...]
    action: str
    row_name: str

    @property
    def headers(self) -> list[str]:
        return [header for header, _ in self.columns]

    @property
    def widths(self) -> list[int]:
        return [width for _, width in self.columns]


# -- reading -------------------------------------------------------------------------------------


def shown(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored time as people read it: Asia/Shanghai, without a zone (Excel has none)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(SHANGHAI).replace(tzinfo=None)


def label(enum: Any, value: Any) -> str:
    return enum(value).label if value is not None else ""


async def keyset_batches(query: QuerySet, fields: Sequence[str]) -> AsyncIterator[list[Row]]:
    """The rows of ``query`` newest first, as the lists show them, ``BATCH`` at a time: keyset
    pages on (created_at, id), so no row is read twice or skipped while others are added."""
    last: Row | None = None
    read = 0
    while read < MAX_ROWS:
        page = query
        if last is not None:
            page = page.filter(
                Q(created_at__lt=last["created_at"])
                | Q(created_at=last["created_at"], id__gt=last["id"])
            )
        limit = min(BATCH, MAX_ROWS - read)
        rows = (
            await page.order_by("-created_at", "id")
            .limit(limit)
            .values("id", "created_at", *fields)
        )
        if rows:
            yield rows
        if len(rows) < limit:
            return
        read += len(rows)
        last = rows[-1]


async def type_labels() -> tuple[dict[str, str], dict[str, str]]:
    categories = dict(await AchievementCategory.all().values_list("code", "label"))
    subtypes = dict(await AchievementSubtype.all().values_list("code", "label"))
    return categories, subtypes


# -- choosing the rows ---------------------------------------------------------------------------


def _in_filter(build: Callable[[], QuerySet]) -> QuerySet:
    """The filtered query; a problem with a filter value is reported under ``filter.``."""
    try:
        return build()
    except DomainError as error:
        raise DomainError(
            [
                Problem(f"filter.{p.field}" if p.field else None, p.code, p.message)
                for p in error.problems
            ]
        ) from None


async def _chosen(
    scope: QuerySet, ids: list[uuid.UUID] | None, filtered: Callable[[], QuerySet], what: str
) -> QuerySet:
    """The selected rows of ``scope`` (each must be there), or else the filtered ones: at least
    one row and at most ``MAX_ROWS``."""
    if ids:
        unique = list(dict.fromkeys(ids))
        if len(unique) > MAX_SELECTED:
            raise DomainError.of(
                ErrorCode.TOO_LONG, f"一次最多选择{MAX_SELECTED}条，更多数据请按筛选条件导出", "ids"
            )
        found = {
            str(value) for value in await scope.filter(id__in=unique).values_list("id", flat=True)
        }
        problems = Problems()
        for index, row_id in enumerate(ids):
            if str(row_id) not in found:
                problems.add(f"ids.{index}", ErrorCode.NOT_FOUND, f"{what}不存在")
        problems.raise_if_any()
        return scope.filter(id__in=unique)
    query = _in_filter(filtered)
    count = await query.count()
    if count == 0:
        raise DomainError.of(ErrorCode.NOT_FOUND, "没有符合条件的数据可导出")
    if count > MAX_ROWS:
        raise DomainError.of(
            ErrorCode.TOO_LONG,
            f"共{count}条数据，一次最多导出{MAX_ROWS}条，请缩小筛选范围后分批导出",
            "filter",
        )
    return query


async def _export_code(actor: Actor, code: str | None) -> uuid.UUID:
    """The checked (not yet used) code sent to the exporting user's bound phone."""
    if not (code or "").strip():
        raise DomainError.of(ErrorCode.REQUIRED, "请输入手机验证码", "code")
    user = await InstitutionUser.get_or_none(id=actor.id)
    if user is None or not user.phone:
        raise DomainError.of(ErrorCode.WRONG_STATE, "账户未绑定手机号，不能导出", "code")
    return await check_code(user.phone, CodePurpose.EXPORT, code or "")


def exporting_institution(actor: Actor) -> uuid.UUID:
    """The institution of the person exporting; an API token has no bound phone to receive a
    code, so it may not export at all."""
    institution_id = require_institution(actor)
    if actor.kind != ActorKind.INSTITUTION_USER:
        raise DomainError.of(
            ErrorCode.NOT_ALLOWED,
            "接口令牌没有绑定手机号，无法凭验证码验证身份，不能导出；请机构用户登录后凭手机验证码导出",
        )
    return institution_id


# -- writing -------------------------------------------------------------------------------------


async def _write(sheet: Sheet, batches: AsyncIterator[list[list[Any]]], path: Path) -> int:
    """Stream the batches into ``path``: read on the event loop, written in a worker thread."""
    writer = RowWriter(sheet.title, sheet.headers, sheet.widths)
    async for rows in batches:
        await asyncio.to_thread(writer.extend, rows)
    await asyncio.to_thread(writer.save, str(path))
    return writer.rows


def _temporary_file() -> Path:
    handle, name = tempfile.mkstemp(prefix="export-", suffix=".xlsx")
    os.close(handle)
    return Path(name)


async def _store(
    actor: Actor,
    sheet: Sheet,
    batches: AsyncIterator[list[list[Any]]],
    storage: Storage,
    summary: dict[str, Any],
    code_id: uuid.UUID,
) -> StoredFile:
    path = await asyncio.to_thread(_temporary_file)
    file: StoredFile | None = None
    try:
        rows = await _write(sheet, batches, path)
        stamp = now().astimezone(SHANGHAI).strftime("%Y%m%d%H%M%S")
        async with in_transaction():
            await consume_code(code_id)
            file = await store_generated(
                actor, f"{sheet.title}-{stamp}.xlsx", path, storage, FileKind.XLSX
            )
            await audit.record(actor, sheet.action, file, after={"rows": rows, **summary})
    except BaseException:
        if file is not None:  # stored, then the transaction failed
            await storage.delete(file.storage_key)
        raise
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)
    return file


def _summary(ids: list[uuid.UUID] | None, filters: Any) -> dict[str, Any]:
    if ids:
        return {"selected": len(set(ids))}
    chosen = {key: value for key, value in asdict(filters).items() if value not in (None, "")}
    return {"filter": {key: getattr(value, "value", value) for key, value in chosen.items()}}


async def export(
    actor: Actor,
    sheet: Sheet,
    read: Reader,
    *,
    scope: QuerySet,
    filtered: Callable[[], QuerySet],
    ids: list[uuid.UUID] | None,
    filters: Any,
    code: str | None,
    storage: Storage,
    summary: dict[str, Any] | None = None,
) -> StoredFile:
    """Every export: the selected rows of ``scope`` or the filtered ones, then the code checked,
    then the rows written, the file stored with its audit entry and the code used up."""
    query = await _chosen(scope, ids, filtered, sheet.row_name)
    code_id = await _export_code(actor, code)
    summary = {**(summary or {}), **_summary(ids, filters)}
    return await _store(actor, sheet, read(query), storage, summary, code_id)
