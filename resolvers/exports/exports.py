"""导出: an institution's catalogue (成果导出), the learner achievements it deposited
(学员成果导出), its learner accounts (学员信息导出) and its conversion applications (转换申请审核
and 转换记录: 机构接收, 个人申请, 机构发起) as .xlsx files (seed 003 §2.2.1–2.2.4, §2.4, SPEC §6).

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
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import (
    AchievementCategory,
    AchievementStatus,
    AchievementSubtype,
    ApplicationStatus,
    ConversionApplicationSource,
    ConversionBatch,
    ConversionRuleSource,
    ConversionRuleTarget,
    IdType,
    Initiator,
    Institution,
    InstitutionAchievement,
    InstitutionUser,
    LearnerAchievement,
    LearnerStatus,
    RecognitionStatus,
    StoredFile,
    TargetKind,
)
from resolvers.accounts.codes import CodePurpose, check_code, consume_code
from resolvers.accounts.learner_accounts import kept_by, learner_accounts_query
from resolvers.achievements.deposits import DepositFilter, deposits_query
from resolvers.catalogue.entries import EntryFilter, entries_query
from resolvers.conversion.records import ApplicationFilter, RecordScope, institution_query
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


@dataclass
class LearnerAccountFilter:
    """The filters of 学员信息 (入库年份, 学员姓名, 身份证号)."""

    year: int | None = None
    name: str | None = None
    id_number: str | None = None


@dataclass(frozen=True)
class _Sheet:
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


CATALOGUE = _Sheet(
    "机构成果",
    (
        ("成果名称", 36),
        ("成果类型", 14),
        ("成果子类型", 26),
        ("颁证机构", 26),
        ("认定状态", 10),
        ("学分", 8),
        ("获证学员数量", 14),
        ("入库时间（北京时间）", 24),
    ),
    ("name", "category_id", "subtype_id", "issuer_name", "recognition_status", "credits"),
    "catalogue_entry.export",
    "机构成果",
)
DEPOSITS = _Sheet(
    "学员成果",
    (
        ("成果名称", 36),
        ("成果类型", 14),
        ("成果子类型", 26),
        ("学员姓名", 12),
        ("证件类型", 14),
        ("身份证号", 22),
        ("手机号码", 14),
        ("个人成果编号", 22),
        ("颁证日期", 12),
        ("成果状态", 10),
        ("学分", 8),
        ("入库时间（北京时间）", 24),
    ),
    (
        "name",
        "category_id",
        "subtype_id",
        "learner__name",
        "learner__id_type",
        "learner__id_number",
        "learner__phone",
        "certificate_number",
        "issue_date",
        "status",
        "credits",
    ),
    "learner_achievement.export",
    "学员成果",
)
LEARNER_ACCOUNTS = _Sheet(
    "学员信息",
    (
        ("学员姓名", 12),
        ("证件类型", 14),
        ("身份证号", 22),
        ("手机号码", 14),
        ("账户状态", 10),
        ("学银卡号", 20),
        ("入库时间（北京时间）", 24),
    ),
    ("name", "id_type", "id_number", "phone", "status", "card_number"),
    "learner.export",
    "学员",
)
CONVERSION_APPLICATIONS = _Sheet(
    "转换申请",
    (
        ("规则编码", 14),
        ("学员姓名", 12),
        ("证件类型", 14),
        ("身份证号", 22),
        ("源成果", 50),
        ("目标成果", 50),
        ("转换发起人", 24),
        ("批次", 36),
        ("申请时间（北京时间）", 24),
        ("转换状态", 10),
        ("审核时间（北京时间）", 24),
        ("不通过原因", 30),
    ),
    (
        "rule_code",
        "rule_id",
        "learner__name",
        "learner__id_type",
        "learner__id_number",
        "initiator",
        "initiating_institution_id",
        "batch_id",
        "status",
        "decided_at",
        "failure_reason",
    ),
    "conversion_application.export",
    "转换申请",
)


# -- reading -------------------------------------------------------------------------------------


def _shown(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored time as people read it: Asia/Shanghai, without a zone (Excel has none)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(SHANGHAI).replace(tzinfo=None)


def _label(enum: Any, value: Any) -> str:
    return enum(value).label if value is not None else ""


async def _batches(query: QuerySet, fields: Sequence[str]) -> AsyncIterator[list[Row]]:
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


async def _labels() -> tuple[dict[str, str], dict[str, str]]:
    categories = dict(await AchievementCategory.all().values_list("code", "label"))
    subtypes = dict(await AchievementSubtype.all().values_list("code", "label"))
    return categories, subtypes


async def _catalogue_rows(query: QuerySet) -> AsyncIterator[list[list[Any]]]:
    categories, subtypes = await _labels()
    async for rows in _batches(query, CATALOGUE.fields):
        counted = (
            await LearnerAchievement.filter(catalogue_entry_id__in=[row["id"] for row in rows])
            .exclude(status__in=[AchievementStatus.WITHDRAWN, AchievementStatus.REFUSED])
            .group_by("catalogue_entry_id")
            .annotate(holders=Count("id"))
            .values_list("catalogue_entry_id", "holders")
        )  # 获证学员数量, as the list counts them
        holders = {str(entry_id): count for entry_id, count in counted}
        yield [
            [
                row["name"],
                categories.get(row["category_id"], row["category_id"]),
                subtypes.get(row["subtype_id"], row["subtype_id"]),
                row["issuer_name"],
                _label(RecognitionStatus, row["recognition_status"]),
                row["credits"],
                holders.get(str(row["id"]), 0),
                _shown(row["created_at"]),
            ]
            for row in rows
        ]


async def _deposit_rows(query: QuerySet) -> AsyncIterator[list[list[Any]]]:
    categories, subtypes = await _labels()
    async for rows in _batches(query, DEPOSITS.fields):
        yield [
            [
                row["name"],
                categories.get(row["category_id"], row["category_id"]),
                subtypes.get(row["subtype_id"], row["subtype_id"]),
                row["learner__name"],
                _label(IdType, row["learner__id_type"]),
                row["learner__id_number"],
                row["learner__phone"],
                row["certificate_number"],
                row["issue_date"],
                _label(AchievementStatus, row["status"]),
                row["credits"],
                _shown(row["created_at"]),
            ]
            for row in rows
        ]


async def _learner_rows(query: QuerySet) -> AsyncIterator[list[list[Any]]]:
    async for rows in _batches(query, LEARNER_ACCOUNTS.fields):
        yield [
            [
                row["name"],
                _label(IdType, row["id_type"]),
                row["id_number"],
                row["phone"],
                _label(LearnerStatus, row["status"]),
                row["card_number"],
                _shown(row["created_at"]),
            ]
            for row in rows
        ]


# -- conversion applications ---------------------------------------------------------------------


def _credits_text(value: Any) -> str:
    """A module's credits as the rules show them: 2, 2.5."""
    try:
        return f"{Decimal(str(value)).normalize():f}"
    except InvalidOperation:
        return str(value)


