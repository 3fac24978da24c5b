"""Certificates (证明): a learner requests a proof of selected achievements (开具证明) or a
certification report (学习成果认证报告); a conversion certificate (转换证明) is issued when a
conversion succeeds. Each carries a number that cannot be guessed, a validity the learner may
extend or end, a snapshot of what it certifies and a signed W3C Verifiable Credential; an
administrator revokes one, and withdrawing an achievement revokes every certificate listing it
(SPEC §5, seed 001 §05, seed 004 §3 and §5.2)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tortoise.transactions import in_transaction

from models import (
    AchievementCategory,
    AchievementStatus,
    AchievementSubtype,
    Certificate,
    CertificateAchievement,
    CertificateKind,
    ConversionApplication,
    ConversionApplicationSource,
    ConversionRuleTarget,
    InstitutionAchievement,
    Learner,
    LearnerAchievement,
)
from resolvers.certificates.credentials import build_credential, end_of_day
from resolvers.certificates.layouts import check_printable, layout_of
from resolvers.certificates.numbers import new_number
from resolvers.certificates.provenance import describe, with_provenance
from resolvers.certificates.signing import Signer
from resolvers.core import audit
from resolvers.core.actors import Actor, require_admin, require_learner
from resolvers.core.bulk_rows import insert_rows
from resolvers.core.clock import SHANGHAI, now, today
from resolvers.core.errors import DomainError, ErrorCode, Problems
from resolvers.core.ids import time_ordered_id
from resolvers.core.masking import mask_id_number, mask_name
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker
from resolvers.messages import notify, to_learner

VALIDITY_CHOICES = (30, 90, 180, 365)
CONVERSION_VALIDITY_DAYS = 365
MAX_ACHIEVEMENTS = 40  # one page; check_printable refuses fewer long ones that do not fit
MAX_REASON = 500
ENDED_BY_HOLDER = "持有人提前终止"
CERTIFICATES_LINK = "/certificates"


@dataclass(frozen=True)
class Issuer:
    """Who signs, and where the verify pages are: what issuing a certificate needs besides the
    database."""

    signer: Signer
    base_url: str
    name: str = "学分银行"

    def verify_url(self, number: str) -> str:
        return f"{self.base_url}/verify/{number}"


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


# -- what a certificate certifies ----------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class _Labels:
    categories: dict[str, str]
    subtypes: dict[str, str]

    @classmethod
    async def load(cls) -> _Labels:
        return cls(
            dict(await AchievementCategory.all().values_list("code", "label")),
            dict(await AchievementSubtype.all().values_list("code", "label")),
        )

    async def lines(self, rows: Sequence[LearnerAchievement]) -> list[dict[str, Any]]:
        """The achievements as a certificate lists them, each saying where it comes from."""
        provenance = await describe(rows)
        return [
            {
                "name": row.name,
                "category": self.categories.get(row.category_id, row.category_id),
                "subtype": self.subtypes.get(row.subtype_id, row.subtype_id),
                "issuer": row.issuer_name,
                "certificateNumber": row.certificate_number,
                "issueDate": _plain(row.issue_date),
                "credits": _plain(row.credits) if row.credits is not None else None,
                "source": row.source.label,
                **provenance[row.id],
            }
            for row in rows
        ]


def _holder(learner: Learner) -> dict[str, str]:
    return {"name": learner.name, "idNumber": learner.id_number}


def public_subject(snapshot: dict[str, Any]) -> dict[str, Any]:
    """What a certificate shows anyone: the snapshot with the holder's name and ID masked, and
    each achievement's provenance (read from its source for certificates issued without it)."""
    holder = snapshot["holder"]
    return {
        **snapshot,
        "achievements": with_provenance(snapshot["achievements"]),
        "holder": {
            "name": mask_name(holder["name"]),
            "idNumber": mask_id_number(holder["idNumber"]),
        },
    }


def sign_certificate(
    issuer: Issuer,
    number: str,
    kind: CertificateKind,
    snapshot: dict[str, Any],
    issued_at: dt.datetime,
    valid_until: dt.date,
) -> str:
    return issuer.signer.sign(
        build_credential(
            number=number,
            kind=kind,
            kind_label=kind.label,
            verify_url=issuer.verify_url(number),
            issuer_url=issuer.base_url,
            issuer_name=issuer.name,
            issued_at=issued_at,
            valid_until=valid_until,
            subject=public_subject(snapshot),
        )
    )


