"""The documents and helpers shared by the conversion-policy tests (test_conversion_policy_*)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from models import (
    AuditEntry,
    ConversionPolicy,
    InstitutionUser,
    Message,
    PolicyStatus,
    StoredFile,
)
from tests.achievement_fixtures import AchievementWorld
from tests.institution_fixtures import FIELD_ERRORS, call
from tests.test_files import PDF, uploaded

POLICY_FIELDS = (
    "id name status statusLabel uploadedAt publishedAt takenDownReason institutionId "
    "institution { id name } fileName fileUrl file { id filename }"
)


PORTAL_FIELDS = "id name publishedAt institutionId institutionName fileName fileUrl"


PAYLOAD = f"{FIELD_ERRORS} policy {{ {POLICY_FIELDS} }}"


CREATE = f"""
mutation Create($input: ConversionPolicyCreateInput!) {{
  conversionPolicyCreate(input: $input) {{ {PAYLOAD} }}
}}"""


UPDATE = f"""
mutation Update($input: ConversionPolicyUpdateInput!) {{
  conversionPolicyUpdate(input: $input) {{ {PAYLOAD} }}
}}"""


DELETE = f"""
mutation Delete($id: ID!) {{ conversionPolicyDelete(id: $id) {{ {FIELD_ERRORS} deletedId }} }}"""


PUBLISH = f"""
mutation Publish($id: ID!, $pledgeAccepted: Boolean! = false) {{
  conversionPolicyPublish(id: $id, pledgeAccepted: $pledgeAccepted) {{ {PAYLOAD} }}
}}"""


WITHDRAW = f"""
mutation Withdraw($id: ID!) {{ conversionPolicyWithdraw(id: $id) {{ {PAYLOAD} }} }}"""


TAKE_DOWN = f"""
mutation TakeDown($id: ID!, $reason: String!) {{
  conversionPolicyTakeDown(id: $id, reason: $reason) {{ {PAYLOAD} }}
}}"""


LIST = f"""
query List($page: Int! = 1, $pageSize: Int! = 10, $status: ConversionPolicyStatus,
           $publishedFrom: Date, $publishedTo: Date, $institutionName: String) {{
  conversionPolicies(page: $page, pageSize: $pageSize, status: $status,
                     publishedFrom: $publishedFrom, publishedTo: $publishedTo,
                     institutionName: $institutionName) {{
    totalCount page pageSize items {{ {POLICY_FIELDS} }}
  }}
}}"""


ONE = f"query One($id: ID!) {{ conversionPolicy(id: $id) {{ {POLICY_FIELDS} }} }}"


PORTAL = f"""
query Portal($page: Int! = 1, $pageSize: Int! = 10, $institutionName: String, $name: String) {{
  portalConversionPolicies(page: $page, pageSize: $pageSize, institutionName: $institutionName,
                           name: $name) {{ totalCount items {{ {PORTAL_FIELDS} }} }}
}}"""


PORTAL_ONE = f"query One($id: ID!) {{ portalConversionPolicy(id: $id) {{ {PORTAL_FIELDS} }} }}"


PLEDGE = "{ publishingPledgeAccepted }"


POLICY_NAME = "长沙理工大学转换办法"


FILENAME = "学分银行转换办法.pdf"


async def _rows() -> dict[str, list[dict]]:
    """Every row a policy mutation may write, to compare before and after a refused request."""
    return {
        "conversion_policy": await ConversionPolicy.all().order_by("id").values(),
        "message": await Message.all().order_by("id").values(),
        "audit_entry": await AuditEntry.all().order_by("id").values(),
        "institution_user": await InstitutionUser.all().order_by("id").values(),
    }


async def _pdf(api, token: str, filename: str = FILENAME, data: bytes = PDF) -> str:
    """The id of a PDF uploaded through ``fileUpload``."""
    return (await uploaded(api, token, filename, data))["id"]


async def _create(api, token: str, file_id: str, **overrides: Any) -> dict:
    data = {"name": POLICY_NAME, "fileId": file_id, **overrides}
    payload = await call(api, CREATE, {"input": data}, token)
    assert payload["errors"] == [], payload
    return payload["policy"]


async def _publish(api, token: str, policy_id: str, pledge: bool = True) -> dict:
    payload = await call(api, PUBLISH, {"id": policy_id, "pledgeAccepted": pledge}, token)
    assert payload["errors"] == [], payload
    return payload["policy"]


async def _stored_file(world: AchievementWorld, **values: Any) -> StoredFile:
    """A file row of institution 1 written directly (the upload itself is tested elsewhere)."""
    data: dict[str, Any] = {
        "owner_kind": "institution_user",
        "owner_id": world.main.id,
        "institution_id": world.institution.id,
        "filename": FILENAME,
        "content_type": "application/pdf",
        "size": 1024,
        "sha256": "0" * 64,
        "storage_key": f"test/{uuid.uuid4().hex}.pdf",
    }
    data.update(values)
    return await StoredFile.create(**data)


async def _policy_row(
    world: AchievementWorld,
    status: PolicyStatus = PolicyStatus.UNPUBLISHED,
    published_at: dt.datetime | None = None,
    name: str = POLICY_NAME,
) -> ConversionPolicy:
    """A policy of institution 1 written directly, for states a test does not walk through."""
    if status == PolicyStatus.PUBLISHED and published_at is None:
        published_at = dt.datetime.now(dt.UTC)
    return await ConversionPolicy.create(
        institution_id=world.institution.id,
        name=name,
        file_id=(await _stored_file(world)).id,
        status=status,
        published_at=published_at,
        created_by_id=world.main.id,
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _audit(policy_id: str) -> list[str]:
    entries = await AuditEntry.filter(object_id=policy_id).order_by("at", "id")
    return [entry.action for entry in entries]
