"""Institutions over HTTP: the audit log."""

from __future__ import annotations

import datetime as dt

from resolvers.core.clock import beijing
from tests.institution_fixtures import (
    AUDIT_LOG,
    INSTITUTION,
    INSTITUTIONS,
    approve,
    approved_institution,
    call,
    create_api_token,
    create_sub_user,
    login_institution,
    login_learner,
    make_learner,
    register_institution,
    review,
    top_level_error,
    viewer,
)

# -- the audit log -------------------------------------------------------------------------------


async def test_the_audit_log_shows_the_approval_before_and_after(api, admin_token):
    account = await register_institution(api, 1)
    other = await register_institution(api, 2)
    await approve(api, admin_token, account.id)
    await review(api, admin_token, other.id, False, "资质不符")
    admin_id = (await viewer(api, admin_token))["administratorUsername"]
    assert admin_id == "admin"

    institution_log = await call(api, AUDIT_LOG, {"action": "institution."}, admin_token)
    assert institution_log["totalCount"] == 4
    assert [e["action"] for e in institution_log["items"]] == [
        "institution.reject",
        "institution.approve",
        "institution.register",
        "institution.register",
    ]

    approvals = await call(api, AUDIT_LOG, {"action": "institution.approve"}, admin_token)
    (entry,) = approvals["items"]
    assert entry["objectId"] == account.id
    assert entry["objectType"] == "Institution"
    assert entry["institutionId"] == account.id
    assert (entry["actorKind"], entry["actorLabel"]) == ("administrator", "管理员")
    assert entry["before"] == {"status": "pending", "review_note": ""}
    assert entry["after"] == {"status": "approved", "review_note": ""}

    refusal = (await call(api, AUDIT_LOG, {"action": "institution.reject"}, admin_token))["items"]
    assert refusal[0]["after"] == {"status": "rejected", "review_note": "资质不符"}

    by_object = await call(api, AUDIT_LOG, {"objectId": other.id}, admin_token)
    assert [e["action"] for e in by_object["items"]] == [
        "institution.reject",
        "institution.register",
    ]
    by_actor = await call(api, AUDIT_LOG, {"actorId": entry["actorId"]}, admin_token)
    assert by_actor["totalCount"] == 2
    nothing = await call(api, AUDIT_LOG, {"action": "learner."}, admin_token)
    assert nothing == {"totalCount": 0, "items": []}
    timed = """query($since: DateTime, $until: DateTime) {
      auditLog(since: $since, until: $until, action: "institution.") { totalCount } }"""
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    assert (await call(api, timed, {"since": future}, admin_token))["totalCount"] == 0
    assert (await call(api, timed, {"until": future}, admin_token))["totalCount"] == 4
    # Times come back in UTC; fed back in, or typed as Beijing time without an offset, they
    # select the same entries.
    assert entry["at"].endswith("+00:00")
    assert (await call(api, timed, {"since": entry["at"]}, admin_token))["totalCount"] == 2
    local = beijing(dt.datetime.fromisoformat(entry["at"])).replace(tzinfo=None).isoformat()
    assert (await call(api, timed, {"since": local}, admin_token))["totalCount"] == 2
    assert (await call(api, timed, {"until": local}, admin_token))["totalCount"] == 2


async def test_audit_log_rejects_a_malformed_object_id(api, admin_token):
    response = await api.post(AUDIT_LOG, {"objectId": "nope"}, admin_token)
    assert response.json()["errors"][0]["extensions"] == {"code": "INVALID", "field": "objectId"}


async def test_only_administrators_read_the_audit_log_and_the_institution_list(api, admin_token):
    account = await approved_institution(api, admin_token, 1)
    await create_sub_user(api, account.token, "teacher_a", 1)
    sub_token = await login_institution(api, "teacher_a")
    _, api_token = await create_api_token(api, account.token)

    learner = await make_learner(1)
    learner_token = await login_learner(api, learner.phone)

    for token in (account.token, sub_token, api_token, learner_token):
        assert await top_level_error(api, AUDIT_LOG, {}, token) == "FORBIDDEN"
        assert await top_level_error(api, INSTITUTIONS, {}, token) == "FORBIDDEN"
    assert await top_level_error(api, INSTITUTION, {"id": account.id}, learner_token) == (
        "FORBIDDEN"
    )
    assert await top_level_error(api, AUDIT_LOG, {}, None) == "UNAUTHENTICATED"
    assert await top_level_error(api, INSTITUTIONS, {}, None) == "UNAUTHENTICATED"
    assert (await call(api, AUDIT_LOG, {}, admin_token))["totalCount"] == 5
