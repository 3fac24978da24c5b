"""The conversion walk-through over HTTP, as the manuals tell it (seed 003 §2.3–2.4, seed 004 §3,
§5): a university publishes its policy and a rule turning a training body's certificate into one
of its courses; the portal shows both; a learner asks what they can convert to and applies; the
training body applies for a batch of its learners; the university approves and rejects; each side
reads its records, messages and conversion certificate; what can I convert to answers again."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from urllib.parse import urlsplit

import zxingcpp
from PIL import Image

from resolvers.core.clock import today
from tests.catalogue_fixtures import (
    authorise,
    institution_with_token,
    new_admin_token,
    recognised_entry,
)
from tests.institution_fixtures import login_learner, make_learner, resident_id
from tests.test_files import uploaded

DEPOSIT = """mutation($input: AchievementDepositInput!) { achievementDeposit(input: $input) {
  achievement { id status } errors { field code } } }"""
POLICY_CREATE = """mutation($input: ConversionPolicyCreateInput!) {
  conversionPolicyCreate(input: $input) { errors { field code message } policy { id status } } }"""
RULE_CREATE = """mutation($input: ConversionRuleInput!) {
  conversionRuleCreate(input: $input) { errors { field code message }
    rule { id code status } } }"""
RULE_PUBLISH = """mutation($id: ID!) { conversionRulePublish(id: $id) {
  errors { field code message } rule { id status } } }"""
RULE_WITHDRAW = """mutation($id: ID!) { conversionRuleWithdraw(id: $id) {
  errors { field code } rule { status } } }"""
PORTAL = """{ portalConversionRules { totalCount items { id code } }
  portalConversionPolicies { totalCount items { id name fileUrl } } }"""
RELATED = """{ conversionRules(scope: RELATED) { totalCount items { id code } } }"""
OPTIONS = """{ myConversionOptions {
  met { eligible alreadyApplied applicationStatus rule { code } }
  nearlyMet { rule { code } missingSources { name } } } }"""
MINE = """{ myAchievements { items { id name status } } }"""
ACHIEVEMENT_RULES = """query($id: ID!) { achievementConversionRules(achievementId: $id) {
  eligible alreadyApplied rule { id code } } }"""
APPLY = """mutation($ruleId: ID!) { conversionApply(ruleId: $ruleId) {
  errors { field code message } application { id status } } }"""
CANDIDATES = """query($ruleId: ID!) { conversionBatchCandidates(ruleId: $ruleId) {
  totalCount items { id name } } }"""
BATCH_APPLY = """mutation($input: ConversionBatchApplyInput!) {
  conversionBatchApply(input: $input) {
  errors { field code message } batch { id name learnerCount } } }"""
QUEUE = """query($scope: ConversionRecordScope!) { conversionApplications(scope: $scope) {
  totalCount items { id learnerName status statusLabel initiatorLabel } } }"""
BATCHES = """{ conversionBatches { totalCount items { id name pendingCount } } }"""
BATCH_LEARNERS = """query($id: ID!) { conversionBatchApplications(batchId: $id) {
  items { id learnerName status } } }"""
REVIEW = """mutation($input: ConversionReviewInput!) { conversionApplicationReview(input: $input) {
  errors { field code message } approvedCount rejectedCount } }"""
RECORDS = """query($status: ConversionApplicationStatus) {
  myConversionApplications(status: $status) { succeededCount pendingCount failedCount
    items { ruleCode status failureReason reviews { decisionLabel reason }
            targetAchievements { name sourceLabel status credits }
            certificate { number kind verifyUrl pngUrl } } } }"""
MESSAGES = "{ myMessages { items { event title body } } }"


async def _ok(api, query: str, variables: dict, token: str, name: str) -> dict:
    payload = (await api.gql(query, variables, token=token))[name]
    assert payload["errors"] == [], payload
    return payload


async def _events(api, token: str) -> list[str]:
    return [m["event"] for m in (await api.gql(MESSAGES, token=token))["myMessages"]["items"]]


async def test_policy_rule_apply_batch_review_records(api):
    admin = await new_admin_token()
    trainer_id, trainer = await institution_with_token(api, 1)  # 新疆美食培训, the source side
    _, school = await institution_with_token(api, 2)  # 长沙理工大学, the target side
    await authorise(trainer_id, "other_certificate")
    certificate = await recognised_entry(
        api, trainer, admin, "other_certificate", "中式烹调师(高级)", credits="5"
    )
    course = await recognised_entry(api, school, admin, "higher_course", "烹饪工艺学", "3")

    # The trainer deposits the certificate for three learners.
    learners = [await make_learner(n, name) for n, name in ((1, "李毅"), (2, "李二"), (3, "王三"))]
    for n, learner in enumerate(learners, start=1):
        await _ok(
            api,
            DEPOSIT,
            {
                "input": {
                    "catalogueEntryId": certificate,
                    "learnerName": learner.name,
                    "idNumber": resident_id(n, "19950505"),
                    "certificateNumber": f"cs0001{n}",
                    "issueDate": "2022-03-01",
                }
            },
            trainer,
            "achievementDeposit",
        )
    tokens = [await login_learner(api, learner.phone or "") for learner in learners]

    # Before any rule: nothing to convert to.
    assert (await api.gql(OPTIONS, token=tokens[0]))["myConversionOptions"] == {
        "met": [],
        "nearlyMet": [],
    }

    # The school publishes its policy (accepting the pledge once), then a rule.
    policy_pdf = (await uploaded(api, school, "长沙理工大学转换办法.pdf"))["id"]
    await _ok(
        api,
        POLICY_CREATE,
        {
            "input": {
                "name": "长沙理工大学转换办法",
                "fileId": policy_pdf,
                "publish": True,
                "pledgeAccepted": True,
            }
        },
        school,
        "conversionPolicyCreate",
    )
    rule_pdf = (await uploaded(api, school, "转换规则.pdf"))["id"]
    draft = await _ok(
        api,
        RULE_CREATE,
        {
            "input": {
                "ruleType": "NON_ACADEMIC_TO_ACADEMIC",
                "sources": [certificate],
                "targets": {"courses": [course]},
                "description": "持中式烹调师(高级)证书者可免修烹饪工艺学",
                "fileId": rule_pdf,
            }
        },
        school,
        "conversionRuleCreate",
    )
    rule = draft["rule"]
    assert rule["status"] == "DRAFT"
    assert re.fullmatch(rf"{today():%Y%m%d}\d{{4}}", rule["code"])
    await _ok(api, RULE_PUBLISH, {"id": rule["id"]}, school, "conversionRulePublish")

    # The portal shows both, to anyone; the trainer sees the rule among those related to it.
    portal = await api.gql(PORTAL)
    assert [r["code"] for r in portal["portalConversionRules"]["items"]] == [rule["code"]]
    assert portal["portalConversionPolicies"]["items"][0]["fileUrl"].startswith("/portal/files/")
    related = (await api.gql(RELATED, token=trainer))["conversionRules"]
    assert [r["id"] for r in related["items"]] == [rule["id"]]

    # Learner 1 asks what they can convert to, opens the certificate and applies.
    options = (await api.gql(OPTIONS, token=tokens[0]))["myConversionOptions"]
    assert [(o["rule"]["code"], o["eligible"]) for o in options["met"]] == [(rule["code"], True)]
    (held,) = (await api.gql(MINE, token=tokens[0]))["myAchievements"]["items"]
    by_achievement = await api.gql(ACHIEVEMENT_RULES, {"id": held["id"]}, token=tokens[0])
    assert [
        (r["rule"]["id"], r["alreadyApplied"]) for r in by_achievement["achievementConversionRules"]
    ] == [(rule["id"], False)]
    await _ok(api, APPLY, {"ruleId": rule["id"]}, tokens[0], "conversionApply")
    twice = (await api.gql(APPLY, {"ruleId": rule["id"]}, token=tokens[0]))["conversionApply"]
    assert [e["code"] for e in twice["errors"]] == ["CONFLICT"]

    # The trainer applies for every other learner holding the certificate, as one batch.
    candidates = (await api.gql(CANDIDATES, {"ruleId": rule["id"]}, token=trainer))[
        "conversionBatchCandidates"
    ]
    assert sorted(c["name"] for c in candidates["items"]) == ["李二", "王三"]
    batch = (
        await _ok(
            api, BATCH_APPLY, {"input": {"ruleId": rule["id"]}}, trainer, "conversionBatchApply"
        )
    )["batch"]
    assert batch["name"].endswith(f"{today():%Y-%m-%d} 批量学员转换")
    assert batch["learnerCount"] == 2

    # The school reviews: the personal application approved; in the batch, 王三 rejected with a
    # reason, then every remaining one approved at once.
    personal = (await api.gql(QUEUE, {"scope": "PERSONAL_QUEUE"}, token=school))[
        "conversionApplications"
    ]
    assert [(a["learnerName"], a["initiatorLabel"]) for a in personal["items"]] == [
        ("李毅", "个人")
    ]
    await _ok(
        api,
        REVIEW,
        {"input": {"approve": True, "ids": [personal["items"][0]["id"]]}},
        school,
        "conversionApplicationReview",
    )
    (queued,) = (await api.gql(BATCHES, token=school))["conversionBatches"]["items"]
    assert (queued["name"], queued["pendingCount"]) == (batch["name"], 2)
    in_batch = (await api.gql(BATCH_LEARNERS, {"id": queued["id"]}, token=school))[
        "conversionBatchApplications"
    ]["items"]
    wang = next(a for a in in_batch if a["learnerName"] == "王三")
    rejected = await _ok(
        api,
        REVIEW,
        {
            "input": {
                "approve": False,
                "reason": "证书获得时间早于课程开设",
                "ids": [wang["id"]],
                "batchId": queued["id"],
            }
        },
        school,
        "conversionApplicationReview",
    )
    assert rejected["rejectedCount"] == 1
    rest = await _ok(
        api,
        REVIEW,
        {"input": {"approve": True, "batchId": queued["id"]}},
        school,
        "conversionApplicationReview",
    )
    assert rest["approvedCount"] == 1
    assert (await api.gql(BATCHES, token=school))["conversionBatches"]["totalCount"] == 0

    # Records on each side.
    received = (await api.gql(QUEUE, {"scope": "RECEIVED"}, token=school))["conversionApplications"]
    assert sorted((a["learnerName"], a["status"]) for a in received["items"]) == [
        ("李二", "SUCCEEDED"),
        ("李毅", "SUCCEEDED"),
        ("王三", "FAILED"),
    ]
    initiated = (await api.gql(QUEUE, {"scope": "INITIATED"}, token=trainer))[
        "conversionApplications"
    ]
    assert sorted(a["statusLabel"] for a in initiated["items"]) == ["转换失败", "转换成功"]
    first = (await api.gql(RECORDS, {"status": "SUCCEEDED"}, token=tokens[0]))[
        "myConversionApplications"
    ]
    assert (first["succeededCount"], first["pendingCount"], first["failedCount"]) == (1, 0, 0)
    (converted,) = first["items"][0]["targetAchievements"]
    assert (converted["name"], converted["sourceLabel"], converted["status"]) == (
        "烹饪工艺学",
        "转换获取",
        "STORED",
    )
    assert Decimal(converted["credits"]) == Decimal(3)
    # 转换证明: issued on approval; its QR code opens a page that says valid, with the rule.
    certificate = first["items"][0]["certificate"]
    assert certificate["kind"] == "CONVERSION"
    png = await api.client.get(
        certificate["pngUrl"], headers={"Authorization": f"Bearer {tokens[0]}"}
    )
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert barcode.text == certificate["verifyUrl"]
    page = await api.client.get(urlsplit(barcode.text).path)
    assert 'data-status="valid"' in page.text and rule["code"] in page.text
    third = (await api.gql(RECORDS, {"status": "FAILED"}, token=tokens[2]))[
        "myConversionApplications"
    ]
    (failed,) = third["items"]
    assert failed["failureReason"] == "证书获得时间早于课程开设"
    assert [(r["decisionLabel"], r["reason"]) for r in failed["reviews"]] == [
        ("不通过", "证书获得时间早于课程开设")
    ]

    # Messages: the learners, the trainer for its batch, the school for what it received.
    assert "conversion.succeeded" in await _events(api, tokens[0])
    assert {"conversion.applied_for_you", "conversion.failed"} <= set(await _events(api, tokens[2]))
    assert (await _events(api, trainer)).count("conversion.batch_reviewed") == 2
    assert {"conversion.applied", "conversion.batch_applied"} <= set(await _events(api, school))

    # What can I convert to, after: applied and succeeded, no longer eligible.
    options = (await api.gql(OPTIONS, token=tokens[0]))["myConversionOptions"]
    assert [
        (o["alreadyApplied"], o["applicationStatus"], o["eligible"]) for o in options["met"]
    ] == [(True, "SUCCEEDED", False)]
    # 王三 failed and may apply again; withdrawing the rule removes it from the portal at once.
    assert (await api.gql(OPTIONS, token=tokens[2]))["myConversionOptions"]["met"][0]["eligible"]
    await _ok(api, RULE_WITHDRAW, {"id": rule["id"]}, school, "conversionRuleWithdraw")
    assert (await api.gql(PORTAL))["portalConversionRules"]["totalCount"] == 0
    assert (await api.gql(OPTIONS, token=tokens[2]))["myConversionOptions"]["met"] == []
