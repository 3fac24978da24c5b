"""Certificates as W3C Verifiable Credentials 2.0 (https://www.w3.org/TR/vc-data-model-2.0/), the
document the bank signs (see ``resolvers.certificates.signing``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from models.certificates import CertificateKind
from resolvers.core.clock import SHANGHAI, iso

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"

CREDENTIAL_TYPES = {
    CertificateKind.PROOF: "LearningAchievementProof",  # 学习成果证明
    CertificateKind.REPORT: "LearningAchievementReport",  # 学习成果认证报告
    CertificateKind.CONVERSION: "LearningAchievementConversion",  # 学习成果转换证明
}


def _stamp(moment: dt.datetime) -> str:
    """A credential's time: ISO 8601 in UTC to the second, as every machine-readable time of
    the bank (``resolvers.core.clock.iso``); a time without zone is refused."""
    return iso(moment.replace(microsecond=0))


def end_of_day(day: dt.date) -> dt.datetime:
    """The last second of ``day`` in Asia/Shanghai: a certificate valid until a date is valid
    through that whole day as the bank's people see it."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), SHANGHAI)


def build_credential(
    *,
    number: str,
    kind: CertificateKind,
    kind_label: str,
    verify_url: str,
    issuer_url: str,
    issuer_name: str,
    issued_at: dt.datetime,
    valid_until: dt.date,
    subject: dict[str, Any],
) -> dict[str, Any]:
    """The credential of one certificate: its verify URL as id, the bank as issuer, the validity
    (in UTC: valid through the last second of ``valid_until`` in Beijing) and what it certifies
    with its report number (报告编号), each achievement saying where it comes from."""
    return {
        "@context": [VC_CONTEXT],
        "id": verify_url,
        "type": ["VerifiableCredential", CREDENTIAL_TYPES[CertificateKind(kind)]],
        "name": kind_label,
        "issuer": {"id": issuer_url, "name": issuer_name},
        "validFrom": _stamp(issued_at),
        "validUntil": _stamp(end_of_day(valid_until)),
        "credentialSubject": {**subject, "reportNumber": number},
    }
