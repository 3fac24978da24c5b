"""Conversion applications over HTTP: what can I convert to."""

from __future__ import annotations

import pytest

from models import (
    TargetKind,
)
from tests.achievement_fixtures import (
    stored_row,
)
from tests.catalogue_fixtures import count_queries
from tests.conversion_application_fixtures import (
    Conversion,
    _applied,
    build_conv,
)
from tests.conversion_fixtures import (
    ACHIEVEMENT_RULES,
    OPTIONS,
    certificate_entry,
    course_entry,
    make_rule,
)
from tests.institution_fixtures import call


@pytest.fixture
async def conv(api, admin_token: str) -> Conversion:
    return await build_conv(api, admin_token)


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
