"""Conversion applications over HTTP: a learner applies; a withdrawn source; a target already
held is not converted to again; non-academic targets and their credits."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from models import (
    AchievementSource,
    AchievementStatus,
    ApplicationStatus,
    ConversionApplication,
    ConversionReview,
    InstitutionAchievement,
    LearnerAchievement,
    Message,
    RuleStatus,
    TargetKind,
)
from resolvers.core.clock import today
from tests.achievement_fixtures import (
    WITHDRAW,
    make_entry,
    stored_row,
)
from tests.conversion_application_fixtures import (
    Conversion,
    _applied,
    _apply,
    _messages,
    _review,
    build_conv,
)
from tests.conversion_fixtures import (
    APPLY,
    BATCH_APPLY,
    CANDIDATES,
    COUNTS,
    INSTITUTION_APPLICATIONS,
    MY_APPLICATIONS,
    OPTIONS,
    REVIEW,
    certificate_entry,
    conversion_rows,
    course_entry,
    make_rule,
    module,
)
from tests.institution_fixtures import call, codes, login_learner, make_learner


@pytest.fixture
async def conv(api, admin_token: str) -> Conversion:
    return await build_conv(api, admin_token)


# -- a learner applies ---------------------------------------------------------------------------


async def test_learner_applies_and_the_rule_institution_approves(api, conv):
    application = await _applied(api, conv)
    assert application["status"] == "PENDING" and application["statusLabel"] == "审核中"
    assert application["initiator"] == "LEARNER" and application["initiatorLabel"] == "个人"
    assert [s["id"] for s in application["sources"]] == [conv.held_id]
    assert application["learnerIdNumber"] == conv.world.learner.id_number  # whole for the holder
    received = await _messages(conv.world.other_institution.id)
    assert [m.event for m in received] == ["conversion.applied"]
    assert conv.rule_code in received[0].body

    queue = await call(
        api, INSTITUTION_APPLICATIONS, {"scope": "PERSONAL_QUEUE"}, conv.tokens["other_main"]
    )
    assert [row["id"] for row in queue["items"]] == [application["id"]]
    assert queue["items"][0]["learnerIdNumber"].count("*") == 5  # masked for institutions
    counts = await call(api, COUNTS, token=conv.tokens["other_main"])
    assert counts == {"personalPending": 1, "batchesPending": 0, "received": 1, "initiated": 0}

    decided = await _review(api, conv, approve=True, ids=[application["id"]])
    assert decided["errors"] == [] and decided["approvedCount"] == 1
    (row,) = decided["applications"]
    assert row["status"] == "SUCCEEDED" and row["decidedAt"]
    (converted,) = row["targetAchievements"]
    assert converted["name"] == conv.course.name
    assert (converted["source"], converted["status"]) == ("CONVERSION", "STORED")
    assert Decimal(converted["credits"]) == Decimal(3)
    assert converted["certificateNumber"] == conv.rule_code
    assert [(r["decision"], r["reviewerName"]) for r in row["reviews"]] == [
        ("APPROVED", conv.world.other_main.name)
    ]
    stored = await LearnerAchievement.get(id=converted["id"])
    assert stored.learner_id == conv.world.learner.id and stored.issue_date == today()
    assert stored.institution_id == conv.world.other_institution.id

    told = await _messages(conv.world.learner.id)
    assert told[-1].event == "conversion.succeeded"
    mine = await call(api, MY_APPLICATIONS, {"status": "SUCCEEDED"}, conv.tokens["learner"])
    assert (mine["succeededCount"], mine["pendingCount"], mine["failedCount"]) == (1, 0, 0)
    assert [row["id"] for row in mine["items"]] == [application["id"]]


async def test_rejection_needs_a_reason_of_at_most_500_characters(api, conv):
    application = await _applied(api, conv)
    before = await conversion_rows()
    missing = await _review(api, conv, approve=False, ids=[application["id"]])
    assert codes(missing) == [("reason", "REQUIRED")]
    too_long = await _review(api, conv, approve=False, reason="理" * 501, ids=[application["id"]])
    assert codes(too_long) == [("reason", "TOO_LONG")]
    assert await conversion_rows() == before

    refused = await _review(
        api, conv, approve=False, reason="课程内容不对应", ids=[application["id"]]
    )
    assert refused["rejectedCount"] == 1
    (row,) = refused["applications"]
    assert (row["status"], row["failureReason"]) == ("FAILED", "课程内容不对应")
    assert row["targetAchievements"] == []
    assert [(r["decision"], r["reason"]) for r in row["reviews"]] == [
        ("REJECTED", "课程内容不对应")
    ]
    assert "课程内容不对应" in (await _messages(conv.world.learner.id))[-1].body
    failed = await call(api, MY_APPLICATIONS, {"status": "FAILED"}, conv.tokens["learner"])
    assert failed["failedCount"] == 1 and failed["items"][0]["reviews"][0]["reason"]
    # A failed application does not stop a new one.
    assert (await _apply(api, conv))["errors"] == []


async def test_refused_applications_write_nothing(api, conv):
    await _applied(api, conv)
    before = await conversion_rows()
    twice = await _apply(api, conv)
    assert codes(twice) == [("ruleId", "CONFLICT")]
    not_held = await _apply(api, conv, "other_learner")
    assert codes(not_held) == [("ruleId", "NOT_ALLOWED")]
    assert conv.source.name in not_held["errors"][0]["message"]
    draft = await make_rule(
        conv.world.other_institution,
        [conv.source],
        [(TargetKind.COURSE, conv.course, [])],
        status=RuleStatus.DRAFT,
    )
    assert codes(await _apply(api, conv, rule_id=str(draft.id))) == [("ruleId", "NOT_FOUND")]
    assert codes(await _apply(api, conv, rule_id="not-an-id")) == [("ruleId", "INVALID")]
    after = await conversion_rows()
    draft_rows = {"conversion_rule", "conversion_rule_source", "conversion_rule_target"}
    assert {k: v for k, v in after.items() if k not in draft_rows} == before


async def test_a_registered_or_refused_achievement_is_not_held(api, conv):
    learner = await make_learner(3)
    await stored_row(learner, conv.source, "REG-1", status=AchievementStatus.REGISTERED)
    token = await login_learner(api, learner.phone or "")
    payload = await call(api, APPLY, {"ruleId": conv.rule_id}, token)
    assert codes(payload) == [("ruleId", "NOT_ALLOWED")]


async def test_applying_twice_at_once_makes_one_application(api, conv):
    results = await asyncio.gather(_apply(api, conv), _apply(api, conv), _apply(api, conv))
    assert sorted(bool(r["errors"]) for r in results) == [False, True, True]
    assert {codes(r)[0] for r in results if r["errors"]} == {("ruleId", "CONFLICT")}
    assert await ConversionApplication.all().count() == 1


async def test_reviewing_an_application_aimed_at_someone_else(api, conv):
    application = await _applied(api, conv)
    before = await conversion_rows()
    for role in ("main", "sub"):  # the source institution is not the reviewer
        payload = await _review(api, conv, role, approve=True, ids=[application["id"]])
        assert codes(payload) == [("ids.0", "NOT_FOUND")], role
    assert await conversion_rows() == before


async def test_deciding_twice_is_refused(api, conv):
    application = await _applied(api, conv)
    assert (await _review(api, conv, approve=True, ids=[application["id"]]))["errors"] == []
    again = await _review(api, conv, approve=False, reason="重复", ids=[application["id"]])
    assert codes(again) == [("ids.0", "WRONG_STATE")]
    assert await ConversionReview.all().count() == 1


async def test_two_reviewers_at_once_exactly_one_decision_stands(api, conv):
    application = await _applied(api, conv)
    second = await login_as_second_reviewer(api, conv)
    results = await asyncio.gather(
        call(
            api,
            REVIEW,
            {"input": {"approve": True, "ids": [application["id"]]}},
            conv.tokens["other_main"],
        ),
        call(
            api,
            REVIEW,
            {"input": {"approve": False, "reason": "不符合", "ids": [application["id"]]}},
            second,
        ),
    )
    assert sorted(bool(r["errors"]) for r in results) == [False, True]
    (loser,) = [r for r in results if r["errors"]]
    assert loser["errors"][0]["code"] == "WRONG_STATE"
    assert "审核" in loser["errors"][0]["message"]
    (winner,) = [r for r in results if not r["errors"]]
    stored = await ConversionApplication.get(id=application["id"])
    assert stored.status.value == winner["applications"][0]["status"].lower()
    assert await ConversionReview.all().count() == 1
    converted = await LearnerAchievement.filter(source=AchievementSource.CONVERSION).count()
    assert converted == (1 if stored.status == ApplicationStatus.SUCCEEDED else 0)
    assert (
        len(
            await Message.filter(
                event__startswith="conversion.", recipient_id=conv.world.learner.id
            )
        )
        == 1
    )


async def login_as_second_reviewer(api, conv: Conversion) -> str:
    from tests.institution_fixtures import login_institution, make_institution_user, phone

    user = await make_institution_user(conv.world.other_institution, "reviewer_b", phone(5, "139"))
    return await login_institution(api, user.username)


# -- a withdrawn source --------------------------------------------------------------------------


async def test_withdrawn_source_fails_pending_applications_and_blocks_new_ones(api, conv):
    application = await _applied(api, conv)
    withdrawn = await call(
        api,
        WITHDRAW,
        {"input": {"ids": [conv.held_id], "reason": "证书信息有误"}},
        conv.tokens["main"],
    )
    assert withdrawn["errors"] == []
    row = await ConversionApplication.get(id=application["id"])
    assert row.status == ApplicationStatus.FAILED
    assert row.failure_reason == "源成果已撤回：证书信息有误"
    (review,) = await ConversionReview.filter(application_id=row.id)
    assert review.decision.value == "source_withdrawn"
    events = [m.event for m in await _messages(conv.world.learner.id)]
    assert sorted(events) == ["achievement.withdrawn", "conversion.failed"]
    again = await _apply(api, conv)
    assert codes(again) == [("ruleId", "NOT_ALLOWED")]
    # The target institution can no longer approve it.
    late = await _review(api, conv, approve=True, ids=[application["id"]])
    assert codes(late) == [("ids.0", "WRONG_STATE")]


async def test_withdrawn_source_of_a_succeeded_conversion_tells_the_rule_institution(api, conv):
    world = conv.world
    application = await _applied(api, conv)
    decided = await _review(api, conv, approve=True, ids=[application["id"]])
    (converted,) = decided["applications"][0]["targetAchievements"]
    withdraw = {"input": {"ids": [conv.held_id], "reason": "证书系伪造"}}
    assert (await call(api, WITHDRAW, withdraw, conv.tokens["main"]))["errors"] == []
    told = await _messages(world.other_institution.id)
    assert told[-1].event == "conversion.source_withdrawn"
    assert world.learner.name in told[-1].body and conv.rule_code in told[-1].body
    assert "证书系伪造" in told[-1].body
    # The converted achievement stays until its own institution withdraws it; nobody else can.
    row = await LearnerAchievement.get(id=converted["id"])
    assert row.status == AchievementStatus.STORED
    withdraw = {"input": {"ids": [converted["id"]], "reason": "源成果已撤回"}}
    assert codes(await call(api, WITHDRAW, withdraw, conv.tokens["main"])) == [
        ("ids.0", "NOT_FOUND")
    ]
    payload = await call(api, WITHDRAW, withdraw, conv.tokens["other_main"])
    assert payload["errors"] == []
    await row.refresh_from_db()
    assert (row.status, row.withdrawn_reason) == (AchievementStatus.WITHDRAWN, "源成果已撤回")
    assert (await _messages(world.learner.id))[-1].event == "achievement.withdrawn"


async def test_withdrawing_an_unconverted_source_tells_no_institution(api, conv):
    application = await _applied(api, conv)
    rejected = await _review(api, conv, approve=False, reason="不符", ids=[application["id"]])
    assert rejected["errors"] == []
    withdraw = {"input": {"ids": [conv.held_id], "reason": "证书信息有误"}}
    assert (await call(api, WITHDRAW, withdraw, conv.tokens["main"]))["errors"] == []
    events = [m.event for m in await _messages(conv.world.other_institution.id)]
    assert "conversion.source_withdrawn" not in events


# -- a target already held is not converted to again -------------------------------------------


async def test_holding_every_target_refuses_applying_and_is_shown(api, conv):
    world = conv.world
    await stored_row(world.learner, conv.course, "OWN-COURSE")  # studied there already
    options = await call(api, OPTIONS, token=conv.tokens["learner"])
    ((rule_id, eligible, held),) = [
        (o["rule"]["id"], o["eligible"], o["targetsHeld"]) for o in options["met"]
    ]
    assert (rule_id, eligible, held) == (conv.rule_id, False, True)
    before = await conversion_rows()
    refused = await _apply(api, conv)
    assert codes(refused) == [("ruleId", "CONFLICT")]
    assert "全部目标成果" in refused["errors"][0]["message"]
    # Nor may the source institution apply for them, and they are no candidates.
    candidates = await call(api, CANDIDATES, {"ruleId": conv.rule_id}, conv.tokens["main"])
    assert candidates["totalCount"] == 0
    batch = {"input": {"ruleId": conv.rule_id, "learnerIds": [str(world.learner.id)]}}
    assert codes(await call(api, BATCH_APPLY, batch, conv.tokens["main"])) == [
        ("learnerIds.0", "CONFLICT")
    ]
    assert await conversion_rows() == before


async def test_approval_never_stores_a_target_twice(api, conv):
    world = conv.world
    second_course = await course_entry(world.other_institution, "烹饪营养学", "C1003")
    both = await make_rule(
        world.other_institution,
        [conv.source],
        [(TargetKind.COURSE, conv.course, []), (TargetKind.COURSE, second_course, [])],
    )
    again = await make_rule(
        world.other_institution, [conv.source], [(TargetKind.COURSE, conv.course, [])]
    )
    first = await _applied(api, conv)
    second = (await _apply(api, conv, rule_id=str(both.id)))["application"]
    third = (await _apply(api, conv, rule_id=str(again.id)))["application"]

    # One review deciding two applications with a shared target stores it once.
    decided = await _review(api, conv, approve=True, ids=[first["id"], second["id"]])
    assert decided["errors"] == [] and decided["approvedCount"] == 2
    # A later approval finds it already held and stores nothing new, yet succeeds.
    decided = await _review(api, conv, approve=True, ids=[third["id"]])
    assert decided["errors"] == [] and decided["applications"][0]["status"] == "SUCCEEDED"
    stored = await LearnerAchievement.filter(
        learner_id=world.learner.id, source=AchievementSource.CONVERSION
    ).values_list("catalogue_entry_id", flat=True)
    assert sorted(map(str, stored)) == sorted([str(conv.course.id), str(second_course.id)])


# -- non-academic targets and their credits ------------------------------------------------------


async def test_non_academic_target_carries_its_exempt_module_credits(api, conv):
    world = conv.world
    diploma = await make_entry(world.institution, name="经济统计学毕业证书(本科)")
    certificate = await certificate_entry(world.other_institution, "统计师(中级)")
    await InstitutionAchievement.filter(id=certificate.id).update(
        recognition_status="unrecognised", credits=None
    )
    rule = await make_rule(
        world.other_institution,
        [diploma],
        [(TargetKind.NON_ACADEMIC, certificate, [module("实操", "2"), module("机考", "2")])],
    )
    await stored_row(world.learner, diploma, "DIP-1")
    application = (await _apply(api, conv, rule_id=str(rule.id)))["application"]
    decided = await _review(api, conv, approve=True, ids=[application["id"]])
    (converted,) = decided["applications"][0]["targetAchievements"]
    assert Decimal(converted["credits"]) == Decimal(4)
