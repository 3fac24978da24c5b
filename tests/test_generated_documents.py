"""Generated GraphQL documents (hypothesis-graphql, from schema.graphql) with hostile values,
sent over HTTP as each kind of actor: no answer is a server error, "Unexpected error." or a
logged traceback. Reproducible (derandomized) and small enough to run with the suite."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from tests import achievement_fixtures

SCHEMA = graphql.build_schema((Path(__file__).parent.parent / "schema.graphql").read_text())
ACTORS = ("anonymous", "learner", "main", "admin")
# fileUpload takes a file, which only a multipart request carries (tests/test_request_bodies.py).
assert SCHEMA.mutation_type is not None
MUTATIONS = [name for name in SCHEMA.mutation_type.fields if name != "fileUpload"]

EXAMPLES = settings(
    max_examples=20,
    derandomize=True,
    database=None,
    deadline=None,
    # No shrinking: a failure reports its document and variables, and the run stays short.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)
ODD = st.sampled_from(["\x00", "\ufeff", "\u202e", "\u0301", "\uffff", "\U0001f600", "\t"])
HOSTILE_STRINGS = st.one_of(
    st.text(max_size=12),
    st.text(st.one_of(SURROGATES, ODD, st.characters()), min_size=1, max_size=12),
    st.integers(10, 70).map(lambda n: "1" * n),
    st.integers(150, 600).map(lambda n: "名" * n),
    st.sampled_from(["检索" * 25_001, "%_" * 30_000, "a" * 5001]),
)
DATES = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01", "9999-12-31", "1900-01-01", "2199-12-31"]),
)
DATETIMES = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(
        ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59"]
    ),
)
DECIMALS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["NaN", "-Infinity", "1e999999", "1e-999999", "9" * 400, "0.5"]),
)
CUSTOM_SCALARS = {
    "Date": DATES.map(nodes.String),
    "DateTime": DATETIMES.map(nodes.String),
    "Decimal": DECIMALS.map(nodes.String),
    "JSON": st.text(max_size=5).map(nodes.String),
    "Upload": st.just(graphql.NullValueNode()),
}
HUGE_INTS = st.sampled_from([0, -1, 2**31 - 1, -(2**31), 10**6])


def _type_node(type_: graphql.GraphQLInputType) -> Any:
    if isinstance(type_, graphql.GraphQLNonNull):
        return graphql.NonNullTypeNode(type=_type_node(type_.of_type))
    if isinstance(type_, graphql.GraphQLList):
        return graphql.ListTypeNode(type=_type_node(type_.of_type))
    return graphql.NamedTypeNode(name=graphql.NameNode(value=type_.name))


def _as_variables(
    document: graphql.DocumentNode, data: st.DataObject
) -> tuple[str, dict[str, Any]]:
    """The document with every string and int literal moved into a variable, strings and ints
    replaced by hostile values (variables carry what a document cannot: lone surrogates)."""
    type_info = graphql.TypeInfo(SCHEMA)
    variables: dict[str, Any] = {}
    definitions: list[graphql.VariableDefinitionNode] = []

    class Hoist(graphql.Visitor):
        def enter_string_value(self, node, *_):
            return self._hoist(node.value)

        def enter_int_value(self, node, *_):
            return self._hoist(int(node.value))

        def _hoist(self, value: Any) -> graphql.VariableNode | None:
            type_ = type_info.get_input_type()
            if type_ is None:
                return None
            named = graphql.get_named_type(type_).name
            if named in {"String", "ID"}:
                value = data.draw(HOSTILE_STRINGS)
            elif named == "Int":
                value = data.draw(st.one_of(st.just(value), HUGE_INTS))
            name = f"v{len(variables)}"
            variables[name] = value
            variable = graphql.VariableNode(name=graphql.NameNode(value=name))
            definitions.append(
                graphql.VariableDefinitionNode(variable=variable, type=_type_node(type_))
            )
            return variable

    hoisted = graphql.visit(document, graphql.TypeInfoVisitor(type_info, Hoist()))
    (operation,) = hoisted.definitions
    operation = graphql.OperationDefinitionNode(
        operation=operation.operation,
        name=graphql.NameNode(value="Generated"),
        variable_definitions=tuple(definitions),
        directives=(),
        selection_set=operation.selection_set,
    )
    return graphql.print_ast(graphql.DocumentNode(definitions=(operation,))), variables


async def _send(api, token: str | None, query: str, variables: dict) -> None:
    headers = {"content-type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables})  # ASCII: surrogates escaped
    response = await api.client.post("/graphql", content=body, headers=headers)
    sent = f"{query}\n{body[-2000:]}\n{response.status_code} {response.text[:2000]}"
    assert response.status_code < 500, sent
    assert "Unexpected error" not in response.text, sent


def _documents(kind: str) -> st.SearchStrategy[graphql.DocumentNode]:
    if kind == "query":
        return queries(SCHEMA, custom_scalars=CUSTOM_SCALARS, print_ast=lambda d: d)
    return mutations(SCHEMA, fields=MUTATIONS, custom_scalars=CUSTOM_SCALARS, print_ast=lambda d: d)


@pytest.fixture
async def world(api, admin_token):
    return await achievement_fixtures.build_world(api, admin_token)


@pytest.mark.parametrize("kind", ["query", "mutation"])
@pytest.mark.parametrize("actor", ACTORS)
@EXAMPLES
@given(data=st.data())
async def test_generated_documents_never_fail_on_the_server(api, world, caplog, actor, kind, data):
    document = data.draw(_documents(kind))
    query, variables = _as_variables(document, data)
    caplog.set_level(logging.ERROR)
    caplog.clear()
    await _send(api, world.tokens[actor], query, variables)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
