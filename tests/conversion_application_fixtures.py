"""The world and helpers shared by the conversion-application tests."""

from __future__ import annotations

from dataclasses import dataclass

from models import (
    InstitutionAchievement,
    Message,
    TargetKind,
)
from tests.achievement_fixtures import (
    AchievementWorld,
    build_world,
    stored_row,
)
from tests.conversion_fixtures import (
    APPLY,
    REVIEW,
    certificate_entry,
    course_entry,
    make_rule,
)
from tests.institution_fixtures import call


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


async def build_conv(api, admin_token: str) -> Conversion:
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
