"""GraphQL types of institutions, their users and their API tokens."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry

from graphql_api.common import shown
from graphql_api.context import Info
from graphql_api.enums import InstitutionKind, InstitutionStatus, InstitutionUserStatus
from models import ApiToken as ApiTokenModel
from models import Institution as InstitutionModel
from models import InstitutionUser as InstitutionUserModel
from resolvers.core.masking import mask_phone


@strawberry.type(name="Institution", description="机构: an institution and its information.")
class InstitutionType:
    id: strawberry.ID
    name: str
    credit_code: str = strawberry.field(description="统一社会信用代码")
    kind: InstitutionKind
    school_type: str
    school_code: str
    supervising_department: str
    legal_representative: str
    contact_person: str
    contact_phone: str
    contact_email: str
    postcode: str
    address: str
    business_scope: str
    introduction: str
    registrant_name: str
    status: InstitutionStatus
    review_note: str
    reviewed_at: dt.datetime | None
    created_at: dt.datetime

    @strawberry.field
    def kind_label(self) -> str:
        return self.kind.label

    @strawberry.field
    def status_label(self) -> str:
        return self.status.label

    @classmethod
    def from_model(cls, row: InstitutionModel) -> InstitutionType:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            credit_code=row.credit_code,
            kind=row.kind,
            school_type=row.school_type,
            school_code=row.school_code,
            supervising_department=row.supervising_department,
            legal_representative=row.legal_representative,
            contact_person=row.contact_person,
            contact_phone=row.contact_phone,
            contact_email=row.contact_email,
            postcode=row.postcode,
            address=row.address,
            business_scope=row.business_scope,
            introduction=row.introduction,
            registrant_name=row.registrant_name,
            status=row.status,
            review_note=row.review_note,
            reviewed_at=shown(row.reviewed_at),
            created_at=shown(row.created_at),  # type: ignore[arg-type]
        )


@strawberry.type(name="InstitutionUser", description="机构用户: the main user or a sub-user.")
class InstitutionUserType:
    id: strawberry.ID
    username: str = strawberry.field(description="登录账号")
    name: str
    is_main: bool
    status: InstitutionUserStatus
    created_at: dt.datetime
    _phone: strawberry.Private[str]
    _institution_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    def status_label(self) -> str:
        return self.status.label

    @strawberry.field(description="Masked, as in every list.")
    def phone(self) -> str:
        return mask_phone(self._phone) or ""

    @strawberry.field
    async def institution(self, info: Info) -> InstitutionType:
        row = await info.context.loaders.institution_by_id.load(self._institution_id)
        assert row is not None, "a user's institution is kept by its foreign key"
        return InstitutionType.from_model(row)

    @classmethod
    def from_model(cls, row: InstitutionUserModel) -> InstitutionUserType:
        return cls(
            id=strawberry.ID(str(row.id)),
            username=row.username,
            name=row.name,
            is_main=row.is_main,
            status=row.status,
            created_at=shown(row.created_at),  # type: ignore[arg-type]
            _phone=row.phone,
            _institution_id=row.institution_id,
        )


@strawberry.type(
    name="ApiToken", description="接口令牌 of an institution; the secret is never shown again."
)
class ApiTokenType:
    id: strawberry.ID
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @classmethod
    def from_model(cls, row: ApiTokenModel) -> ApiTokenType:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            created_at=shown(row.created_at),  # type: ignore[arg-type]
            last_used_at=shown(row.last_used_at),
            revoked_at=shown(row.revoked_at),
        )
