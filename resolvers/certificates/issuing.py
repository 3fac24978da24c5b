"""What issuing a certificate (证明) needs, whatever its kind: the issuer, the snapshot of what it
certifies, the signed W3C Verifiable Credential and its validity (SPEC §5, seed 004 §5.2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from models import (
    AchievementCategory,
    AchievementSubtype,
    Certificate,
    CertificateKind,
    Learner,
    LearnerAchievement,
)
from resolvers.certificates.credentials import build_credential, end_of_day
from resolvers.certificates.provenance import describe, with_provenance
from resolvers.certificates.signing import Signer
from resolvers.core.clock import SHANGHAI
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.masking import mask_id_number, mask_name

VALIDITY_CHOICES = (30, 90, 180, 365)


@dataclass(frozen=True)
class Issuer:
    """Who signs, and where the verify pages are: what issuing a certificate needs besides the
    database."""

    signer: Signer
    base_url: str
    name: str = "学分银行"

    def verify_url(self, number: str) -> str:
        return f"{self.base_url}/verify/{number}"


def plain_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class AchievementLabels:
    categories: dict[str, str]
    subtypes: dict[str, str]

    @classmethod
    async def load(cls) -> AchievementLabels:
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
                "issueDate": plain_value(row.issue_date),
                "credits": plain_value(row.credits) if row.credits is not None else None,
                "source": row.source.label,
                **provenance[row.id],
            }
            for row in rows
        ]


def holder_of(learner: Learner) -> dict[str, str]:
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


def start_of_issue_day(issued_on: dt.date) -> dt.datetime:
    """The moment a credential says it was issued: the start of the issue day."""
    return dt.datetime.combine(issued_on, dt.time.min, SHANGHAI)


def valid_window(certificate: Certificate) -> tuple[dt.datetime, dt.datetime]:
    """The first and last moment a certificate is valid, as its credential states them: from
    the start of its issue day through the end of its last day, Beijing time."""
    return start_of_issue_day(certificate.issued_on), end_of_day(certificate.valid_until)


def checked_validity(days: int, field: str = "validityDays") -> int:
    if days not in VALIDITY_CHOICES:
        choices = "、".join(str(d) for d in VALIDITY_CHOICES)
        raise DomainError.of(ErrorCode.INVALID, f"有效期可选{choices}天", field)
    return days
