"""Conversion policies (转换办法): an institution uploads its stamped policy as a PDF, saves it
(【保存】) or publishes it (【发布】) on the portal, withdraws the publication (撤销发布), edits or
deletes it while unpublished or off the shelf; an administrator may take a published policy down
(下架). At most one policy of an institution is published at a time (seed 003 §2.3.1)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from models import (
    ConversionPolicy,
    ConversionRule,
    Institution,
    InstitutionUser,
    PolicyStatus,
    RuleStatus,
    StoredFile,
)
from resolvers.conversion.publishing import ensure_pledge
from resolvers.core import audit
from resolvers.core.actors import (
    Actor,
    ActorKind,
    require_admin,
    require_authenticated,
    require_institution,
)
from resolvers.core.clock import day_start, now
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.files import attach_file
from resolvers.core.pages import paginate
from resolvers.core.validation import FieldChecker
from resolvers.messages import notify, to_institution

MAX_NAME = 100
MAX_REASON = 500
POLICY_LINK = "/conversion/policies/{id}"
ALREADY_PUBLISHED = "已有一条已发布状态的转换办法"
_EDITABLE = (PolicyStatus.UNPUBLISHED, PolicyStatus.OFF_SHELF)


@dataclass
class PolicyFilter:
    """转换办法发布 list filters: 发布时间 from / to (days in Asia/Shanghai, both included) and
    状态; administrators may narrow to institutions whose name contains ``institution_name``."""

    status: PolicyStatus | None = None
    published_from: dt.date | None = None
    published_to: dt.date | None = None
    institution_name: str | None = None


def _not_found(field: str = "id") -> DomainError:
    return DomainError.of(ErrorCode.NOT_FOUND, "转换办法不存在", field)


def _conflict(field: str) -> DomainError:
    return DomainError.of(ErrorCode.CONFLICT, ALREADY_PUBLISHED, field)


async def _checked_input(
    actor: Actor, name: str, file_id: uuid.UUID | None, *, file_required: bool
) -> tuple[str, uuid.UUID | None]:
    """The cleaned name and the attached file, every problem reported at once."""
    checker = FieldChecker()
    cleaned = checker.text("name", name, max_length=MAX_NAME)
    attached: uuid.UUID | None = None
    if file_id is None:
        if file_required:
            checker.problems.add("fileId", ErrorCode.REQUIRED, "请上传转换办法文件（PDF）")
    else:
        try:
            attached = (await attach_file(actor, file_id, "fileId")).id
        except DomainError as error:
            checker.problems.items.extend(error.problems)
    checker.done()
    return cleaned, attached


async def _own(
    institution_id: uuid.UUID, policy_id: uuid.UUID, *, lock: bool = False
) -> ConversionPolicy:
    query = ConversionPolicy.select_for_update() if lock else ConversionPolicy
    policy = await query.get_or_none(id=policy_id, institution_id=institution_id)
    if policy is None:
        raise _not_found()
    return policy


def _require_editable(policy: ConversionPolicy, action: str) -> None:
    if policy.status not in _EDITABLE:
        raise DomainError.of(
            ErrorCode.WRONG_STATE,
            f"转换办法{policy.status.label}，只有未发布或下架状态的转换办法可以{action}",
            "id",
        )


async def _lock_institution(institution_id: uuid.UUID) -> None:
    """Serialise what changes whether an institution has a published policy (publish, withdraw,
    take down): each runs with this row locked, so a check made under the same lock holds until
    the transaction ends (PostgreSQL; SQLite runs one transaction at a time). Lock order: the
    institution, then the policy, then the publishing user (the pledge)."""
    await Institution.select_for_update().filter(id=institution_id).first()


async def _refuse_second_publication(institution_id: uuid.UUID, field: str) -> None:
    if await ConversionPolicy.exists(institution_id=institution_id, status=PolicyStatus.PUBLISHED):
        raise _conflict(field)


async def _publish_locked(
    actor: Actor, policy: ConversionPolicy, pledge_accepted: bool, field: str
) -> None:
    """Publish ``policy`` inside the caller's transaction, the institution row locked."""
    await _refuse_second_publication(policy.institution_id, field)
    await ensure_pledge(actor, pledge_accepted)
    before = audit.snapshot(policy)
    moment = now()
    published = await ConversionPolicy.filter(id=policy.id, status__in=_EDITABLE).update(
        status=PolicyStatus.PUBLISHED, published_at=moment, taken_down_reason=""
    )
    if not published:
        raise DomainError.of(ErrorCode.WRONG_STATE, "转换办法已发布", "id")
    policy.status = PolicyStatus.PUBLISHED
    policy.published_at = moment
    policy.taken_down_reason = ""
    await audit.record_change(actor, "conversion_policy.publish", policy, before)


# -- the institution -----------------------------------------------------------------------------


