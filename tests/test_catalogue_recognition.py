"""The catalogue over HTTP: recognition and authorisation of restricted subtypes."""

from __future__ import annotations

import asyncio

from models import (
    AuditEntry,
    InstitutionAchievement,
    Message,
    RecipientKind,
)
from tests.catalogue_fixtures import (
    AUTHORISE,
    CREATE,
    ENTRY,
    MY_AUTHORISATIONS,
    QUEUE,
    RECOGNISE,
    REFUSE,
    REVOKE,
    SUBMIT,
    create_entry,
    entry_input,
    institution_with_token,
    new_admin_token,
    recognise,
    submit,
)
from tests.catalogue_http_fixtures import (
    _payload,
)
from tests.institution_fixtures import (
    audit_actions,
    codes,
)

# -- recognition ---------------------------------------------------------------------------------


async def test_recognition_refused_then_granted(api, admin_token):
    institution_id, token = await institution_with_token(api, 1)
    entry = await create_entry(api, token)
    other = await create_entry(api, token, "higher_course", "餐厅创建课程")

    premature = await _payload(
        api, RECOGNISE, {"input": {"id": entry, "credits": "4"}}, admin_token
    )
    assert codes(premature) == [("id", "WRONG_STATE")]

    submitted = await _payload(api, SUBMIT, {"ids": [entry, other]}, token)
    assert submitted["entries"] == [
        {"id": entry, "recognitionStatus": "RECOGNISING"},
        {"id": other, "recognitionStatus": "RECOGNISING"},
    ]
    again = await _payload(api, SUBMIT, {"ids": [entry]}, token)
    assert codes(again) == [("ids.0", "WRONG_STATE")]

    queue = (await api.gql(QUEUE, token=admin_token))["recognitionQueue"]
    assert queue["totalCount"] == 2
    assert queue["items"][0] == {
        "id": entry,
        "name": "经济统计学毕业证书(本科)",
        "institution": {"name": "江苏测试学院1"},
        "subtypeLabel": "普通高等教育学历证书",
    }
    filtered = await api.gql(QUEUE, {"subtype": "higher_course"}, token=admin_token)
    assert [i["id"] for i in filtered["recognitionQueue"]["items"]] == [other]
    filtered = await api.gql(QUEUE, {"institutionId": institution_id}, token=admin_token)
    assert filtered["recognitionQueue"]["totalCount"] == 2

    no_reason = await _payload(api, REFUSE, {"input": {"id": entry, "reason": " "}}, admin_token)
    assert codes(no_reason) == [("reason", "REQUIRED")]
    refused = await _payload(
        api, REFUSE, {"input": {"id": entry, "reason": "专业代码与名称不符"}}, admin_token
    )
    assert refused["errors"] == []
    assert refused["entry"]["recognitionStatus"] == "UNRECOGNISED"
    assert refused["entry"]["recognitionNote"] == "专业代码与名称不符"

    await submit(api, token, entry)
    for credits in ("0", "-1", "100.01", "1.234", "abc"):
        bad = await api.post(RECOGNISE, {"input": {"id": entry, "credits": credits}}, admin_token)
        body = bad.json()
        if body.get("data"):
            assert codes(body["data"]["catalogueEntryRecognise"]) == [("credits", "INVALID")]
        else:  # not a number at all: the Decimal scalar refuses it
            assert body["errors"]
    entry_row = await InstitutionAchievement.get(id=entry)
    assert entry_row.recognition_status.value == "recognising" and entry_row.credits is None

    recognised = await recognise(api, admin_token, entry, "2.5")
    assert recognised["recognitionStatus"] == "RECOGNISED"
    assert recognised["recognitionStatusLabel"] == "已认定"
    assert recognised["credits"] == "2.50"
    assert recognised["recognisedAt"].endswith("+00:00")
    assert recognised["recognitionNote"] == ""
    twice = await _payload(api, RECOGNISE, {"input": {"id": entry, "credits": "3"}}, admin_token)
    assert codes(twice) == [("id", "WRONG_STATE")]

    messages = await Message.filter(
        recipient_kind=RecipientKind.INSTITUTION, recipient_id=institution_id
    ).order_by("created_at", "id")
    assert [m.event for m in messages] == [
        "catalogue_entry.refused",
        "catalogue_entry.recognised",
    ]
    assert "专业代码与名称不符" in messages[0].body
    assert "2.50" in messages[1].body and str(messages[1].object_id) == entry
    inbox = await api.gql("{ myMessages { unreadCount items { title } } }", token=token)
    assert inbox["myMessages"]["unreadCount"] == 2
    assert [a for a in await audit_actions() if a.startswith("catalogue_entry.")] == [
        "catalogue_entry.create",
        "catalogue_entry.create",
        "catalogue_entry.submit",
        "catalogue_entry.submit",
        "catalogue_entry.refuse",
        "catalogue_entry.submit",
        "catalogue_entry.recognise",
    ]
    recognise_audit = await AuditEntry.get(action="catalogue_entry.recognise")
    assert recognise_audit.before == {
        "recognition_status": "recognising",
        "credits": None,
        "recognised_at": None,
    }
    assert recognise_audit.after["credits"] == "2.50"
    assert str(recognise_audit.institution_id) == institution_id


