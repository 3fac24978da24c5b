"""GraphQL types of learner accounts and of the viewer."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import strawberry

from graphql_api.common import shown
from graphql_api.context import Info
from graphql_api.enums import Gender, IdType, LearnerStatus
from models import Learner as LearnerModel
from resolvers.core.actors import Actor
from resolvers.core.masking import mask_id_number, mask_phone


def sees_whole_identity(
    actor: Actor,
    learner_id: uuid.UUID,
    creator: uuid.UUID | None,
    *,
    depositor: uuid.UUID | None = None,
    listed: bool = False,
) -> bool:
    """ID and phone numbers are whole for the holder, and for the institution that created the
    account or deposited the record being viewed (SPEC §1) — except in that institution's lists
    (``listed``), which show them masked as the manuals do; masked for everyone else."""
    if actor.is_learner:
        return actor.id == learner_id
    if listed or not actor.acts_for_institution or actor.institution_id is None:
        return False
    return actor.institution_id in {creator, depositor} - {None}


@strawberry.type(name="Learner", description="学习账户: a learner's account and credit bank card.")
class LearnerType:
    id: strawberry.ID
    name: str
    id_type: IdType
    status: LearnerStatus
    card_number: str = strawberry.field(description="学银卡号")
    gender: Gender | None
    education_level: str
    professional_title: str
    province: str
    city: str
    district: str
    address: str
    occupation: str
    agreement_user_number: str = strawberry.field(description="协议单位用户号")
    activated_at: dt.datetime | None
    created_at: dt.datetime
    _id_number: strawberry.Private[str]
    _phone: strawberry.Private[str | None]
    _creator: strawberry.Private[uuid.UUID | None]
    _listed: strawberry.Private[bool] = False
    _holder: strawberry.Private[bool] = False  # answered to the holder (e.g. on registering)

    @strawberry.field(description="学分银行学分: the sum over stored achievements.")
    async def credits(self, info: Info) -> decimal.Decimal:
        return await info.context.loaders.credits_by_learner.load(uuid.UUID(self.id))

    @strawberry.field
    def id_type_label(self) -> str:
        return self.id_type.label

    @strawberry.field
    def status_label(self) -> str:
        return self.status.label

    @strawberry.field(description="Whole for the holder and the creating institution, else masked.")
    def id_number(self, info: Info) -> str:
        if self._holder or sees_whole_identity(
            info.context.actor, uuid.UUID(self.id), self._creator, listed=self._listed
        ):
            return self._id_number
        return mask_id_number(self._id_number)

    @strawberry.field(description="Whole for the holder and the creating institution, else masked.")
    def phone(self, info: Info) -> str | None:
        if self._holder or sees_whole_identity(
            info.context.actor, uuid.UUID(self.id), self._creator, listed=self._listed
        ):
            return self._phone
        return mask_phone(self._phone)

    @classmethod
    def from_model(
        cls, row: LearnerModel, *, listed: bool = False, holder: bool = False
    ) -> LearnerType:
        """``listed``: a row of an institution's list, where ID and phone are always masked;
        ``holder``: the answer goes to the holder themself, who sees them whole."""
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            id_type=row.id_type,
            status=row.status,
            card_number=row.card_number,
            gender=row.gender,
            education_level=row.education_level,
            professional_title=row.professional_title,
            province=row.province,
            city=row.city,
            district=row.district,
            address=row.address,
            occupation=row.occupation,
            agreement_user_number=row.agreement_user_number,
            activated_at=shown(row.activated_at),
            created_at=shown(row.created_at),  # type: ignore[arg-type]
            _id_number=row.id_number,
            _phone=row.phone,
            _creator=row.created_by_institution_id,
            _listed=listed,
            _holder=holder,
        )