def _target_text(target: Row) -> str:
    """One 目标成果: its name, and for a non-academic target its 免考模块 with their credits."""
    name = target["catalogue_entry__name"]
    modules = target["exempt_modules"] or []
    if TargetKind(target["kind"]) != TargetKind.NON_ACADEMIC or not modules:
        return name
    listed = "、".join(
        f"{module.get('name', '')} {_credits_text(module.get('credits', ''))}学分"
        for module in modules
    )
    return f"{name}（免考模块：{listed}）"


def _source_text(link: Row) -> str:
    """One 源成果 as the list shows it: name, 个人成果编号 and 颁证日期."""
    issued = link["learner_achievement__issue_date"]
    day = issued.isoformat() if isinstance(issued, dt.date) else str(issued or "")
    return (
        f"{link['learner_achievement__name']}"
        f"（个人成果编号 {link['learner_achievement__certificate_number']}，颁证日期 {day}）"
    )


def _unknown(known: dict[str, Any], rows: list[Row], key: str) -> set[str]:
    return {str(row[key]) for row in rows if row[key] is not None} - known.keys()


class _ConversionTexts:
    """What the rows of a conversion export name by id — a rule's targets and the order of its
    sources, an applying institution, a batch — each id read once per export (they repeat from
    row to row), so a batch of rows costs at most one query of each kind."""

    def __init__(self) -> None:
        self.targets: dict[str, str] = {}  # rule id → 目标成果
        self.source_order: dict[str, dict[str, int]] = {}  # rule id → catalogue entry id → sort
        self.institutions: dict[str, str] = {}
        self.batches: dict[str, str] = {}

    async def read(self, rows: list[Row]) -> dict[str, str]:
        """Learn the ids of ``rows``; the 源成果 text of each row by application id."""
        rule_ids = _unknown(self.targets, rows, "rule_id")
        if rule_ids:
            await self._read_rules(rule_ids)
        institution_ids = _unknown(self.institutions, rows, "initiating_institution_id")
        if institution_ids:
            found = Institution.filter(id__in=institution_ids).values_list("id", "name")
            self.institutions.update(dict.fromkeys(institution_ids, ""))
            self.institutions.update({str(key): name for key, name in await found})
        batch_ids = _unknown(self.batches, rows, "batch_id")
        if batch_ids:
            found = ConversionBatch.filter(id__in=batch_ids).values_list("id", "name")
            self.batches.update(dict.fromkeys(batch_ids, ""))
            self.batches.update({str(key): name for key, name in await found})
        return await self._sources(rows)

    async def _read_rules(self, rule_ids: set[str]) -> None:
        texts: dict[str, list[str]] = {rule_id: [] for rule_id in rule_ids}
        targets = (
            await ConversionRuleTarget.filter(rule_id__in=rule_ids)
            .order_by("sort", "id")
            .values("rule_id", "kind", "exempt_modules", "catalogue_entry__name")
        )
        for target in targets:
            texts[str(target["rule_id"])].append(_target_text(target))
        self.targets.update({rule_id: "；".join(names) for rule_id, names in texts.items()})
        sources = await ConversionRuleSource.filter(rule_id__in=rule_ids).values_list(
            "rule_id", "catalogue_entry_id", "sort"
        )
        for rule_id, entry_id, sort in sources:
            self.source_order.setdefault(str(rule_id), {})[str(entry_id)] = sort

    async def _sources(self, rows: list[Row]) -> dict[str, str]:
        """Each application's sources in its rule's order, as one text."""
        rule_of = {str(row["id"]): str(row["rule_id"]) for row in rows}
        links = await ConversionApplicationSource.filter(application_id__in=list(rule_of)).values(
            "application_id",
            "learner_achievement__catalogue_entry_id",
            "learner_achievement__name",
            "learner_achievement__certificate_number",
            "learner_achievement__issue_date",
        )
        grouped: dict[str, list[Row]] = {}
        for link in links:
            grouped.setdefault(str(link["application_id"]), []).append(link)
        texts: dict[str, str] = {}
        for application_id, held in grouped.items():
            order = self.source_order.get(rule_of[application_id], {})
            held.sort(
                key=lambda link: (
                    order.get(str(link["learner_achievement__catalogue_entry_id"]), len(order)),
                    link["learner_achievement__name"],
                    link["learner_achievement__certificate_number"],
                )
            )
            texts[application_id] = "；".join(_source_text(link) for link in held)
        return texts

    def initiator(self, row: Row) -> str:
        """转换发起人: 个人, or the applying institution's name."""
        institution_id = row["initiating_institution_id"]
        if institution_id is not None and self.institutions.get(str(institution_id)):
            return self.institutions[str(institution_id)]
        return _label(Initiator, row["initiator"])


