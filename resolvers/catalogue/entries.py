"""An institution's catalogue (机构成果): entries per subtype, immutable once saved; recognition
(认定) by the bank with its credits; the authorisation of restricted subtypes; the public
catalogue of recognised entries (seed 003 §2.2.1, SPEC §3)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from tortoise.exceptions import IntegrityError
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
from resolvers.core import audit
from resolvers.core.actors import Actor, require_admin, require_institution
from resolvers.core.clock import now
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker
from resolvers.messages import notify, to_institution

MAX_CREDITS = Decimal(100)
MAX_BATCH = 100
CATALOGUE_LINK = "/catalogue/{id}"
AUTHORISATION_LINK = "/catalogue/authorisations"


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


# -- the bank's decision -------------------------------------------------------------------------


def check_credits(value: Decimal | str | None, field: str = "credits") -> Decimal:
    """学分银行学分: more than 0, at most 100, two decimals at most."""
    try:
        credits = Decimal(str(value)) if value is not None else None
    except (InvalidOperation, ValueError):
        credits = None
    if credits is None or not credits.is_finite():
        raise DomainError.of(ErrorCode.INVALID, "学分应为数字", field)
    if credits <= 0 or credits > MAX_CREDITS:
        raise DomainError.of(ErrorCode.INVALID, f"学分应大于0且不超过{MAX_CREDITS}", field)
    if credits.normalize().as_tuple().exponent < -2:  # type: ignore[operator]
        raise DomainError.of(ErrorCode.INVALID, "学分最多保留两位小数", field)
    return credits.quantize(Decimal("0.01"))


async def _recognising_locked(entry_id: uuid.UUID) -> InstitutionAchievement:
    entry = await InstitutionAchievement.select_for_update().get_or_none(id=entry_id)
    if entry is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "机构成果不存在", "id")
    if entry.recognition_status != RecognitionStatus.RECOGNISING:
        raise DomainError.of(
            ErrorCode.WRONG_STATE, f"该成果{entry.recognition_status.label}，不在认定中", "id"
        )
    return entry


async def recognise_entry(
    actor: Actor, entry_id: uuid.UUID, credits: Decimal | str
) -> InstitutionAchievement:
    """An administrator recognises an entry with its credit bank credits (已认定)."""
    require_admin(actor)
    amount = check_credits(credits)
    async with in_transaction():
        entry = await _recognising_locked(entry_id)
        before = audit.snapshot(entry)
        entry.recognition_status = RecognitionStatus.RECOGNISED
        entry.credits = amount
        entry.recognised_at = now()
        entry.recognition_note = ""
        await entry.save(
            update_fields=["recognition_status", "credits", "recognised_at", "recognition_note"]
        )
        old, new = audit.changed(before, audit.snapshot(entry))
        await audit.record(
            actor,
            "catalogue_entry.recognise",
            entry,
            before=old,
            after=new,
            institution_id=entry.institution_id,
        )
        await notify(
            to_institution(
                entry.institution_id,
                "catalogue_entry.recognised",
                "机构成果已认定",
                f"您的机构成果「{entry.name}」已通过学分银行认定，学分银行学分为{amount}。",
                CATALOGUE_LINK.format(id=entry.id),
                entry.id,
            )
        )
    return entry


async def refuse_entry(actor: Actor, entry_id: uuid.UUID, reason: str) -> InstitutionAchievement:
    """An administrator refuses recognition with a reason; the entry is unrecognised again."""
    require_admin(actor)
    checker = FieldChecker()
    reason = checker.text("reason", reason, max_length=500)
    checker.done()
    async with in_transaction():
        entry = await _recognising_locked(entry_id)
        before = audit.snapshot(entry)
        entry.recognition_status = RecognitionStatus.UNRECOGNISED
        entry.recognition_note = reason
        await entry.save(update_fields=["recognition_status", "recognition_note"])
        old, new = audit.changed(before, audit.snapshot(entry))
        await audit.record(
            actor,
            "catalogue_entry.refuse",
            entry,
            before=old,
            after=new,
            institution_id=entry.institution_id,
        )
        await notify(
            to_institution(
                entry.institution_id,
                "catalogue_entry.refused",
                "机构成果未通过认定",
                f"您的机构成果「{entry.name}」未通过学分银行认定，原因：{reason}",
                CATALOGUE_LINK.format(id=entry.id),
                entry.id,
            )
        )
    return entry


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


async def recognition_queue(
    actor: Actor,
    page: int,
    page_size: int,
    subtype: str | None = None,
    institution_id: uuid.UUID | None = None,
) -> tuple[list[InstitutionAchievement], int]:
    """The entries waiting for the bank's decision (认定中), oldest first."""
    require_admin(actor)
    query = InstitutionAchievement.filter(recognition_status=RecognitionStatus.RECOGNISING)
    if subtype:
        query = query.filter(subtype_id=subtype)
    if institution_id is not None:
        query = query.filter(institution_id=institution_id)
    return await paginate(query, page, page_size, "created_at")


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


