"""转换申请导出: an institution's conversion applications (转换申请审核 and 转换记录: 机构接收,
个人申请, 机构发起) as an .xlsx file (seed 003 §2.4)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal, InvalidOperation
from typing import Any

from tortoise.queryset import QuerySet

from models import (
    ApplicationStatus,
    ConversionApplicationSource,
    ConversionBatch,
    ConversionRuleSource,
    ConversionRuleTarget,
    IdType,
    Initiator,
    Institution,
    StoredFile,
    TargetKind,
)
from resolvers.conversion.records import ApplicationFilter, RecordScope, institution_query
from resolvers.core.actors import Actor
from resolvers.core.storage import Storage
from resolvers.exports.common import (
    Row,
    Sheet,
    export,
    exporting_institution,
    keyset_batches,
    label,
    shown,
)

CONVERSION_APPLICATIONS = Sheet(
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
        return label(Initiator, row["initiator"])


async def _conversion_rows(query: QuerySet) -> AsyncIterator[list[list[Any]]]:
    texts = _ConversionTexts()
    async for rows in keyset_batches(query, CONVERSION_APPLICATIONS.fields):
        sources = await texts.read(rows)
        yield [
            [
                row["rule_code"],
                row["learner__name"],
                label(IdType, row["learner__id_type"]),
                row["learner__id_number"],
                sources.get(str(row["id"])) or None,
                texts.targets.get(str(row["rule_id"])) or None,
                texts.initiator(row),
                texts.batches.get(str(row["batch_id"])) or None,
                shown(row["created_at"]),
                label(ApplicationStatus, row["status"]),
                shown(row["decided_at"]),
                row["failure_reason"] or None,
            ]
            for row in rows
        ]


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
    exporting_institution(actor)
    return await export(
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
