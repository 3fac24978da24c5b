"""Conversion applications over HTTP: batches."""

from __future__ import annotations

import pytest

from models import (
    TargetKind,
)
from resolvers.core.clock import today
from tests.achievement_fixtures import (
    stored_row,
)
from tests.conversion_application_fixtures import (
    Conversion,
    _messages,
    _review,
    build_conv,
)
from tests.conversion_fixtures import (
    BATCH_APPLICATIONS,
    BATCH_APPLY,
    BATCHES,
    CANDIDATES,
    COUNTS,
    INSTITUTION_APPLICATIONS,
    certificate_entry,
    conversion_rows,
    make_rule,
)
from tests.institution_fixtures import call, codes, make_learner


@pytest.fixture
async def conv(api, admin_token: str) -> Conversion:
    return await build_conv(api, admin_token)


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
