"""GraphQL types of certificates: a certificate as its holder sees it, its verifications, and
the answer of the online check (在线验证) (SPEC §5)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from graphql_api.common import shown
from graphql_api.context import Info
from models import Certificate, CertificateKind
from resolvers import certificates
from resolvers.certificates import files as certificate_files
from resolvers.certificates import verification
from resolvers.certificates.issuing import Issuer, public_subject, valid_window
from resolvers.certificates.lifecycle import CertificateStatus, status_of
from resolvers.core.files import FileKind, sign_download

strawberry.enum(CertificateKind, name="CertificateKind", description="证明类型")
strawberry.enum(
    CertificateStatus, name="CertificateStatus", description="有效 / 已过期 / 已撤销 / 未找到"
)


def issuer_of(info: Info) -> Issuer:
    return info.context.services.issuer


@strawberry.type(name="CertificateVerification", description="One check of a certificate.")
class CertificateVerificationType:
    verified_at: dt.datetime
    channel: str = strawberry.field(description="page (the QR page), json or graphql")


@strawberry.type(name="Certificate", description="A certificate as its holder sees it.")
class CertificateType:
    id: strawberry.ID
    number: str = strawberry.field(description="报告编号, grouped, with a check character.")
    kind: CertificateKind
    issued_on: dt.date
    valid_until: dt.date
    revoked_at: dt.datetime | None
    revoked_reason: str
    credential: str = strawberry.field(
        description="The signed credential: a W3C Verifiable Credential 2.0 as a JWS (EdDSA), "
        "checkable offline against /.well-known/jwks.json."
    )
    _row: strawberry.Private[Certificate]

    @strawberry.field
    def kind_label(self) -> str:
        return self._row.kind.label

    @strawberry.field
    def status(self) -> CertificateStatus:
        return CertificateStatus(status_of(self._row))

    @strawberry.field
    def status_label(self) -> str:
        return certificates.STATUS_LABELS[status_of(self._row)]

    @strawberry.field(description="What it certifies, as issued (the holder whole).")
    def content(self) -> JSON:
        return JSON(self._row.snapshot)

    @strawberry.field(description="The public verify page this certificate's QR code opens.")
    def verify_url(self, info: Info) -> str:
        return issuer_of(info).verify_url(self._row.number)

    @strawberry.field(description="How often it was verified (page, JSON and GraphQL).")
    async def verification_count(self, info: Info) -> int:
        count, _ = await info.context.loaders.verifications_by_certificate.load(self._row.id)
        return count

    @strawberry.field(description="When it was last verified.")
    async def last_verified_at(self, info: Info) -> dt.datetime | None:
        _, last = await info.context.loaders.verifications_by_certificate.load(self._row.id)
        return shown(last)

    @strawberry.field(description="The latest verifications, newest first.")
    async def verifications(self, info: Info, limit: int = 20) -> list[CertificateVerificationType]:
        loader = info.context.loaders.latest_verifications_by_certificate
        rows = await loader.load((self._row.id, max(1, min(limit, 100))))
        return [
            CertificateVerificationType(verified_at=shown(r.verified_at), channel=r.channel)  # type: ignore[arg-type]
            for r in rows
        ]

    async def _download(self, info: Info, kind: FileKind) -> str:
        services = info.context.services
        file_id = await certificate_files.certificate_file(
            info.context.actor, self._row, services.issuer, services.storage, kind
        )
        return sign_download(file_id, info.context.actor, services.settings.secret_key)

    @strawberry.field(
        description="The certificate as a PNG image: rendered once per credential, then kept; "
        "a link valid five minutes, fetched with the same bearer token."
    )
    async def png_url(self, info: Info) -> str:
        return await self._download(info, FileKind.PNG)

    @strawberry.field(description="The certificate as a PDF (A4), like pngUrl.")
    async def pdf_url(self, info: Info) -> str:
        return await self._download(info, FileKind.PDF)

    @classmethod
    def from_model(cls, row: Certificate) -> CertificateType:
        return cls(
            id=strawberry.ID(str(row.id)),
            number=row.number,
            kind=row.kind,
            issued_on=row.issued_on,
            valid_until=row.valid_until,
            revoked_at=shown(row.revoked_at),
            revoked_reason=row.revoked_reason,
            credential=row.credential,
            _row=row,
        )


@strawberry.type(name="CertificateCheck", description="在线验证: the answer for one number.")
class CertificateCheckType:
    number: str
    status: CertificateStatus
    status_label: str
    kind: CertificateKind | None = None
    kind_label: str | None = None
    issued_on: dt.date | None = None
    valid_until: dt.date | None = None
    valid_from: dt.datetime | None = strawberry.field(
        default=None, description="The first moment it is valid, as its credential says (UTC)."
    )
    valid_through: dt.datetime | None = strawberry.field(
        default=None,
        description="The last moment it is valid: the end of validUntil in Beijing time, in UTC "
        "(the credential's validUntil).",
    )
    revoked_at: dt.datetime | None = None
    revoked_reason: str | None = None
    content: JSON | None = strawberry.field(
        default=None,
        description="What it certifies, the holder's name and ID masked; each achievement has "
        "its provenance (institution_deposit, conversion, learner_matched, learner_reviewed, "
        "learner_registered, ...), provenanceLabel, provenanceNote and selfRegistered.",
    )
    credential: str | None = None

    @classmethod
    def of(cls, answer: verification.Verification) -> CertificateCheckType:
        row = answer.certificate
        status = CertificateStatus(answer.status)
        if row is None:
            return cls(number=answer.number, status=status, status_label=answer.status_label)
        valid_from, valid_through = valid_window(row)
        return cls(
            number=row.number,
            status=status,
            status_label=answer.status_label,
            kind=row.kind,
            kind_label=row.kind.label,
            issued_on=row.issued_on,
            valid_until=row.valid_until,
            valid_from=shown(valid_from),
            valid_through=shown(valid_through),
            revoked_at=shown(row.revoked_at),
            revoked_reason=row.revoked_reason or None,
            content=JSON(public_subject(row.snapshot)),
            credential=row.credential,
        )
