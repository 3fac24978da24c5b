"""The bank's decision on a catalogue entry (认定): the queue of entries waiting for it, and
recognising one with its credit bank credits or refusing it with a reason; the institution is
told either way."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from tortoise.transactions import in_transaction

from models import InstitutionAchievement, RecognitionStatus
from resolvers.core import audit
from resolvers.core.actors import Actor, require_admin
from resolvers.core.clock import now
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker
from resolvers.messages import notify, to_institution

MAX_CREDITS = Decimal(100)
CATALOGUE_LINK = "/catalogue/{id}"


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
