"""An institution's catalogue (机构成果): entries per subtype, immutable once saved, submitted
for recognition (认定, in recognition) and listed; the public catalogue of recognised entries
(seed 003 §2.2.1, SPEC §3). Restricted subtypes' authorisations are in authorisations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import (
    AchievementSubtype,
    DetailSchema,
    Institution,
    InstitutionAchievement,
    RecognitionStatus,
    SubtypeAuthorisation,
)
from resolvers.achievements.details import TermBook, identity_key, validate_details

# ``X as X``: recognition and authorisations, named here too for graphql_api/catalogue, which
# calls the catalogue's use-cases through this module (issue 12).
from resolvers.catalogue.authorisations import authorise_subtype as authorise_subtype
from resolvers.catalogue.authorisations import list_authorisations as list_authorisations
from resolvers.catalogue.authorisations import (
    revoke_subtype_authorisation as revoke_subtype_authorisation,
)
from resolvers.catalogue.recognition import recognise_entry as recognise_entry
from resolvers.catalogue.recognition import recognition_queue as recognition_queue
from resolvers.catalogue.recognition import refuse_entry as refuse_entry
from resolvers.core import audit
from resolvers.core.actors import Actor, require_institution
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker

MAX_BATCH = 100


class DetailsSource(Protocol):
    """Typed subtype fields that can give themselves as a plain dict once the schema is known
    (the GraphQL oneOf input does; a workbook row reader can)."""

    def to_domain(self, expected: DetailSchema, field: str = "details") -> dict[str, Any]: ...


@dataclass
class EntryInput:
    """A new catalogue entry (存储新成果)."""

    subtype: str
    name: str
    introduction: str
    details: DetailsSource | dict[str, Any]
    issuer_name: str | None = None  # 颁证机构; the institution's own name when omitted


# -- creating ------------------------------------------------------------------------------------


async def usable_subtype(
    institution_id: uuid.UUID, code: str, problems: Problems
) -> AchievementSubtype | None:
    """The subtype if this institution may deposit it by hand, else None with the reason."""
    subtype = await AchievementSubtype.get_or_none(code=code.strip())
    if subtype is None or not subtype.active:
        problems.add("subtype", ErrorCode.INVALID, "成果子类型不存在或已停用")
        return None
    if subtype.synced_only:
        problems.add(
            "subtype",
            ErrorCode.NOT_ALLOWED,
            f"{subtype.label}由证书平台定期同步，不能手工存储",
        )
        return None
    if subtype.restricted and not await SubtypeAuthorisation.exists(
        institution_id=institution_id, subtype_id=subtype.code
    ):
        problems.add(
            "subtype",
            ErrorCode.NOT_ALLOWED,
            f"存储{subtype.label}需要学分银行授权，请联系学分银行工作人员",
        )
        return None
    return subtype


def _details_values(
    source: DetailsSource | dict[str, Any], schema: DetailSchema, problems: Problems
) -> dict[str, Any] | None:
    if isinstance(source, dict):
        return source
    try:
        return source.to_domain(schema, "details")
    except DomainError as error:
        problems.items.extend(error.problems)
        return None


async def create_entry(actor: Actor, data: EntryInput) -> InstitutionAchievement:
    """Save a catalogue entry of the actor's institution; it starts unrecognised (未认定)."""
    institution_id = require_institution(actor)
    checker = FieldChecker()
    name = checker.text("name", data.name, max_length=100)
    issuer = checker.text("issuerName", data.issuer_name, max_length=100, required=False)
    introduction = checker.text("introduction", data.introduction, max_length=2000)
    problems = checker.problems
    subtype = await usable_subtype(institution_id, data.subtype, problems)
    details: dict[str, Any] = {}
    if subtype is not None:
        values = _details_values(data.details, subtype.detail_schema, problems)
        if values is not None:
            details = validate_details(
                subtype.detail_schema, values, await TermBook.load(), problems
            )
    problems.raise_if_any()
    assert subtype is not None
    key = identity_key(subtype.detail_schema, details)
    async with in_transaction():
        # One institution's saves queue here, so two identical requests cannot both pass.
        institution = await Institution.select_for_update().get(id=institution_id)
        same_name = await InstitutionAchievement.filter(
            institution_id=institution_id, subtype_id=subtype.code, name=name
        ).values("details")
        if any(identity_key(subtype.detail_schema, r["details"]) == key for r in same_name):
            raise DomainError.of(ErrorCode.CONFLICT, "已存在相同的机构成果", "name")
        entry = await InstitutionAchievement.create(
            institution_id=institution_id,
            subtype_id=subtype.code,
            category_id=subtype.category_id,
            name=name,
            issuer_name=issuer or institution.name,
            details=details,
            introduction=introduction,
            created_by_id=actor.id,
        )
        await audit.record(actor, "catalogue_entry.create", entry, after=audit.snapshot(entry))
    return entry


# -- batches of the institution's own entries ----------------------------------------------------