# -- authorisation of restricted subtypes --------------------------------------------------------


async def _restricted_subtype(code: str) -> AchievementSubtype:
    subtype = await AchievementSubtype.get_or_none(code=code.strip())
    if subtype is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "成果子类型不存在", "subtype")
    if not subtype.restricted:
        raise DomainError.of(ErrorCode.INVALID, f"{subtype.label}无需授权即可存储", "subtype")
    return subtype


async def authorise_subtype(
    actor: Actor, institution_id: uuid.UUID, subtype_code: str
) -> SubtypeAuthorisation:
    """The bank authorises an institution to deposit a restricted subtype (授权)."""
    require_admin(actor)
    subtype = await _restricted_subtype(subtype_code)
    institution = await Institution.get_or_none(id=institution_id)
    if institution is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "机构不存在", "institutionId")
    conflict = DomainError.of(
        ErrorCode.CONFLICT, f"该机构已获得{subtype.label}的存储授权", "subtype"
    )
    if await SubtypeAuthorisation.exists(institution_id=institution_id, subtype_id=subtype.code):
        raise conflict
    try:
        async with in_transaction():
            grant = await SubtypeAuthorisation.create(
                institution_id=institution_id, subtype_id=subtype.code, granted_by_id=actor.id
            )
            await audit.record(
                actor,
                "subtype_authorisation.grant",
                grant,
                after={"institution_id": str(institution_id), "subtype_id": subtype.code},
                institution_id=institution_id,
            )
            await notify(
                to_institution(
                    institution_id,
                    "subtype_authorisation.granted",
                    "成果存储授权已开通",
                    f"学分银行已授权贵机构存储{subtype.label}。",
                    AUTHORISATION_LINK,
                    grant.id,
                )
            )
    except IntegrityError:
        raise conflict from None
    return grant


async def revoke_subtype_authorisation(
    actor: Actor, institution_id: uuid.UUID, subtype_code: str
) -> SubtypeAuthorisation:
    """Withdraw an authorisation; entries saved under it stay, new ones are refused."""
    require_admin(actor)
    async with in_transaction():
        grant = await SubtypeAuthorisation.select_for_update().get_or_none(
            institution_id=institution_id, subtype_id=subtype_code.strip()
        )
        if grant is None:
            raise DomainError.of(ErrorCode.NOT_FOUND, "该机构没有此成果子类型的授权", "subtype")
        subtype = await AchievementSubtype.get(code=grant.subtype_id)
        await audit.record(
            actor,
            "subtype_authorisation.revoke",
            grant,
            before={"institution_id": str(institution_id), "subtype_id": subtype.code},
            institution_id=institution_id,
        )
        await grant.delete()
        await notify(
            to_institution(
                institution_id,
                "subtype_authorisation.revoked",
                "成果存储授权已撤销",
                f"学分银行已撤销贵机构存储{subtype.label}的授权，已存储的成果不受影响。",
                AUTHORISATION_LINK,
                grant.id,
            )
        )
    return grant


async def list_authorisations(
    actor: Actor, institution_id: uuid.UUID | None = None
) -> list[SubtypeAuthorisation]:
    """An institution's own authorisations; an administrator's view of all or one institution's."""
    query = SubtypeAuthorisation.all()
    if actor.is_admin:
        if institution_id is not None:
            query = query.filter(institution_id=institution_id)
    else:
        query = query.filter(institution_id=require_institution(actor, approved=False))
    return await query.order_by("granted_at", "id")