async def test_two_administrators_deciding_at_once(api, admin_token):
    _, token = await institution_with_token(api, 1)
    other_admin = await new_admin_token()
    for _ in range(3):
        entry = await create_entry(api, token, name=f"成果{_}")
        await submit(api, token, entry)
        results = await asyncio.gather(
            _payload(api, RECOGNISE, {"input": {"id": entry, "credits": "3"}}, admin_token),
            _payload(api, REFUSE, {"input": {"id": entry, "reason": "不符"}}, other_admin),
        )
        assert sorted(len(r["errors"]) for r in results) == [0, 1]
        loser = next(r for r in results if r["errors"])
        assert codes(loser) == [("id", "WRONG_STATE")]
        row = await InstitutionAchievement.get(id=entry)
        winner = next(r for r in results if not r["errors"])
        assert row.recognition_status.value == winner["entry"]["recognitionStatus"].lower()
        assert await Message.filter(object_id=entry).count() == 1


# -- authorisation of restricted subtypes --------------------------------------------------------


async def test_authorising_a_restricted_subtype(api, admin_token):
    institution_id, token = await institution_with_token(api, 1)
    other_id, other_token = await institution_with_token(api, 2)
    data = {"input": entry_input("mohrss_certificate", "电工(中级)")}
    assert codes(await _payload(api, CREATE, data, token)) == [("subtype", "NOT_ALLOWED")]

    grant = {"input": {"institutionId": institution_id, "subtype": "mohrss_certificate"}}
    granted = await _payload(api, AUTHORISE, grant, admin_token)
    assert granted["errors"] == []
    assert {k: v for k, v in granted["authorisation"].items() if k not in ("id", "grantedAt")} == {
        "institutionId": institution_id,
        "institutionName": "江苏测试学院1",
        "subtype": "mohrss_certificate",
        "subtypeLabel": "职业技能等级证书（人社部）",
    }
    assert codes(await _payload(api, AUTHORISE, grant, admin_token)) == [("subtype", "CONFLICT")]
    unrestricted = {"input": {"institutionId": institution_id, "subtype": "higher_diploma"}}
    assert codes(await _payload(api, AUTHORISE, unrestricted, admin_token)) == [
        ("subtype", "INVALID")
    ]
    nowhere = {"input": {"institutionId": other_id[:-4] + "0000", "subtype": "other_certificate"}}
    assert codes(await _payload(api, AUTHORISE, nowhere, admin_token)) == [
        ("institutionId", "NOT_FOUND")
    ]

    mine = await api.gql(MY_AUTHORISATIONS, token=token)
    assert [a["subtype"] for a in mine["mySubtypeAuthorisations"]] == ["mohrss_certificate"]
    assert (await api.gql(MY_AUTHORISATIONS, token=other_token))["mySubtypeAuthorisations"] == []
    everyone = await api.gql("{ subtypeAuthorisations { institutionName } }", token=admin_token)
    assert everyone["subtypeAuthorisations"] == [{"institutionName": "江苏测试学院1"}]

    created = await _payload(api, CREATE, data, token)
    assert created["errors"] == []
    assert codes(await _payload(api, CREATE, data, other_token)) == [("subtype", "NOT_ALLOWED")]

    revoked = await _payload(api, REVOKE, grant, admin_token)
    assert revoked["errors"] == [] and revoked["authorisation"]["subtype"] == "mohrss_certificate"
    assert codes(await _payload(api, REVOKE, grant, admin_token)) == [("subtype", "NOT_FOUND")]
    again = {"input": entry_input("mohrss_certificate", "电工(高级)", level="senior")}
    assert codes(await _payload(api, CREATE, again, token)) == [("subtype", "NOT_ALLOWED")]
    # What was saved under the authorisation stays.
    assert (await api.gql(ENTRY, {"id": created["entry"]["id"]}, token=token))["catalogueEntry"]

    events = await Message.filter(recipient_id=institution_id).order_by("created_at", "id")
    assert [m.event for m in events] == [
        "subtype_authorisation.granted",
        "subtype_authorisation.revoked",
    ]
    actions = await audit_actions()
    assert "subtype_authorisation.grant" in actions and "subtype_authorisation.revoke" in actions