def _issued_at(issued_on: dt.date) -> dt.datetime:
    """The moment a credential says it was issued: the start of the issue day."""
    return dt.datetime.combine(issued_on, dt.time.min, SHANGHAI)


def valid_window(certificate: Certificate) -> tuple[dt.datetime, dt.datetime]:
    """The first and last moment a certificate is valid, as its credential states them: from
    the start of its issue day through the end of its last day, Beijing time."""
    return _issued_at(certificate.issued_on), end_of_day(certificate.valid_until)


def _validity(days: int, field: str = "validityDays") -> int:
    if days not in VALIDITY_CHOICES:
        choices = "、".join(str(d) for d in VALIDITY_CHOICES)
        raise DomainError.of(ErrorCode.INVALID, f"有效期可选{choices}天", field)
    return days


# -- requesting ----------------------------------------------------------------------------------


async def _chosen_achievements(
    learner_id: uuid.UUID, kind: CertificateKind, ids: list[uuid.UUID]
) -> list[LearnerAchievement]:
    """开具证明: the chosen stored achievements, each the learner's own; a report without a
    choice certifies every stored achievement."""
    stored = LearnerAchievement.filter(learner_id=learner_id, status=AchievementStatus.STORED)
    unique = list(dict.fromkeys(ids))
    if not unique:
        if kind == CertificateKind.PROOF:
            raise DomainError.of(ErrorCode.REQUIRED, "请选择要开具证明的成果", "achievementIds")
        rows = await stored.order_by("issue_date", "created_at", "id").limit(MAX_ACHIEVEMENTS + 1)
        if not rows:
            raise DomainError.of(
                ErrorCode.WRONG_STATE, "账户中还没有存储状态的成果", "achievementIds"
            )
        if len(rows) > MAX_ACHIEVEMENTS:
            raise DomainError.of(
                ErrorCode.INVALID,
                f"一份报告最多列{MAX_ACHIEVEMENTS}项成果，请选择",
                "achievementIds",
            )
        return rows
    if len(unique) > MAX_ACHIEVEMENTS:
        raise DomainError.of(
            ErrorCode.INVALID, f"一次最多选择{MAX_ACHIEVEMENTS}项成果", "achievementIds"
        )
    found = {
        row.id: row for row in await LearnerAchievement.filter(id__in=unique, learner_id=learner_id)
    }
    problems = Problems()
    for index, achievement_id in enumerate(ids):
        row = found.get(achievement_id)
        if row is None:
            problems.add(f"achievementIds.{index}", ErrorCode.NOT_FOUND, "成果不存在")
        elif row.status != AchievementStatus.STORED:
            problems.add(
                f"achievementIds.{index}",
                ErrorCode.WRONG_STATE,
                f"成果{row.status.label}，只有存储状态的成果可以开具证明",
            )
    problems.raise_if_any()
    return [found[achievement_id] for achievement_id in unique]


async def request_certificate(
    actor: Actor,
    issuer: Issuer,
    kind: CertificateKind,
    achievement_ids: list[uuid.UUID],
    validity_days: int,
) -> Certificate:
    """开具证明 / 申请学习成果认证报告: valid from today for the chosen number of days."""
    learner_id = require_learner(actor)
    if kind == CertificateKind.CONVERSION:
        raise DomainError.of(ErrorCode.INVALID, "转换证明在转换成功时自动开具", "kind")
    days = _validity(validity_days)
    learner = await Learner.get(id=learner_id)
    rows = await _chosen_achievements(learner_id, kind, achievement_ids)
    lines = await (await _Labels.load()).lines(rows)
    snapshot: dict[str, Any] = {"holder": _holder(learner), "achievements": lines}
    if kind == CertificateKind.REPORT:
        credits = sum((row.credits for row in rows if row.credits is not None), Decimal(0))
        snapshot["totalCredits"] = _plain(credits)
    issued_on = today()
    valid_until = issued_on + dt.timedelta(days=days)
    number = new_number()
    issued_at = _issued_at(issued_on)
    page = Certificate(
        number=number, kind=kind, snapshot=snapshot, issued_on=issued_on, valid_until=valid_until
    )
    await check_printable(layout_of(page, issuer.verify_url(number), issuer.name))
    credential = sign_certificate(issuer, number, kind, snapshot, issued_at, valid_until)
    async with in_transaction():
        certificate = await Certificate.create(
            number=number,
            kind=kind,
            learner_id=learner_id,
            snapshot=snapshot,
            issued_on=issued_on,
            valid_until=valid_until,
            credential=credential,
            key_id=issuer.signer.kid,
        )
        await insert_rows(
            CertificateAchievement,
            [
                {
                    "id": time_ordered_id(),
                    "certificate_id": certificate.id,
                    "learner_achievement_id": row.id,
                }
                for row in rows
            ],
        )
        await audit.record(
            actor,
            "certificate.issue",
            certificate,
            after={"number": number, "kind": kind.value, "validUntil": valid_until.isoformat()},
        )
    return certificate