async def create_policy(
    actor: Actor,
    name: str,
    file_id: uuid.UUID | None,
    *,
    publish: bool = False,
    pledge_accepted: bool = False,
) -> ConversionPolicy:
    """上传转换办法: saved unpublished (【保存】), or published at once (【发布】) — then refused
    whole when the institution already has a published policy."""
    institution_id = require_institution(actor, people_only=True)
    cleaned, attached = await _checked_input(actor, name, file_id, file_required=True)
    assert attached is not None and actor.id is not None
    try:
        async with in_transaction():
            if publish:
                await _lock_institution(institution_id)
            policy = await ConversionPolicy.create(
                institution_id=institution_id,
                name=cleaned,
                file_id=attached,
                created_by_id=actor.id,
            )
            await audit.record(
                actor, "conversion_policy.create", policy, after=audit.snapshot(policy)
            )
            if publish:
                await _publish_locked(actor, policy, pledge_accepted, "publish")
    except IntegrityError:
        raise _conflict("publish") from None
    return policy


async def update_policy(
    actor: Actor, policy_id: uuid.UUID, name: str, file_id: uuid.UUID | None = None
) -> ConversionPolicy:
    """修改: the name and (when given) the file, while unpublished or off the shelf."""
    institution_id = require_institution(actor, people_only=True)
    _require_editable(await _own(institution_id, policy_id), "修改")
    cleaned, attached = await _checked_input(actor, name, file_id, file_required=False)
    async with in_transaction():
        policy = await _own(institution_id, policy_id, lock=True)
        _require_editable(policy, "修改")
        before = audit.snapshot(policy)
        values: dict[str, Any] = {"name": cleaned}
        if attached is not None:
            values["file_id"] = attached
        await ConversionPolicy.filter(id=policy.id, status__in=_EDITABLE).update(**values)
        policy.update_from_dict(values)
        await audit.record_change(actor, "conversion_policy.update", policy, before)
    return policy


async def delete_policy(actor: Actor, policy_id: uuid.UUID) -> uuid.UUID:
    """删除: while unpublished or off the shelf. The uploaded file stays in the audit trail."""
    institution_id = require_institution(actor, people_only=True)
    async with in_transaction():
        policy = await _own(institution_id, policy_id, lock=True)
        _require_editable(policy, "删除")
        before = audit.snapshot(policy)
        await ConversionPolicy.filter(id=policy.id, status__in=_EDITABLE).delete()
        await audit.record(actor, "conversion_policy.delete", policy, before=before)
    return policy.id


async def publish_policy(
    actor: Actor, policy_id: uuid.UUID, pledge_accepted: bool = False
) -> ConversionPolicy:
    """发布: an unpublished or off-shelf policy goes on the portal, unless another policy of the
    institution is published (仅能保留一条已发布状态的转换办法). The actor's first publication
    records their acceptance of the pledge. Of concurrent publications, exactly one wins."""
    institution_id = require_institution(actor, people_only=True)
    try:
        async with in_transaction():
            await _lock_institution(institution_id)
            policy = await _own(institution_id, policy_id, lock=True)
            if policy.status == PolicyStatus.PUBLISHED:
                raise DomainError.of(ErrorCode.WRONG_STATE, "转换办法已发布", "id")
            await _publish_locked(actor, policy, pledge_accepted, "id")
    except IntegrityError:
        raise _conflict("id") from None
    return policy


async def withdraw_policy(actor: Actor, policy_id: uuid.UUID) -> ConversionPolicy:
    """撤销发布: a published policy leaves the portal at once and is unpublished again."""
    institution_id = require_institution(actor, people_only=True)
    async with in_transaction():
        await _lock_institution(institution_id)
        policy = await _own(institution_id, policy_id, lock=True)
        if policy.status != PolicyStatus.PUBLISHED:
            raise DomainError.of(
                ErrorCode.WRONG_STATE,
                f"转换办法{policy.status.label}，只有已发布的转换办法可以撤销发布",
                "id",
            )
        before = audit.snapshot(policy)
        await ConversionPolicy.filter(id=policy.id, status=PolicyStatus.PUBLISHED).update(
            status=PolicyStatus.UNPUBLISHED, published_at=None
        )
        policy.status = PolicyStatus.UNPUBLISHED
        policy.published_at = None
        await audit.record_change(actor, "conversion_policy.withdraw", policy, before)
    return policy


