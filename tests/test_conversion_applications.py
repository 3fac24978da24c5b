"""Conversion applications over HTTP: a learner applies, an institution applies for a batch, the
rule's institution reviews; records and messages on each side; what a withdrawn source does; what
can I convert to in a fixed number of queries; bad input and the permission table write nothing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal

import pytest

from models import (
    AchievementSource,
    AchievementStatus,
    ApplicationStatus,
    AuditEntry,
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
    ROLES,
    WITHDRAW,
    AchievementWorld,
    build_world,
    make_entry,
    stored_row,
)
from tests.catalogue_fixtures import count_queries
from tests.conversion_fixtures import (
    ACHIEVEMENT_RULES,
    APPLY,
    BATCH_APPLICATIONS,
    BATCH_APPLY,
    BATCHES,
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
from tests.institution_fixtures import OK, call, check_outcome, codes, login_learner, make_learner


@dataclass
class Conversion:
    """Institution 1 issues a certificate (the source); institution 2 grants a course for it
    under a published rule. Learner 1 holds the certificate, stored; learner 2 does not."""

    world: AchievementWorld
    source: InstitutionAchievement
    course: InstitutionAchievement
    rule_id: str
    rule_code: str
    held_id: str

    @property
    def tokens(self) -> dict[str, str | None]:
        return self.world.tokens


@pytest.fixture
async def conv(api, admin_token: str) -> Conversion:
    world = await build_world(api, admin_token)
    source = await certificate_entry(world.institution)
    course = await course_entry(world.other_institution, credits="3")
    rule = await make_rule(world.other_institution, [source], [(TargetKind.COURSE, course, [])])
    held = await stored_row(world.learner, source, "CERT-0001")
    return Conversion(world, source, course, str(rule.id), rule.code, str(held.id))


async def _apply(api, conv: Conversion, token_role: str = "learner", rule_id: str | None = None):
    return await call(api, APPLY, {"ruleId": rule_id or conv.rule_id}, conv.tokens[token_role])


async def _applied(api, conv: Conversion) -> dict:
    payload = await _apply(api, conv)
    assert payload["errors"] == [], payload
    return payload["application"]


async def _review(api, conv: Conversion, role: str = "other_main", **input_) -> dict:
    return await call(api, REVIEW, {"input": input_}, conv.tokens[role])


async def _messages(recipient_id) -> list[Message]:
    return await Message.filter(recipient_id=recipient_id).order_by("created_at", "id")


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


# -- batches -------------------------------------------------------------------------------------


async def test_institution_applies_for_a_batch_and_the_target_reviews_it_whole(api, conv):
    world = conv.world
    second = await make_learner(3, "李二")
    await stored_row(second, conv.source, "CERT-0003")
    candidates = await call(api, CANDIDATES, {"ruleId": conv.rule_id}, conv.tokens["main"])
    assert candidates["totalCount"] == 2
    assert {row["name"] for row in candidates["items"]} == {world.learner.name, "李二"}
    assert all("*****" in row["idNumber"] for row in candidates["items"])
    narrowed = await call(
        api, CANDIDATES, {"ruleId": conv.rule_id, "learnerName": "李"}, conv.tokens["main"]
    )
    assert [row["name"] for row in narrowed["items"]] == ["李二"]

    payload = await call(api, BATCH_APPLY, {"input": {"ruleId": conv.rule_id}}, conv.tokens["main"])
    assert payload["errors"] == [], payload
    batch = payload["batch"]
    assert batch["name"] == f"{world.institution.name}{today():%Y-%m-%d} 批量学员转换"
    assert (batch["learnerCount"], batch["pendingCount"]) == (2, 2)
    # Applied learners are no longer candidates.
    assert (await call(api, CANDIDATES, {"ruleId": conv.rule_id}, conv.tokens["main"]))[
        "totalCount"
    ] == 0
    assert [m.event for m in await _messages(world.learner.id)] == ["conversion.applied_for_you"]

    batches = await call(api, BATCHES, {}, conv.tokens["other_main"])
    assert [(b["name"], b["pendingCount"]) for b in batches["items"]] == [(batch["name"], 2)]
    initiated = await call(
        api, INSTITUTION_APPLICATIONS, {"scope": "INITIATED"}, conv.tokens["main"]
    )
    assert initiated["totalCount"] == 2
    assert {row["initiatorLabel"] for row in initiated["items"]} == {world.institution.name}
    counts = await call(api, COUNTS, token=conv.tokens["other_main"])
    assert (counts["personalPending"], counts["batchesPending"]) == (0, 1)

    # No selection: every pending application of the batch.
    decided = await _review(api, conv, approve=True, batchId=batch["id"])
    assert decided["errors"] == [] and decided["approvedCount"] == 2
    learners = await call(
        api,
        BATCH_APPLICATIONS,
        {"batchId": batch["id"], "status": "SUCCEEDED"},
        conv.tokens["other_main"],
    )
    assert learners["totalCount"] == 2
    assert (await call(api, BATCHES, {}, conv.tokens["other_main"]))["totalCount"] == 0
    told = await _messages(world.institution.id)
    assert [m.event for m in told] == ["conversion.batch_reviewed"]
    assert "2名学员" in told[0].body and batch["name"] in told[0].body
    assert (await _messages(second.id))[-1].event == "conversion.succeeded"


async def test_batch_selection_is_all_or_nothing(api, conv):
    world = conv.world
    before = await conversion_rows()
    payload = await call(
        api,
        BATCH_APPLY,
        {
            "input": {
                "ruleId": conv.rule_id,
                "learnerIds": [str(world.learner.id), str(world.other_learner.id)],
            }
        },
        conv.tokens["main"],
    )
    assert codes(payload) == [("learnerIds.1", "NOT_ALLOWED")]
    assert await conversion_rows() == before
    # An institution that issued none of the sources cannot apply for a batch under the rule.
    other_rule = await make_rule(
        world.other_institution,
        [await certificate_entry(world.other_institution, "茶艺师(高级)")],
        [(TargetKind.COURSE, conv.course, [])],
    )
    payload = await call(
        api, BATCH_APPLY, {"input": {"ruleId": str(other_rule.id)}}, conv.tokens["main"]
    )
    assert codes(payload) == [("ruleId", "NOT_ALLOWED")]


async def test_review_a_selection_of_a_batch(api, conv):
    second = await make_learner(3, "李二")
    await stored_row(second, conv.source, "CERT-0003")
    batch = (
        await call(api, BATCH_APPLY, {"input": {"ruleId": conv.rule_id}}, conv.tokens["main"])
    )["batch"]
    pending = await call(
        api, BATCH_APPLICATIONS, {"batchId": batch["id"]}, conv.tokens["other_main"]
    )
    first = next(r for r in pending["items"] if r["learnerName"] == "李二")
    refused = await _review(
        api, conv, approve=False, reason="学时不足", ids=[first["id"]], batchId=batch["id"]
    )
    assert refused["rejectedCount"] == 1
    left = await call(api, BATCHES, {}, conv.tokens["other_main"])
    assert left["items"][0]["pendingCount"] == 1
    assert "学时不足" in (await _messages(conv.world.institution.id))[-1].body


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


# -- what can I convert to -----------------------------------------------------------------------


async def test_what_can_i_convert_to_before_and_after(api, conv):
    world = conv.world
    second_source = await certificate_entry(world.institution, "面点师(高级)")
    pair_rule = await make_rule(
        world.other_institution,
        [conv.source, second_source],
        [(TargetKind.COURSE, await course_entry(world.other_institution, "面点工艺", "C1002"), [])],
    )
    options = await call(api, OPTIONS, token=conv.tokens["learner"])
    assert [(o["rule"]["id"], o["eligible"]) for o in options["met"]] == [(conv.rule_id, True)]
    (nearly,) = options["nearlyMet"]
    assert nearly["rule"]["id"] == str(pair_rule.id)
    assert [e["name"] for e in nearly["missingSources"]] == ["面点师(高级)"]
    assert [e["name"] for e in nearly["heldSources"]] == [conv.source.name]
    # Nothing for a learner holding none of the sources.
    assert await call(api, OPTIONS, token=conv.tokens["other_learner"]) == {
        "met": [],
        "nearlyMet": [],
    }

    await _applied(api, conv)
    await stored_row(world.learner, second_source, "CERT-0002")
    options = await call(api, OPTIONS, token=conv.tokens["learner"])
    met = {o["rule"]["id"]: o for o in options["met"]}
    assert set(met) == {conv.rule_id, str(pair_rule.id)} and options["nearlyMet"] == []
    assert (met[conv.rule_id]["alreadyApplied"], met[conv.rule_id]["eligible"]) == (True, False)
    assert met[conv.rule_id]["applicationStatus"] == "PENDING"
    assert met[str(pair_rule.id)]["eligible"] is True


async def test_rules_of_one_stored_achievement_with_already_applied(api, conv):
    rules = await call(api, ACHIEVEMENT_RULES, {"id": conv.held_id}, conv.tokens["learner"])
    assert [(r["rule"]["id"], r["alreadyApplied"]) for r in rules] == [(conv.rule_id, False)]
    await _applied(api, conv)
    rules = await call(api, ACHIEVEMENT_RULES, {"id": conv.held_id}, conv.tokens["learner"])
    assert [r["alreadyApplied"] for r in rules] == [True]
    by_name = await call(
        api, ACHIEVEMENT_RULES, {"id": conv.held_id, "targetName": "不存在"}, conv.tokens["learner"]
    )
    assert by_name == []
    by_institution = await call(
        api,
        ACHIEVEMENT_RULES,
        {"id": conv.held_id, "targetInstitution": conv.world.other_institution.name},
        conv.tokens["learner"],
    )
    assert len(by_institution) == 1
    response = await api.post(ACHIEVEMENT_RULES, {"id": conv.held_id}, conv.tokens["other_learner"])
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def _options_statements(api, monkeypatch, token: str) -> int:
    with count_queries(monkeypatch) as statements:
        await call(api, OPTIONS, token=token)
    return len(statements)


async def test_options_take_a_fixed_number_of_queries(api, conv, monkeypatch):
    world = conv.world

    async def add_rules(n: int) -> None:
        for i in range(n):
            extra = await certificate_entry(world.institution, f"额外证书{i}-{n}")
            held_extra = i % 2 == 0
            if held_extra:
                await stored_row(world.learner, extra, f"X-{i}-{n}")
            target = await course_entry(world.other_institution, f"课程{i}-{n}", f"K{i}{n}")
            await make_rule(
                world.other_institution,
                [conv.source, extra],
                [(TargetKind.COURSE, target, []), (TargetKind.COURSE, conv.course, [])],
            )

    await add_rules(2)
    few = await _options_statements(api, monkeypatch, conv.tokens["learner"])
    await add_rules(8)
    many = await _options_statements(api, monkeypatch, conv.tokens["learner"])
    options = await call(api, OPTIONS, token=conv.tokens["learner"])
    assert len(options["met"]) + len(options["nearlyMet"]) == 11
    assert few == many


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


# -- permissions ---------------------------------------------------------------------------------


def _outcomes(**overrides: str) -> dict[str, str]:
    outcomes = dict.fromkeys(ROLES, "FORBIDDEN")
    outcomes["anonymous"] = "UNAUTHENTICATED"
    outcomes.update(overrides)
    return outcomes


async def _apply_vars(api, conv: Conversion, role: str) -> dict:
    return {"ruleId": conv.rule_id}


async def _batch_vars(api, conv: Conversion, role: str) -> dict:
    return {"input": {"ruleId": conv.rule_id, "learnerIds": [str(conv.world.learner.id)]}}


async def _review_vars(api, conv: Conversion, role: str) -> dict:
    await ConversionApplication.all().delete()
    application = await _applied(api, conv)
    return {"input": {"approve": True, "ids": [application["id"]]}}


PERMISSIONS = [
    ("conversionApply", APPLY, _apply_vars, _outcomes(learner=OK, other_learner="NOT_ALLOWED")),
    (
        "conversionBatchApply",
        BATCH_APPLY,
        _batch_vars,
        _outcomes(main=OK, sub=OK, other_main="NOT_ALLOWED"),
    ),
    (
        "conversionApplicationReview",
        REVIEW,
        _review_vars,
        _outcomes(main="NOT_FOUND", sub="NOT_FOUND", other_main=OK),
    ),
]


@pytest.mark.parametrize(
    ("name", "query", "variables", "outcomes"), PERMISSIONS, ids=[p[0] for p in PERMISSIONS]
)
async def test_permission_table(api, conv, name, query, variables, outcomes):
    for role in ROLES:
        await _reset(conv)
        data = await variables(api, conv, role)
        await check_outcome(
            api, query, data, conv.tokens[role], outcomes[role], conversion_rows, role
        )


async def _reset(conv: Conversion) -> None:
    """Each role starts from no applications (an allowed call leaves one behind)."""
    await ConversionReview.all().delete()
    await ConversionApplication.all().delete()
    await LearnerAchievement.filter(source=AchievementSource.CONVERSION).delete()
    await AuditEntry.filter(action__startswith="conversion").delete()


def test_every_conversion_mutation_is_in_a_permission_table():
    """Policies, rules and applications each keep a table; the export has its own role test
    (tests/test_conversion_exports.py)."""
    from graphql_api.schema import schema
    from tests import test_conversion_policies, test_conversion_rules

    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    names = {name for name in mutation_type.fields if name.startswith("conversion")}
    tables = (PERMISSIONS, test_conversion_policies.PERMISSIONS, test_conversion_rules.PERMISSIONS)
    covered = {row[0] for table in tables for row in table}
    assert names - {"conversionApplicationExport"} == covered
