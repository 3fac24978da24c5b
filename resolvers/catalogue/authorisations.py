"""The authorisation of restricted subtypes (授权): the bank lets an institution deposit a
restricted subtype, or withdraws that; an institution sees its own, administrators all."""

from __future__ import annotations

import uuid

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import AchievementSubtype, Institution, SubtypeAuthorisation
from resolvers.core import audit
from resolvers.core.actors import Actor, require_admin, require_institution
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.messages import notify, to_institution

AUTHORISATION_LINK = "/catalogue/authorisations"


async def _restricted_subtype(code: str) -> AchievementSubtype:
    subtype = await AchievementSubtype.get_or_none(code=code.strip())
    if subtype is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "成果子类型不存在", "subtype")
    if not subtype.restricted:
        raise DomainError.of(ErrorCode.INVALID, f"{subtype.label}无需授权即可存储", "subtype")
    return subtype


async def authorise_subtype(
    actor: Actor, institution_id: uuid.UUID, subtype_code: str
) -> SubtypeAuthorisation:
    """The bank authorises an institution to deposit a restricted subtype (授权)."""
    require_admin(actor)
    subtype = await _restricted_subtype(subtype_code)
    institution = await Institution.get_or_none(id=institution_id)
    if institution is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "机构不存在", "institutionId")
    conflict = DomainError.of(
        ErrorCode.CONFLICT, f"该机构已获得{subtype.label}的存储授权", "subtype"
    )
    if await SubtypeAuthorisation.exists(institution_id=institution_id, subtype_id=subtype.code):
        raise conflict
    try:
        async with in_transaction():
            grant = await SubtypeAuthorisation.create(
                institution_id=institution_id, subtype_id=subtype.code, granted_by_id=actor.id
            )
            await audit.record(
                actor,
                "subtype_authorisation.grant",
                grant,
                after={"institution_id": str(institution_id), "subtype_id": subtype.code},
                institution_id=institution_id,
            )
            await notify(
                to_institution(
                    institution_id,
                    "subtype_authorisation.granted",
                    "成果存储授权已开通",
                    f"学分银行已授权贵机构存储{subtype.label}。",
                    AUTHORISATION_LINK,
                    grant.id,
                )
            )
    except IntegrityError:
        raise conflict from None
    return grant


async def revoke_subtype_authorisation(
    actor: Actor, institution_id: uuid.UUID, subtype_code: str
) -> SubtypeAuthorisation:
    """Withdraw an authorisation; entries saved under it stay, new ones are refused."""
    require_admin(actor)
    async with in_transaction():
        grant = await SubtypeAuthorisation.select_for_update().get_or_none(
            institution_id=institution_id, subtype_id=subtype_code.strip()
        )
        if grant is None:
            raise DomainError.of(ErrorCode.NOT_FOUND, "该机构没有此成果子类型的授权", "subtype")
        subtype = await AchievementSubtype.get(code=grant.subtype_id)
        await audit.record(
            actor,
            "subtype_authorisation.revoke",
            grant,
            before={"institution_id": str(institution_id), "subtype_id": subtype.code},
            institution_id=institution_id,
        )
        await grant.delete()
        await notify(
            to_institution(
                institution_id,
                "subtype_authorisation.revoked",
                "成果存储授权已撤销",
                f"学分银行已撤销贵机构存储{subtype.label}的授权，已存储的成果不受影响。",
                AUTHORISATION_LINK,
                grant.id,
            )
        )
    return grant


async def list_authorisations(
    actor: Actor, institution_id: uuid.UUID | None = None
) -> list[SubtypeAuthorisation]:
    """An institution's own authorisations; an administrator's view of all or one institution's."""
    query = SubtypeAuthorisation.all()
    if actor.is_admin:
        if institution_id is not None:
            query = query.filter(institution_id=institution_id)
    else:
        query = query.filter(institution_id=require_institution(actor, approved=False))
    return await query.order_by("granted_at", "id")