async def _own_entries_locked(
    institution_id: uuid.UUID, ids: list[uuid.UUID], allowed: RecognitionStatus, verb: str
) -> list[InstitutionAchievement]:
    """The entries of ``ids``, locked, all of the institution and in state ``allowed``;
    otherwise nothing, and a problem for each one that is not (``ids.<index>``)."""
    if not ids:
        raise DomainError.of(ErrorCode.REQUIRED, "请选择机构成果", "ids")
    if len(ids) > MAX_BATCH:
        raise DomainError.of(ErrorCode.TOO_LONG, f"一次最多选择{MAX_BATCH}条", "ids")
    rows = {
        row.id: row
        for row in await InstitutionAchievement.select_for_update()
        .filter(id__in=ids, institution_id=institution_id)
        .order_by("id")
    }
    problems = Problems()
    seen: set[uuid.UUID] = set()
    for index, entry_id in enumerate(ids):
        row = rows.get(entry_id)
        if row is None:
            problems.add(f"ids.{index}", ErrorCode.NOT_FOUND, "机构成果不存在")
        elif entry_id in seen:
            problems.add(f"ids.{index}", ErrorCode.INVALID, "重复选择了同一成果")
        elif row.recognition_status != allowed:
            problems.add(
                f"ids.{index}",
                ErrorCode.WRONG_STATE,
                f"「{row.name}」{row.recognition_status.label}，不能{verb}",
            )
        seen.add(entry_id)
    problems.raise_if_any()
    return [rows[entry_id] for entry_id in ids]


async def delete_entries(actor: Actor, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Delete unrecognised entries, all or none. Learner achievements that reference one keep
    their own copy; their reference is cleared (the foreign key is SET NULL)."""
    institution_id = require_institution(actor)
    async with in_transaction():
        entries = await _own_entries_locked(
            institution_id, ids, RecognitionStatus.UNRECOGNISED, "删除"
        )
        for entry in entries:
            await audit.record(actor, "catalogue_entry.delete", entry, before=audit.snapshot(entry))
        await InstitutionAchievement.filter(id__in=[entry.id for entry in entries]).delete()
    return [entry.id for entry in entries]


async def submit_entries(actor: Actor, ids: list[uuid.UUID]) -> list[InstitutionAchievement]:
    """Submit unrecognised entries for recognition (提交认定): unrecognised → recognising."""
    institution_id = require_institution(actor)
    async with in_transaction():
        entries = await _own_entries_locked(
            institution_id, ids, RecognitionStatus.UNRECOGNISED, "提交认定"
        )
        for entry in entries:
            before = audit.snapshot(entry)
            entry.recognition_status = RecognitionStatus.RECOGNISING
            entry.recognition_note = ""
            await entry.save(update_fields=["recognition_status", "recognition_note"])
            await audit.record_change(actor, "catalogue_entry.submit", entry, before)
    return entries


# -- reading -------------------------------------------------------------------------------------


@dataclass
class EntryFilter:
    """The filters of the catalogue list (成果名称, 成果类型, 成果子类型, 认定状态)."""

    name: str | None = None
    category: str | None = None
    subtype: str | None = None
    recognition_status: RecognitionStatus | None = None
    institution_id: uuid.UUID | None = None  # administrators only


def _filtered(query: Any, data: EntryFilter) -> Any:
    if data.name and data.name.strip():
        query = query.filter(name__icontains=data.name.strip())
    if data.category:
        query = query.filter(category_id=data.category)
    if data.subtype:
        query = query.filter(subtype_id=data.subtype)
    if data.recognition_status is not None:
        query = query.filter(recognition_status=data.recognition_status)
    return query


async def list_entries(
    actor: Actor, page: int, page_size: int, data: EntryFilter
) -> tuple[list[InstitutionAchievement], int]:
    """An institution's catalogue, newest first; administrators see every institution's,
    optionally one institution's."""
    return await paginate(entries_query(actor, data), page, page_size, "-created_at")


def entries_query(actor: Actor, data: EntryFilter) -> QuerySet[InstitutionAchievement]:
    """The rows of the catalogue list matching ``data``, unordered (the list and the export)."""
    query = InstitutionAchievement.all()
    if actor.is_admin:
        if data.institution_id is not None:
            query = query.filter(institution_id=data.institution_id)
    else:
        query = query.filter(institution_id=require_institution(actor))
    return _filtered(query, data)


async def get_entry(actor: Actor, entry_id: uuid.UUID) -> InstitutionAchievement:
    """One entry (成果详情), for its institution or an administrator."""
    query = InstitutionAchievement.filter(id=entry_id)
    if not actor.is_admin:
        query = query.filter(institution_id=require_institution(actor))
    entry = await query.first()
    if entry is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "机构成果不存在", "id")
    return entry


@dataclass
class PublicFilter:
    keyword: str | None = None  # in the entry's name or its issuer
    category: str | None = None
    subtype: str | None = None
    institution_name: str | None = None


async def public_catalogue(
    page: int, page_size: int, data: PublicFilter
) -> tuple[list[InstitutionAchievement], int]:
    """Anyone, without logging in: the recognised entries of every institution (seed 001 §05)."""
    query = InstitutionAchievement.filter(recognition_status=RecognitionStatus.RECOGNISED)
    if data.keyword and data.keyword.strip():
        keyword = data.keyword.strip()
        query = query.filter(Q(name__icontains=keyword) | Q(issuer_name__icontains=keyword))
    if data.category:
        query = query.filter(category_id=data.category)
    if data.subtype:
        query = query.filter(subtype_id=data.subtype)
    if data.institution_name and data.institution_name.strip():
        query = query.filter(
            institution_id__in=Subquery(
                Institution.filter(name__icontains=data.institution_name.strip()).values("id")
            )
        )
    return await paginate(query, page, page_size, "-recognised_at")
