"""Certificate queries: a learner's certificates, and anyone's online check of a number."""

from __future__ import annotations

import strawberry

from graphql_api.certificates.types import (
    CertificateCheckType,
    CertificateType,
)
from graphql_api.common import Page, parse_id
from graphql_api.context import Info
from graphql_api.permissions import IsLearner
from models import CertificateKind
from resolvers import certificates
from resolvers.certificates import verification


@strawberry.type
class CertificateQuery:
    @strawberry.field(
        description="Learners: their certificates, newest first.", permission_classes=[IsLearner]
    )
    async def my_certificates(
        self, info: Info, page: int = 1, page_size: int = 10, kind: CertificateKind | None = None
    ) -> Page[CertificateType]:
        rows, total = await certificates.list_own(info.context.actor, page, page_size, kind)
        return Page.of(rows, total, page, page_size, CertificateType.from_model)

    @strawberry.field(
        description="Learners: one of their certificates.", permission_classes=[IsLearner]
    )
    async def my_certificate(self, info: Info, id: strawberry.ID) -> CertificateType:
        return CertificateType.from_model(
            await certificates.get_own(info.context.actor, parse_id(id))
        )

    @strawberry.field(
        description="Anyone: 在线验证 by report number (as typed from paper: case, spaces and "
        "hyphens do not matter, a typo is caught by the check character); rate-limited per "
        "address."
    )
    async def certificate_verify(self, info: Info, number: str) -> CertificateCheckType:
        services = info.context.services
        await services.throttle.hit("verify", info.context.client_address)
        answer = await verification.verify(number, "graphql", services.verifications)
        return CertificateCheckType.of(answer)
