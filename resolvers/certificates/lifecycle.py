"""A certificate's life (证明): its status, the validity the learner may extend or end, the
administrator's revocation, and withdrawing an achievement revoking every certificate listing it;
the learner's own certificates (SPEC §5, seed 001 §05). Issuing is in `requests` and
`conversion_certificates`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from enum import StrEnum

from tortoise.transactions import in_transaction

from models import (
    Certificate,
    CertificateAchievement,
    CertificateKind,
)
from resolvers.certificates.issuing import (
    Issuer,
    checked_validity,
    sign_certificate,
    start_of_issue_day,
)
from resolvers.core import audit
from resolvers.core.actors import Actor, require_admin, require_learner
from resolvers.core.clock import now, today
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker
from resolvers.messages import notify, to_learner

MAX_REASON = 500
ENDED_BY_HOLDER = "持有人提前终止"
CERTIFICATES_LINK = "/certificates"


class CertificateStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NOT_FOUND = "not_found"


STATUS_LABELS = {
    CertificateStatus.VALID: "有效",
    CertificateStatus.EXPIRED: "已过期",
    CertificateStatus.REVOKED: "已撤销",
    CertificateStatus.NOT_FOUND: "未找到",
}


def status_of(certificate: Certificate, on: dt.date | None = None) -> CertificateStatus:
    if certificate.revoked_at is not None:
        return CertificateStatus.REVOKED
    if certificate.valid_until < (on or today()):
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


# -- validity, ending and revoking ---------------------------------------------------------------


async def _own(learner_id: uuid.UUID, certificate_id: uuid.UUID) -> Certificate:
    certificate = await Certificate.get_or_none(id=certificate_id, learner_id=learner_id)
    if certificate is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "证明不存在", "id")
    return certificate


def _not_revoked(certificate: Certificate) -> None:
    if certificate.revoked_at is not None:
        raise DomainError.of(ErrorCode.WRONG_STATE, "证明已撤销或已终止", "id")


async def extend_certificate(
    actor: Actor, issuer: Issuer, certificate_id: uuid.UUID, validity_days: int
) -> Certificate:
    """延长有效期: valid for the chosen number of days from today, when that is later than now;
    the credential is signed again with the new end."""
    learner_id = require_learner(actor)
    days = checked_validity(validity_days)
    async with in_transaction():
        certificate = await _own(learner_id, certificate_id)
        certificate = await Certificate.select_for_update().get(id=certificate.id)
        _not_revoked(certificate)
        valid_until = today() + dt.timedelta(days=days)
        if valid_until <= certificate.valid_until:
            raise DomainError.of(
                ErrorCode.INVALID,
                f"证明有效期至{certificate.valid_until.isoformat()}，新的有效期应晚于此日",
                "validityDays",
            )
        before = {"validUntil": certificate.valid_until.isoformat()}
        certificate.valid_until = valid_until
        certificate.credential = sign_certificate(
            issuer,
            certificate.number,
            certificate.kind,
            certificate.snapshot,
            start_of_issue_day(certificate.issued_on),
            valid_until,
        )
        certificate.key_id = issuer.signer.kid
        certificate.png_file_id = certificate.pdf_file_id = None
        await certificate.save()
        await audit.record(
            actor,
            "certificate.extend",
            certificate,
            before=before,
            after={"validUntil": valid_until.isoformat()},
        )
    return certificate


async def _revoke(
    actor: Actor, certificates: Sequence[Certificate], reason: str, action: str
) -> None:
    moment = now()
    ids = [c.id for c in certificates]
    await Certificate.filter(id__in=ids, revoked_at=None).update(
        revoked_at=moment, revoked_reason=reason[:MAX_REASON], revoked_by_kind=actor.kind.value
    )
    for certificate in certificates:
        certificate.revoked_at = moment
        certificate.revoked_reason = reason[:MAX_REASON]
        certificate.revoked_by_kind = actor.kind.value
        await audit.record(actor, action, certificate, after={"reason": reason[:MAX_REASON]})


async def end_certificate(actor: Actor, certificate_id: uuid.UUID) -> Certificate:
    """提前终止: the holder ends their own certificate; verification says so at once."""
    learner_id = require_learner(actor)
    async with in_transaction():
        certificate = await _own(learner_id, certificate_id)
        certificate = await Certificate.select_for_update().get(id=certificate.id)
        _not_revoked(certificate)
        await _revoke(actor, [certificate], ENDED_BY_HOLDER, "certificate.end")
    return certificate


async def revoke_certificate(actor: Actor, certificate_id: uuid.UUID, reason: str) -> Certificate:
    """撤销: an administrator revokes a certificate with a reason; the holder is told."""
    require_admin(actor)
    checker = FieldChecker()
    reason = checker.text("reason", reason, max_length=MAX_REASON)
    checker.done()
    async with in_transaction():
        certificate = await Certificate.select_for_update().get_or_none(id=certificate_id)
        if certificate is None:
            raise DomainError.of(ErrorCode.NOT_FOUND, "证明不存在", "id")
        _not_revoked(certificate)
        await _revoke(actor, [certificate], reason, "certificate.revoke")
        await notify(
            to_learner(
                certificate.learner_id,
                "certificate.revoked",
                "证明已撤销",
                f"您的{certificate.kind.label}（编号{certificate.number}）已被学分银行撤销，"
                f"原因：{reason}",
                CERTIFICATES_LINK,
                certificate.id,
            )
        )
    return certificate


async def revoke_listing(
    actor: Actor, achievement_ids: list[uuid.UUID], reason: str
) -> list[Certificate]:
    """Withdrawn achievements revoke every certificate that lists them, in the withdrawal's
    transaction; the holders are told with the withdrawal's message. Returns those revoked."""
    listed = CertificateAchievement.filter(learner_achievement_id__in=achievement_ids).values(
        "certificate_id"
    )
    certificates = await Certificate.filter(
        id__in=[row["certificate_id"] for row in await listed], revoked_at=None
    ).order_by("created_at", "id")
    if certificates:
        await _revoke(
            actor, certificates, f"所列成果已撤回：{reason}", "certificate.revoke_withdrawn"
        )
    return certificates


# -- reading -------------------------------------------------------------------------------------


async def list_own(
    actor: Actor, page: int, page_size: int, kind: CertificateKind | None = None
) -> tuple[list[Certificate], int]:
    query = Certificate.filter(learner_id=require_learner(actor))
    if kind is not None:
        query = query.filter(kind=kind)
    return await paginate(query, page, page_size, "-created_at")


async def get_own(actor: Actor, certificate_id: uuid.UUID) -> Certificate:
    return await _own(require_learner(actor), certificate_id)
