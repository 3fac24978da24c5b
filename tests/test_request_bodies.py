"""Requests that are not well-formed GraphQL requests (graphql_api/request_parsing.py) get 400
with a GraphQL-style body, never a server error; a document of several operations must name
the one to run."""

from __future__ import annotations

import json
import logging

import pytest

from tests.test_files import PDF, UPLOAD, learner_token

VIEWER = "{ viewer { kind } }"


@pytest.fixture
def quiet(caplog):
    caplog.set_level(logging.ERROR)
    yield
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


def assert_refused(response) -> str:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    (error,) = response.json()["errors"]
    assert error["message"]
    return error["message"]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "body",
    [
        b'"{ viewer { kind } }"',
        b"42",
        b"-1.5e3",
        b"null",
        b"true",
        b"[]",
        b'[{"query": "{ viewer { kind } }"}]',
        b'{"query": "{ viewer { kind } }", "operationName": 5}',
        b'{"query": "{ viewer { kind } }", "operationName": ["a"]}',
        b'{"query": 5}',
        b'{"query": "{ viewer { kind } }", "variables": "x"}',
        b'{"query": "{ viewer { kind } }", "variables": [1]}',
        b'{"query": "{ viewer { kind } }", "extensions": 1}',
        b'{"query": "\xff\xfe"}',
        b"\xff\xfe\x00\x00",
        b'{"query": "{ viewer { kind } }"}\xc3',
        b"\xef\xbb\xbf" + b'{"query": "{ viewer { kind } }"}',
        b'{"query": "{ viewer { kind } }", "variables": {"a": NaN}}',
        b'{"query": "{ viewer { kind } }", "variables": {"a": Infinity}}',
        b'{"query": "{ viewer { kind } }", "variables": {"a": ' + b"9" * 5000 + b"}}",
        _nested(100_000).encode(),
        _nested(900).encode(),
        b'{"query": "{ viewer { kind } }", "variables": {"a": ' + _nested(40).encode() + b"}}",
        b'{"query": "{ viewer { kind } }", "variables": {"a": '
        + b'{"b":' * 3000
        + b"1"
        + b"}" * 3001,
        b"",
        b"{",
    ],
    ids=lambda body: repr(body[:40]),
)
async def test_a_body_that_is_not_one_request_object_is_a_400(api, quiet, body):
    response = await api.client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert_refused(response)


async def test_a_request_object_nested_within_the_limit_is_answered(api, quiet):
    body = {"query": VIEWER, "variables": {"a": json.loads(_nested(20))}}
    response = await api.client.post("/graphql", json=body)
    assert response.json() == {"data": {"viewer": {"kind": "ANONYMOUS"}}}


@pytest.mark.parametrize(
    "variables",
    ["x", "[1]", "5", "", _nested(5000), _nested(50), "NaN", "%FF"],
)
async def test_get_variables_that_are_not_an_object_are_a_400(api, quiet, variables):
    response = await api.client.get("/graphql", params={"query": VIEWER, "variables": variables})
    assert_refused(response)


@pytest.mark.parametrize("variables", ["null", "{}"])
async def test_get_variables_null_or_empty_are_no_variables(api, quiet, variables):
    response = await api.client.get("/graphql", params={"query": VIEWER, "variables": variables})
    assert response.json() == {"data": {"viewer": {"kind": "ANONYMOUS"}}}


async def test_invalid_utf8_in_the_query_string_is_a_400_or_an_answer(api, quiet):
    response = await api.client.get("/graphql?query=%7B%20viewer%20%7B%20kind%20%7D%20%7D%FF")
    assert response.status_code in {200, 400}
    assert "errors" in response.json() or response.json()["data"]


# -- multipart -----------------------------------------------------------------------------------

OPERATIONS = json.dumps({"query": UPLOAD, "variables": {"file": None}})
MAP = json.dumps({"0": ["variables.file"]})


async def _multipart(api, token, data: dict, files: dict | None = None):
    files = {"0": ("证明.pdf", PDF, "application/pdf")} if files is None else files
    return await api.client.post(
        "/graphql", data=data, files=files, headers={"Authorization": f"Bearer {token}"}
    )


async def test_a_well_formed_upload_still_works(api, quiet):
    token = await learner_token(api, 1)
    response = await _multipart(api, token, {"operations": OPERATIONS, "map": MAP})
    assert response.json()["data"]["fileUpload"]["errors"] == []


