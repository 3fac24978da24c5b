"""Certificate mutations: a learner requests, extends and ends certificates; an administrator
revokes (SPEC §5)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api.achievements.mutations import parse_ids
from graphql_api.certificates.types import (
    CertificateType,
    issuer_of,
)
from graphql_api.common import parse_id
from graphql_api.context import Info
from graphql_api.errors import FieldError, mutate
from graphql_api.permissions import IsAdministrator, IsLearner
from models import Certificate, CertificateKind
from resolvers import certificates


@strawberry.input(description="开具证明 / 申请学习成果认证报告.")
class CertificateRequestInput:
    kind: CertificateKind
    achievement_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="The stored achievements to certify; a REPORT without any lists them all.",
    )
    validity_days: Annotated[int, strawberry.argument(description="30, 90, 180 or 365")] = 90


@strawberry.type
class CertificatePayload:
    errors: list[FieldError]
    certificate: CertificateType | None = None


def _certificate(row: Certificate) -> CertificatePayload:
    return CertificatePayload(errors=[], certificate=CertificateType.from_model(row))


@strawberry.type
class CertificateMutation:
    @strawberry.mutation(
        description="Learners: a proof of chosen stored achievements, or a certification report; "
        "valid for the chosen days, signed, with a QR code to its verify page.",
        permission_classes=[IsLearner],
    )
    async def certificate_request(
        self, info: Info, input: CertificateRequestInput
    ) -> CertificatePayload:
        return await mutate(
            CertificatePayload,
            lambda: certificates.request_certificate(
                info.context.actor,
                issuer_of(info),
                input.kind,
                parse_ids(input.achievement_ids, "achievementIds"),
                input.validity_days,
            ),
            _certificate,
        )

    @strawberry.mutation(
        description="Learners: extend one of their certificates to the chosen days from today.",
        permission_classes=[IsLearner],
    )
    async def certificate_extend(
        self, info: Info, id: strawberry.ID, validity_days: int
    ) -> CertificatePayload:
        return await mutate(
            CertificatePayload,
            lambda: certificates.extend_certificate(
                info.context.actor, issuer_of(info), parse_id(id), validity_days
            ),
            _certificate,
        )

    @strawberry.mutation(
        description="Learners: end one of their certificates early; verification shows it at once.",
        permission_classes=[IsLearner],
    )
    async def certificate_end(self, info: Info, id: strawberry.ID) -> CertificatePayload:
        return await mutate(
            CertificatePayload,
            lambda: certificates.end_certificate(info.context.actor, parse_id(id)),
            _certificate,
        )

    @strawberry.mutation(
        description="Administrators: revoke a certificate with a reason; the holder is told.",
        permission_classes=[IsAdministrator],
    )
    async def certificate_revoke(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> CertificatePayload:
        return await mutate(
            CertificatePayload,
            lambda: certificates.revoke_certificate(info.context.actor, parse_id(id), reason),
            _certificate,
        )
