"""The input boundary (graphql_api/input_boundary.py): values no column, database or Python
date can hold are field errors in every argument of every operation, filters included; never
"Unexpected error.", never a logged traceback, nothing written."""

from __future__ import annotations

import json
import logging

import pytest
from graphql import get_named_type, is_input_object_type, is_scalar_type

from graphql_api.input_boundary import MAX_STRING, string_limit
from graphql_api.schema import schema
from models import Learner
from tests import achievement_fixtures, institution_fixtures
from tests.institution_fixtures import FIELD_ERRORS, resident_id

NUL = "a\x00b"
SURROGATE = "\ud800"  # a lone UTF-16 surrogate: JSON "\ud800"
LONG_SEARCH = "检索" * 25_000  # 50,000 characters, 150 KB: beyond SQLite's LIKE limit


async def _post(api, query: str, variables: dict | None = None, token: str | None = None):
    """Like ``api.post``, the body encoded as ASCII JSON so a lone surrogate can be sent."""
    headers = {"content-type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables or {}})
    return await api.client.post("/graphql", content=body, headers=headers)


@pytest.fixture
def quiet(caplog):
    """Fails the test if anything was logged at ERROR (a traceback of a bug)."""
    caplog.set_level(logging.ERROR)
    yield
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


async def _payload_errors(api, query, variables, token=None) -> list[tuple[str | None, str]]:
    response = await _post(api, query, variables, token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    return institution_fixtures.codes(payload)


async def _query_error(api, query, variables, token=None) -> dict:
    response = await _post(api, query, variables, token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "Unexpected error" not in response.text, body
    (error,) = body["errors"]
    assert error["message"], error
    return error["extensions"]


LEARNER_LOGIN = institution_fixtures.LEARNER_LOGIN
INSTITUTION_LOGIN = institution_fixtures.LOGIN


@pytest.mark.parametrize(
    "query", [LEARNER_LOGIN, INSTITUTION_LOGIN], ids=["learner", "institution"]
)
@pytest.mark.parametrize(
    ("account", "code"),
    [
        ("1" * 31, "TOO_LONG"),
        ("a" * 60, "TOO_LONG"),
        ("x" * 60_000, "TOO_LONG"),
        (NUL, "INVALID"),
        (SURROGATE, "INVALID"),
        ("ok" + SURROGATE + "ok", "INVALID"),
    ],
    ids=["31", "60", "60k", "nul", "surrogate", "surrogate-inside"],
)
async def test_anonymous_login_with_a_hostile_account(api, quiet, query, account, code):
    variables = {"input": {"account": account, "password": "Passw0rd1"}}
    assert await _payload_errors(api, query, variables) == [("account", code)]


async def test_a_literal_in_the_document_is_checked_like_a_variable(api, quiet):
    query = (
        'mutation { learnerLogin(input: {account: "a\\u0000b", password: "x"}) '
        f"{{ {FIELD_ERRORS} token }} }}"
    )
    assert await _payload_errors(api, query, None) == [("account", "INVALID")]


LEARNER_CREATE = f"""
mutation Create($input: LearnerAccountCreateInput!) {{
  learnerAccountCreate(input: $input) {{ {FIELD_ERRORS} }}
}}"""


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("name", NUL, "INVALID"),
        ("name", SURROGATE, "INVALID"),
        ("name", "名" * (MAX_STRING + 1), "TOO_LONG"),
        # Longer than its column: left to the use-case, which checks what it stores.
        ("idNumber", "1" * 31, "INVALID"),
        ("idNumber", "11010519491231002" + "\x00", "INVALID"),
    ],
    ids=["name-nul", "name-surrogate", "name-huge", "id-31", "id-nul"],
)
async def test_a_create_mutation_refuses_and_writes_nothing(
    api, admin_token, quiet, field, value, code
):
    world = await achievement_fixtures.build_world(api, admin_token)
    before = await Learner.all().count()
    data = {"name": "王五", "idNumber": resident_id(77)} | {field: value}
    errors = await _payload_errors(api, LEARNER_CREATE, {"input": data}, world.tokens["main"])
    assert errors == [(field, code)]
    assert await Learner.all().count() == before


async def test_nested_inputs_are_named_by_their_dotted_path(api, quiet):
    registrant = institution_fixtures.registrant_info(1, "123456", idNumber=SURROGATE)
    info = institution_fixtures.institution_info(1, address="南京" + "\x00")
    variables = {"input": {"registrant": registrant, "institution": info}}
    errors = await _payload_errors(api, institution_fixtures.REGISTER, variables)
    assert sorted(errors) == [
        ("institution.address", "INVALID"),
        ("registrant.idNumber", "INVALID"),
    ]


async def test_a_list_item_is_named_by_its_index(api, admin_token, quiet):
    query = f"mutation D($ids: [ID!]!) {{ catalogueEntryDelete(ids: $ids) {{ {FIELD_ERRORS} }} }}"
    world = await achievement_fixtures.build_world(api, admin_token)
    ids = [str(world.entry.id), "x\x00"]
    assert await _payload_errors(api, query, {"ids": ids}, world.tokens["main"]) == [
        ("ids.1", "INVALID")
    ]


@pytest.mark.parametrize("name", [LONG_SEARCH, "名" * (MAX_STRING + 1), "a\x00"])
async def test_a_search_text_in_a_mutation_s_filter(api, admin_token, quiet, name):
    query = f"""mutation E($input: CatalogueExportInput!) {{
      catalogueExport(input: $input) {{ {FIELD_ERRORS} }} }}"""
    world = await achievement_fixtures.build_world(api, admin_token)
    variables = {"input": {"filter": {"name": name}}}
    errors = await _payload_errors(api, query, variables, world.tokens["main"])
    assert [field for field, _ in errors] == ["filter.name"]


@pytest.mark.parametrize("credits", ["NaN", "Infinity", "-Infinity", "1e999999", "1e-999999"])
async def test_numbers_no_one_can_mean(api, admin_token, quiet, credits):
    query = f"""mutation R($input: CatalogueEntryRecogniseInput!) {{
      catalogueEntryRecognise(input: $input) {{ {FIELD_ERRORS} }} }}"""
    variables = {"input": {"id": "8c1b2a8e-0000-4000-8000-000000000000", "credits": credits}}
    assert await _payload_errors(api, query, variables, admin_token) == [("credits", "INVALID")]


# -- queries: a top-level error with the code and field -----------------------------------------

QUERIES = {
    "learnerAccounts": (
        "query Q($v: String) { learnerAccounts(idNumber: $v) { totalCount } }",
        "main",
        "idNumber",
    ),
    "depositedAchievements": (
        "query Q($v: String) { depositedAchievements(category: $v) { totalCount } }",
        "main",
        "category",
    ),
    "publicCatalogue": (
        "query Q($v: String) { publicCatalogue(keyword: $v) { totalCount } }",
        "anonymous",
        "keyword",
    ),
    "catalogueEntries": (
        "query Q($v: String) { catalogueEntries(subtype: $v) { totalCount } }",
        "main",
        "subtype",
    ),
    "myAchievements": (
        "query Q($v: String) { myAchievements(name: $v) { totalCount } }",
        "learner",
        "name",
    ),
    "portalConversionRules": (
        "query Q($v: String) { portalConversionRules(institutionName: $v) { totalCount } }",
        "anonymous",
        "institutionName",
    ),
    "institutions": (
        "query Q($v: String) { institutions(name: $v) { totalCount } }",
        "admin",
        "name",
    ),
    "certificateVerify": (
        "query Q($v: String!) { certificateVerify(number: $v) { status } }",
        "anonymous",
        "number",
    ),
}


@pytest.mark.parametrize("name", sorted(QUERIES))
@pytest.mark.parametrize("form", ["column+1", "search-50k", "nul", "surrogate"])
async def test_hostile_strings_in_query_filters(api, admin_token, quiet, name, form):
    query, role, argument = QUERIES[name]
    world = await achievement_fixtures.build_world(api, admin_token)
    limit = string_limit(f"Query.{name}", argument)
    value, code = {
        "column+1": ("1" * (limit + 1), "TOO_LONG"),
        "search-50k": (LONG_SEARCH, "TOO_LONG"),
        "nul": ("a\x00", "INVALID"),
        "surrogate": ("\udfff", "INVALID"),
    }[form]
    extensions = await _query_error(api, query, {"v": value}, world.tokens[role])
    assert extensions == {"code": code, "field": argument}


async def test_a_filter_at_its_column_length_is_answered(api, admin_token, quiet):
    world = await achievement_fixtures.build_world(api, admin_token)
    query, role, _ = QUERIES["learnerAccounts"]
    data = await api.gql(query, {"v": "1" * 30}, token=world.tokens[role])
    assert data["learnerAccounts"]["totalCount"] == 0
    query, role, _ = QUERIES["publicCatalogue"]
    data = await api.gql(query, {"v": "检" * MAX_STRING}, token=world.tokens[role])
    assert data["publicCatalogue"]["totalCount"] == 0


DATE_QUERIES = {
    "feedbackQueue": ("query Q($v: Date) { feedbackQueue(since: $v) { totalCount } }", "since"),
    "feedbackQueueUntil": (
        "query Q($v: Date) { feedbackQueue(until: $v) { totalCount } }",
        "until",
    ),
    "conversionPolicies": (
        "query Q($v: Date) { conversionPolicies(publishedTo: $v) { totalCount } }",
        "publishedTo",
    ),
    "conversionPoliciesFrom": (
        "query Q($v: Date) { conversionPolicies(publishedFrom: $v) { totalCount } }",
        "publishedFrom",
    ),
    "auditLog": ("query Q($v: DateTime) { auditLog(since: $v) { totalCount } }", "since"),
    "auditLogUntil": ("query Q($v: DateTime) { auditLog(until: $v) { totalCount } }", "until"),
}
DATES = {
    "Date": ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"],
    "DateTime": [
        "0001-01-01T00:00:00+08:00",
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59-05:00",
        "9999-12-31T23:59:59",
    ],
}


@pytest.mark.parametrize("name", sorted(DATE_QUERIES))
@pytest.mark.parametrize("index", range(4))
async def test_dates_outside_the_safe_range_in_filters(api, admin_token, quiet, name, index):
    query, argument = DATE_QUERIES[name]
    value = DATES["DateTime" if "DateTime" in query else "Date"][index]
    extensions = await _query_error(api, query, {"v": value}, admin_token)
    assert extensions == {"code": "INVALID", "field": argument}


@pytest.mark.parametrize("value", ["1900-01-01", "2199-12-31"])
async def test_dates_at_the_ends_of_the_range_are_answered(api, admin_token, quiet, value):
    query, _ = DATE_QUERIES["feedbackQueue"]
    assert (await api.gql(query, {"v": value}, token=admin_token))["feedbackQueue"] == {
        "totalCount": 0
    }


async def test_a_refused_root_field_leaves_no_partial_work_for_its_siblings(api, quiet):
    query = """query Q($v: String) {
      good: publicCatalogue(keyword: "x") { totalCount }
      bad: publicCatalogue(keyword: $v) { totalCount } }"""
    response = await _post(api, query, {"v": NUL})
    (error,) = response.json()["errors"]
    assert error["path"] == ["bad"]
    assert error["extensions"] == {"code": "INVALID", "field": "keyword"}


# -- the boundary covers every field by construction ---------------------------------------------


def _string_inputs():
    """Every (owner, name) of a String or ID argument or input field of the schema."""
    graphql_schema = schema._schema
    for root in (graphql_schema.query_type, graphql_schema.mutation_type):
        for field_name, field in root.fields.items():
            for name, argument in field.args.items():
                yield f"{root.name}.{field_name}", name, get_named_type(argument.type)
    for type_ in graphql_schema.type_map.values():
        if is_input_object_type(type_) and not type_.name.startswith("__"):
            for name, field in type_.fields.items():
                yield type_.name, name, get_named_type(field.type)


def test_every_string_input_has_a_limit_a_column_can_hold():
    limits = {
        (owner, name): string_limit(owner, name)
        for owner, name, type_ in _string_inputs()
        if is_scalar_type(type_) and type_.name in {"String", "ID"}
    }
    assert len(limits) > 100
    assert all(0 < limit <= MAX_STRING for limit in limits.values())
    assert limits[("LoginInput", "account")] == 30
    assert limits[("Query.learnerAccounts", "idNumber")] == 30
    assert limits[("Query.catalogueEntries", "category")] == 30
    assert limits[("Query.catalogueEntries", "subtype")] == 40
    assert limits[("Query.publicCatalogue", "keyword")] == MAX_STRING


def test_every_mutation_payload_can_carry_the_boundary_s_errors():
    from strawberry.schema.schema_converter import GraphQLCoreConverter

    for name, field in schema._schema.mutation_type.fields.items():
        payload = get_named_type(field.type)
        assert "errors" in payload.fields, name
        definition = payload.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
        assert definition.origin(errors=[]).errors == [], name
