"""Verifying a certificate by its number (在线验证): valid / expired / revoked / not found, with
what it certifies and the holder masked. One indexed lookup per answer; the look itself is
recorded for the holder (how often and when their certificate was checked) through a small
buffer written once a second, so that verifying stays as fast as the lookup."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from tortoise.functions import Count, Max

from models import Certificate, CertificateVerification
from resolvers.certificates.issuing import public_subject, valid_window
from resolvers.certificates.lifecycle import STATUS_LABELS, CertificateStatus, status_of
from resolvers.certificates.numbers import legacy_number, normalize_number
from resolvers.core.bulk_rows import insert_rows
from resolvers.core.clock import iso, now
from resolvers.core.ids import time_ordered_id

FLUSH_SECONDS = 1.0
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verification:
    """The answer for one number."""

    number: str
    status: CertificateStatus
    certificate: Certificate | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def as_json(self, verify_url: str) -> dict[str, Any]:
        """The public answer, as the JSON endpoint gives it; its times are ISO 8601 in UTC."""
        certificate = self.certificate
        if certificate is None:
            return {"number": self.number, "status": self.status, "statusLabel": self.status_label}
        valid_from, valid_through = valid_window(certificate)
        return {
            "number": certificate.number,
            "status": self.status,
            "statusLabel": self.status_label,
            "kind": certificate.kind.value,
            "kindLabel": certificate.kind.label,
            "issuedOn": certificate.issued_on.isoformat(),
            "validUntil": certificate.valid_until.isoformat(),
            "validFrom": iso(valid_from),
            "validThrough": iso(valid_through),
            "revokedAt": iso(certificate.revoked_at) if certificate.revoked_at else None,
            "revokedReason": certificate.revoked_reason or None,
            "content": public_subject(certificate.snapshot),
            "verifyUrl": verify_url,
            "credential": certificate.credential,
            "keyId": certificate.key_id,
        }


class VerificationLog:
    """Verifications waiting to be written: each answer appends one, and a task writes what
    has gathered once a second (and on shutdown) as one multi-row insert. The holder's count
    and times are read from those rows."""

    def __init__(self) -> None:
        self._pending: list[dict[str, Any]] = []
        self._task: asyncio.Task | None = None

    def add(self, certificate_id: uuid.UUID, channel: str) -> None:
        self._pending.append(
            {
                "id": time_ordered_id(),
                "certificate_id": certificate_id,
                "channel": channel,
                "verified_at": now(),
            }
        )
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._later())

    async def _later(self) -> None:
        await asyncio.sleep(FLUSH_SECONDS)
        try:
            await self.flush()
        except Exception:  # the rows of one second are lost; verifying goes on
            logger.exception("could not record %d certificate verifications", len(self._pending))

    async def flush(self) -> None:
        pending, self._pending = self._pending, []
        await insert_rows(CertificateVerification, pending)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()


async def verification_summaries(
    certificate_ids: list[uuid.UUID],
) -> dict[uuid.UUID, tuple[int, dt.datetime | None]]:
    """How often each certificate was verified, and when last, in one grouped query."""
    rows = (
        await CertificateVerification.filter(certificate_id__in=certificate_ids)
        .annotate(count=Count("id"), last=Max("verified_at"))
        .group_by("certificate_id")
        .values("certificate_id", "count", "last")
    )
    found = {row["certificate_id"]: (row["count"], row["last"]) for row in rows}
    return {key: found.get(key, (0, None)) for key in certificate_ids}


async def latest_verifications(
    certificate_ids: list[uuid.UUID], limit: int
) -> dict[uuid.UUID, list[CertificateVerification]]:
    """The latest ``limit`` verifications of each certificate, newest first, in one statement
    however many certificates (a window over each certificate's verifications)."""
    if not certificate_ids:
        return {}
    wanted = ", ".join(f"'{uuid.UUID(str(key))}'" for key in certificate_ids)  # UUIDs only
    rows: list[CertificateVerification] = await CertificateVerification.raw(
        'SELECT "id", "certificate_id", "channel", "verified_at" FROM ('
        'SELECT *, ROW_NUMBER() OVER (PARTITION BY "certificate_id" '
        'ORDER BY "verified_at" DESC, "id") AS "position" '
        f'FROM "certificate_verification" WHERE "certificate_id" IN ({wanted})'
        f') AS "latest" WHERE "position" <= {int(limit)} '
        'ORDER BY "position"'
    )
    found: dict[uuid.UUID, list[CertificateVerification]] = {key: [] for key in certificate_ids}
    for row in rows:
        found[uuid.UUID(str(row.certificate_id))].append(row)
    return found


async def verify(number_text: str, channel: str, log: VerificationLog) -> Verification:
    """The answer for what someone typed or scanned; a malformed number or a wrong check
    character is not found without a database lookup. A number that fails the check may be one
    issued under the old check symbol (see ``certificate_numbers``): that one is looked up as
    printed, and only a certificate issued with exactly that number answers."""
    number = normalize_number(number_text or "") or legacy_number(number_text or "")
    if number is None:
        return Verification((number_text or "")[:40], CertificateStatus.NOT_FOUND)
    certificate = await Certificate.get_or_none(number=number)
    if certificate is None:
        return Verification(number, CertificateStatus.NOT_FOUND)
    log.add(certificate.id, channel)
    return Verification(number, status_of(certificate), certificate)