@pytest.mark.parametrize(
    "data",
    [
        {"operations": OPERATIONS, "map": "[]"},
        {"operations": OPERATIONS, "map": '"variables.file"'},
        {"operations": OPERATIONS, "map": "1"},
        {"operations": OPERATIONS, "map": "null"},
        {"operations": OPERATIONS, "map": '{"0": "variables.file"}'},
        {"operations": OPERATIONS, "map": '{"0": []}'},
        {"operations": OPERATIONS, "map": '{"0": [1]}'},
        {"operations": OPERATIONS, "map": '{"0": [null]}'},
        {"operations": OPERATIONS, "map": '{"0": ["variables.nope.deeper"]}'},
        {"operations": OPERATIONS, "map": '{"0": ["variables.nope"]}'},
        {"operations": OPERATIONS, "map": '{"0": ["variables.file.x"]}'},
        {"operations": OPERATIONS, "map": '{"0": ["variables.file.0"]}'},
        {"operations": OPERATIONS, "map": '{"0": ["variables"]}'},
        {"operations": OPERATIONS, "map": '{"0": ["query"]}'},
        {"operations": OPERATIONS, "map": '{"0": ["operationName"]}'},
        {"operations": OPERATIONS, "map": '{"0": ["0.variables.file"]}'},
        {"operations": OPERATIONS, "map": '{"1": ["variables.file"]}'},
        {"operations": OPERATIONS, "map": "{not json"},
        {"operations": OPERATIONS, "map": _nested(5000)},
        {"operations": "[]", "map": MAP},
        {"operations": '"x"', "map": MAP},
        {"operations": "null", "map": MAP},
        {"operations": "7", "map": MAP},
        {"operations": "{not json", "map": MAP},
        {"operations": json.dumps({"query": UPLOAD, "variables": [None]}), "map": MAP},
        {"operations": json.dumps({"query": UPLOAD, "variables": "x"}), "map": MAP},
        {
            "operations": json.dumps({"query": UPLOAD, "variables": {"file": [None]}}),
            "map": '{"0": ["variables.file.-1"]}',
        },
        {"map": MAP},
    ],
    ids=lambda data: repr(data)[-60:],
)
async def test_a_multipart_request_of_the_wrong_shape_is_a_400(api, quiet, data):
    token = await learner_token(api, 1)
    assert_refused(await _multipart(api, token, data))


async def test_a_file_field_sent_as_text_is_a_400(api, quiet):
    token = await learner_token(api, 1)
    data = {"operations": OPERATIONS, "map": MAP, "0": "not a file"}
    assert_refused(await _multipart(api, token, data, files={}))


@pytest.mark.parametrize(
    "body",
    [
        b"--xyz\r\nContent-Disposition: form-data\r\n\r\nbroken",
        b"--xyz\r\nContent-Disposition: form-data; name=operations\r\n\r\n\xff\xfe\r\n--xyz--",
        b"",
    ],
)
async def test_a_multipart_body_that_does_not_parse_is_a_400(api, quiet, body):
    token = await learner_token(api, 1)
    response = await api.client.post(
        "/graphql",
        content=body,
        headers={
            "content-type": "multipart/form-data; boundary=xyz",
            "Authorization": f"Bearer {token}",
        },
    )
    assert_refused(response)


# -- operation names -----------------------------------------------------------------------------

TWO = "query First { viewer { kind } } query Second { viewerAgain: viewer { kind } }"


async def test_several_operations_without_a_name_is_an_error(api, quiet):
    response = await api.client.post("/graphql", json={"query": TWO})
    body = response.json()
    assert "data" not in body or body["data"] is None
    (error,) = body["errors"]
    assert "operationName" in error["message"]
    assert error["extensions"] == {"code": "OPERATION_NAME_REQUIRED"}


async def test_several_operations_over_get_without_a_name_is_an_error(api, quiet):
    response = await api.client.get("/graphql", params={"query": TWO})
    assert "operationName" in response.json()["errors"][0]["message"]


async def test_the_named_operation_runs(api, quiet):
    for name, key in (("Second", "viewerAgain"), ("First", "viewer")):
        response = await api.client.post("/graphql", json={"query": TWO, "operationName": name})
        assert response.json() == {"data": {key: {"kind": "ANONYMOUS"}}}


@pytest.mark.parametrize("name", ["Third", "", "first"])
async def test_an_unknown_operation_name_is_a_400(api, quiet, name):
    response = await api.client.post("/graphql", json={"query": TWO, "operationName": name})
    assert_refused(response)


async def test_one_operation_needs_no_name(api, quiet):
    response = await api.client.post("/graphql", json={"query": "query Only " + VIEWER})
    assert response.json() == {"data": {"viewer": {"kind": "ANONYMOUS"}}}