# -- conversion certificates ---------------------------------------------------------------------


async def issue_conversion_certificates(
    actor: Actor, issuer: Issuer, applications: Sequence[ConversionApplication]
) -> None:
    """转换证明 for each succeeded application, in the approving transaction: the applicant,
    the source achievements checked by the bank, the rule and its targets."""
    if not applications:
        return
    learners = {
        row.id: row for row in await Learner.filter(id__in={a.learner_id for a in applications})
    }
    links = await ConversionApplicationSource.filter(
        application_id__in=[a.id for a in applications]
    ).values("application_id", "learner_achievement_id")
    held_rows = {
        row.id: row
        for row in await LearnerAchievement.filter(
            id__in=[link["learner_achievement_id"] for link in links]
        )
    }
    sources: dict[uuid.UUID, list[LearnerAchievement]] = {}
    for link in links:
        sources.setdefault(link["application_id"], []).append(
            held_rows[link["learner_achievement_id"]]
        )
    labels = await _Labels.load()
    lines = dict(zip(held_rows, await labels.lines(list(held_rows.values())), strict=True))
    rule_ids = {a.rule_id for a in applications}
    targets: dict[uuid.UUID, list[dict[str, Any]]] = {}
    rows = await ConversionRuleTarget.filter(rule_id__in=rule_ids).order_by("sort", "id")
    entries = {
        e.id: e
        for e in await InstitutionAchievement.filter(id__in={t.catalogue_entry_id for t in rows})
    }
    for target in rows:
        entry = entries[target.catalogue_entry_id]
        targets.setdefault(target.rule_id, []).append(
            {
                "name": entry.name,
                "kind": target.kind.label,
                "issuer": entry.issuer_name,
                "exemptModules": target.exempt_modules or [],
            }
        )
    issued_on = today()
    valid_until = issued_on + dt.timedelta(days=CONVERSION_VALIDITY_DAYS)
    issued_at = _issued_at(issued_on)
    certificates: list[dict[str, Any]] = []
    listed: list[dict[str, Any]] = []
    moment = now()
    for application in applications:
        held = sources.get(application.id, [])
        snapshot = {
            "holder": _holder(learners[application.learner_id]),
            "achievements": [lines[row.id] for row in held],
            "rule": {
                "code": application.rule_code,
                "targets": targets.get(application.rule_id, []),
            },
        }
        number = new_number()
        certificate_id = time_ordered_id()
        certificates.append(
            {
                "id": certificate_id,
                "number": number,
                "kind": CertificateKind.CONVERSION,
                "learner_id": application.learner_id,
                "application_id": application.id,
                "snapshot": snapshot,
                "issued_on": issued_on,
                "valid_until": valid_until,
                "credential": sign_certificate(
                    issuer, number, CertificateKind.CONVERSION, snapshot, issued_at, valid_until
                ),
                "key_id": issuer.signer.kid,
                "revoked_at": None,
                "revoked_reason": "",
                "revoked_by_kind": "",
                "png_file_id": None,
                "pdf_file_id": None,
                "created_at": moment,
                "updated_at": moment,
            }
        )
        listed.extend(
            {
                "id": time_ordered_id(),
                "certificate_id": certificate_id,
                "learner_achievement_id": a.id,
            }
            for a in held
        )
    await insert_rows(Certificate, certificates)
    await insert_rows(CertificateAchievement, listed)


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
    days = _validity(validity_days)
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
            _issued_at(certificate.issued_on),
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
