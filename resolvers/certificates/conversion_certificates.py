"""Conversion certificates (转换证明), issued when a conversion succeeds (seed 004 §3 and §5.2)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from models import (
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
from resolvers.certificates.issuing import (
    AchievementLabels,
    Issuer,
    holder_of,
    sign_certificate,
    start_of_issue_day,
)
from resolvers.certificates.numbers import new_number
from resolvers.core.actors import Actor
from resolvers.core.bulk_rows import insert_rows
from resolvers.core.clock import now, today
from resolvers.core.ids import time_ordered_id

CONVERSION_VALIDITY_DAYS = 365


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
    labels = await AchievementLabels.load()
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
    issued_at = start_of_issue_day(issued_on)
    certificates: list[dict[str, Any]] = []
    listed: list[dict[str, Any]] = []
    moment = now()
    for application in applications:
        held = sources.get(application.id, [])
        snapshot = {
            "holder": holder_of(learners[application.learner_id]),
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