async def _conversion_rows(query: QuerySet) -> AsyncIterator[list[list[Any]]]:
    texts = _ConversionTexts()
    async for rows in _batches(query, CONVERSION_APPLICATIONS.fields):
        sources = await texts.read(rows)
        yield [
            [
                row["rule_code"],
                row["learner__name"],
                _label(IdType, row["learner__id_type"]),
                row["learner__id_number"],
                sources.get(str(row["id"])) or None,
                texts.targets.get(str(row["rule_id"])) or None,
                texts.initiator(row),
                texts.batches.get(str(row["batch_id"])) or None,
                _shown(row["created_at"]),
                _label(ApplicationStatus, row["status"]),
                _shown(row["decided_at"]),
                row["failure_reason"] or None,
            ]
            for row in rows
        ]


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


def _person(actor: Actor) -> uuid.UUID:
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


async def _write(sheet: _Sheet, batches: AsyncIterator[list[list[Any]]], path: Path) -> int:
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
    sheet: _Sheet,
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


async def _export(
    actor: Actor,
    sheet: _Sheet,
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


# -- the exports ---------------------------------------------------------------------------------


async def export_catalogue(
    actor: Actor,
    ids: list[uuid.UUID] | None,
    filters: EntryFilter,
    code: str | None,
    storage: Storage,
) -> StoredFile:
    """成果导出: the institution's catalogue entries, selected or filtered; no personal data, but
    the manual asks for a code of purpose EXPORT all the same (seed 003 §2.2.1)."""
    institution_id = _person(actor)
    return await _export(
        actor,
        CATALOGUE,
        _catalogue_rows,
        scope=InstitutionAchievement.filter(institution_id=institution_id),
        filtered=lambda: entries_query(actor, filters),
        ids=ids,
        filters=filters,
        code=code,
        storage=storage,
    )


async def export_deposits(
    actor: Actor,
    ids: list[uuid.UUID] | None,
    filters: DepositFilter,
    code: str | None,
    storage: Storage,
) -> StoredFile:
    """学员成果导出: learner achievements the institution deposited, with the learners' names,
    ID numbers and phones whole; needs a code of purpose EXPORT."""
    _person(actor)
    return await _export(
        actor,
        DEPOSITS,
        _deposit_rows,
        scope=deposits_query(actor, DepositFilter()),
        filtered=lambda: deposits_query(actor, filters),
        ids=ids,
        filters=filters,
        code=code,
        storage=storage,
    )


async def export_learner_accounts(
    actor: Actor,
    ids: list[uuid.UUID] | None,
    filters: LearnerAccountFilter,
    code: str | None,
    storage: Storage,
) -> StoredFile:
    """学员信息导出: the learner accounts the institution keeps, with names, ID numbers and phones
    whole; needs a code of purpose EXPORT."""
    institution_id = _person(actor)
    return await _export(
        actor,
        LEARNER_ACCOUNTS,
        _learner_rows,
        scope=kept_by(institution_id),
        filtered=lambda: learner_accounts_query(
            actor, filters.year, filters.name, filters.id_number
        ),
        ids=ids,
        filters=filters,
        code=code,
        storage=storage,
    )


async def export_conversion_applications(
    actor: Actor,
    scope: RecordScope,
    ids: list[uuid.UUID] | None,
    filters: ApplicationFilter,
    code: str | None,
    storage: Storage,
) -> StoredFile:
    """转换申请导出 (seed 003 §2.4.1–2.4.2): the applications of one of the institution's lists —
    机构接收, 个人申请 (pending personal ones) or 机构发起 — selected or filtered, with the
    learners' ID numbers whole; needs a code of purpose EXPORT."""
    _person(actor)
    return await _export(
        actor,
        CONVERSION_APPLICATIONS,
        _conversion_rows,
        scope=institution_query(actor, scope, ApplicationFilter()),
        filtered=lambda: institution_query(actor, scope, filters),
        ids=ids,
        filters=filters,
        code=code,
        storage=storage,
        summary={"scope": scope.value},
    )