async def list_policies(
    actor: Actor, page: int, page_size: int, filters: PolicyFilter
) -> tuple[list[ConversionPolicy], int]:
    """转换办法发布: the institution's own policies (administrators: every institution's),
    newest upload first."""
    require_authenticated(actor)
    if (
        filters.published_from is not None
        and filters.published_to is not None
        and filters.published_from > filters.published_to
    ):
        raise DomainError.of(ErrorCode.INVALID, "结束时间不能早于开始时间", "publishedTo")
    if actor.is_admin:
        query = ConversionPolicy.all()
        if filters.institution_name and filters.institution_name.strip():
            query = query.filter(
                institution_id__in=Subquery(
                    Institution.filter(name__icontains=filters.institution_name.strip()).values(
                        "id"
                    )
                )
            )
    else:
        query = ConversionPolicy.filter(institution_id=require_institution(actor))
    if filters.status is not None:
        query = query.filter(status=filters.status)
    if filters.published_from is not None:
        query = query.filter(published_at__gte=day_start(filters.published_from))
    if filters.published_to is not None:
        query = query.filter(
            published_at__lt=day_start(filters.published_to + dt.timedelta(days=1))
        )
    return await paginate(query, page, page_size, "-created_at")


async def visible_policy(actor: Actor, policy_id: uuid.UUID) -> ConversionPolicy:
    """One policy, for its institution (users and API tokens) or an administrator."""
    require_authenticated(actor)
    if actor.is_admin:
        policy = await ConversionPolicy.get_or_none(id=policy_id)
        if policy is None:
            raise _not_found()
        return policy
    return await _own(require_institution(actor), policy_id)


async def pledge_accepted(actor: Actor) -> bool:
    """Whether the institution user has accepted the information-publishing pledge already, so
    the upload window need not show it again."""
    if actor.kind != ActorKind.INSTITUTION_USER or actor.id is None:
        return False
    return await InstitutionUser.exists(id=actor.id, publishing_pledge_accepted_at__isnull=False)


# -- the bank ------------------------------------------------------------------------------------


async def take_down_policy(actor: Actor, policy_id: uuid.UUID, reason: str) -> ConversionPolicy:
    """下架: an administrator removes a published policy from the portal, with a reason the
    institution is told."""
    require_admin(actor)
    checker = FieldChecker()
    cleaned = checker.text("reason", reason, max_length=MAX_REASON)
    checker.done()
    found = await ConversionPolicy.get_or_none(id=policy_id)
    if found is None:
        raise _not_found()
    async with in_transaction():
        await _lock_institution(found.institution_id)
        policy = await ConversionPolicy.select_for_update().get_or_none(id=found.id)
        if policy is None:
            raise _not_found()
        if policy.status != PolicyStatus.PUBLISHED:
            raise DomainError.of(
                ErrorCode.WRONG_STATE,
                f"转换办法{policy.status.label}，只有已发布的转换办法可以下架",
                "id",
            )
        before = audit.snapshot(policy)
        await ConversionPolicy.filter(id=policy.id, status=PolicyStatus.PUBLISHED).update(
            status=PolicyStatus.OFF_SHELF, taken_down_reason=cleaned
        )
        policy.status = PolicyStatus.OFF_SHELF
        policy.taken_down_reason = cleaned
        await notify(
            to_institution(
                policy.institution_id,
                "conversion_policy.taken_down",
                "转换办法已下架",
                f"您机构的转换办法“{policy.name}”已被学分银行下架，原因：{cleaned}",
                POLICY_LINK.format(id=policy.id),
                policy.id,
            )
        )
        old, new = audit.changed(before, audit.snapshot(policy))
        await audit.record(
            actor,
            "conversion_policy.take_down",
            policy,
            before=old,
            after=new,
            institution_id=policy.institution_id,
        )
    return policy


# -- the portal ----------------------------------------------------------------------------------


async def portal_policies(
    page: int, page_size: int, institution_name: str | None = None, name: str | None = None
) -> tuple[list[ConversionPolicy], int]:
    """Anyone, without logging in: the published policies, latest publication first."""
    query = ConversionPolicy.filter(status=PolicyStatus.PUBLISHED)
    if name and name.strip():
        query = query.filter(name__icontains=name.strip())
    if institution_name and institution_name.strip():
        query = query.filter(
            institution_id__in=Subquery(
                Institution.filter(name__icontains=institution_name.strip()).values("id")
            )
        )
    return await paginate(query, page, page_size, "-published_at")


async def portal_policy(policy_id: uuid.UUID) -> ConversionPolicy:
    """Anyone: one published policy; gone as soon as it is withdrawn or taken down."""
    policy = await ConversionPolicy.get_or_none(id=policy_id, status=PolicyStatus.PUBLISHED)
    if policy is None:
        raise _not_found()
    return policy


async def public_file(file_id: uuid.UUID) -> StoredFile | None:
    """The file, when it is attached to a policy or a rule that is published now; None otherwise
    (for the portal's download route, without login)."""
    if not (
        await ConversionPolicy.exists(file_id=file_id, status=PolicyStatus.PUBLISHED)
        or await ConversionRule.exists(file_id=file_id, status=RuleStatus.PUBLISHED)
    ):
        return None
    return await StoredFile.get_or_none(id=file_id)
