"""The catalogue over HTTP: every role."""

from __future__ import annotations

import pytest

from tests.catalogue_fixtures import (
    AUTHORISE,
    CREATE,
    DELETE,
    ENTRIES,
    MY_AUTHORISATIONS,
    PUBLIC,
    QUEUE,
    RECOGNISE,
    REFUSE,
    REVOKE,
    ROLES,
    SUBMIT,
    authorise,
    catalogue_world,
    create_entry,
    entry_input,
    recognised_entry,
    submit,
)
from tests.catalogue_http_fixtures import (
    _payload,
    _state,
)
from tests.institution_fixtures import (
    codes,
    top_level_error,
)

# -- every role ----------------------------------------------------------------------------------

OK = "OK"
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"


def _outcomes(**overrides: str) -> dict[str, str]:
    outcomes = dict.fromkeys(ROLES, FORBIDDEN)
    outcomes["anonymous"] = UNAUTHENTICATED
    outcomes.update(overrides)
    return outcomes


INSTITUTION_OWN = _outcomes(
    main=OK, sub=OK, api_token=OK, other_main="NOT_FOUND", pending="NOT_APPROVED"
)
ADMIN_ONLY = _outcomes(admin=OK)


async def _unrecognised(api, world) -> dict:
    return {"ids": [await create_entry(api, world.tokens["main"])]}


async def _recognising(api, world) -> dict:
    entry = await create_entry(api, world.tokens["main"])
    await submit(api, world.tokens["main"], entry)
    return {"id": entry}


async def _create(api, world) -> dict:
    return {"input": entry_input()}


async def _recognise(api, world) -> dict:
    return {"input": {**await _recognising(api, world), "credits": "3"}}


async def _refuse(api, world) -> dict:
    return {"input": {**await _recognising(api, world), "reason": "不符"}}


async def _grant(api, world) -> dict:
    return {"input": {"institutionId": world.institution_id, "subtype": "other_certificate"}}


async def _granted(api, world) -> dict:
    await authorise(world.institution_id, "other_certificate")
    return await _grant(api, world)


MUTATIONS = {
    "catalogueEntryCreate": (
        CREATE,
        _create,
        _outcomes(main=OK, sub=OK, api_token=OK, other_main=OK, pending="NOT_APPROVED"),
    ),
    "catalogueEntryDelete": (DELETE, _unrecognised, INSTITUTION_OWN),
    "catalogueEntrySubmit": (SUBMIT, _unrecognised, INSTITUTION_OWN),
    "catalogueEntryRecognise": (RECOGNISE, _recognise, ADMIN_ONLY),
    "catalogueEntryRefuse": (REFUSE, _refuse, ADMIN_ONLY),
    "subtypeAuthorise": (AUTHORISE, _grant, ADMIN_ONLY),
    "subtypeAuthorisationRevoke": (REVOKE, _granted, ADMIN_ONLY),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mutation", list(MUTATIONS))
async def test_every_role_against_every_mutation(api, admin_token, mutation, role):
    query, make_variables, outcomes = MUTATIONS[mutation]
    world = await catalogue_world(api, admin_token)
    variables = await make_variables(api, world)
    token = world.tokens[role]
    expected = outcomes[role]
    before = await _state()
    if expected in (UNAUTHENTICATED, FORBIDDEN):
        assert await top_level_error(api, query, variables, token) == expected
    else:
        payload = await _payload(api, query, variables, token)
        if expected == OK:
            assert payload["errors"] == [], payload
        else:
            assert [code for _, code in codes(payload)] == [expected]
    after = await _state()
    if expected == OK:
        assert after != before and after["audit"] > before["audit"]
    else:
        assert after == before


@pytest.mark.parametrize("role", ROLES)
async def test_who_reads_what(api, admin_token, role):
    world = await catalogue_world(api, admin_token)
    await recognised_entry(api, world.tokens["main"], admin_token)
    token = world.tokens[role]
    public = await api.gql(PUBLIC, token=token)
    assert public["publicCatalogue"]["totalCount"] == 1
    assert (
        len((await api.gql("{ achievementSubtypes { code } }", token=token))["achievementSubtypes"])
        == 13
    )

    expected_list = {
        "anonymous": UNAUTHENTICATED,
        "learner": FORBIDDEN,
        "main": 1,
        "sub": 1,
        "api_token": 1,
        "other_main": 0,
        "pending": "NOT_APPROVED",
        "admin": 1,
    }[role]
    if isinstance(expected_list, int):
        listed = await api.gql(ENTRIES, token=token)
        assert listed["catalogueEntries"]["totalCount"] == expected_list
    else:
        response = await api.post(ENTRIES, {}, token)
        assert response.json()["errors"][0]["extensions"]["code"] == expected_list

    queue = {"admin": OK, "anonymous": UNAUTHENTICATED}.get(role, FORBIDDEN)
    if queue == OK:
        await api.gql(QUEUE, token=token)
    else:
        assert await top_level_error(api, QUEUE, {}, token) == queue

    mine = {
        "main": OK,
        "sub": OK,
        "api_token": OK,
        "other_main": OK,
        "pending": OK,
        "anonymous": UNAUTHENTICATED,
    }.get(role, FORBIDDEN)
    if mine == OK:
        await api.gql(MY_AUTHORISATIONS, token=token)
    else:
        assert await top_level_error(api, MY_AUTHORISATIONS, {}, token) == mine
