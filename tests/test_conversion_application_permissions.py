"""Conversion applications over HTTP: permissions."""

from __future__ import annotations

import pytest

from models import (
    AchievementSource,
    AuditEntry,
    ConversionApplication,
    ConversionReview,
    LearnerAchievement,
)
from tests.achievement_fixtures import (
    ROLES,
)
from tests.conversion_application_fixtures import (
    Conversion,
    _applied,
    build_conv,
)
from tests.conversion_fixtures import (
    APPLY,
    BATCH_APPLY,
    REVIEW,
    conversion_rows,
)
from tests.institution_fixtures import OK, check_outcome


@pytest.fixture
async def conv(api, admin_token: str) -> Conversion:
    return await build_conv(api, admin_token)


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
    from tests import test_conversion_policy_permissions, test_conversion_rule_permissions

    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    names = {name for name in mutation_type.fields if name.startswith("conversion")}
    tables = (
        PERMISSIONS,
        test_conversion_policy_permissions.PERMISSIONS,
        test_conversion_rule_permissions.PERMISSIONS,
    )
    covered = {row[0] for table in tables for row in table}
    assert names - {"conversionApplicationExport"} == covered
