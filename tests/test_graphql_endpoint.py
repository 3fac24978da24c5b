"""GraphQL over HTTP: methods, status codes, GraphiQL, limits and error masking."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
import strawberry.schema.schema as strawberry_schema

from graphql_api.dataloaders import Loaders
from graphql_api.schema import build_schema
from resolvers.accounts import admins
from resolvers.core.actors import ANONYMOUS


async def test_query_over_get(api):
    response = await api.client.get("/graphql", params={"query": "{ viewer { kind } }"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"viewer": {"kind": "ANONYMOUS"}}}


async def test_mutation_over_get_is_refused(api):
    query = 'mutation { learnerLogin(input: {account: "x", password: "y"}) { token } }'
    response = await api.client.get("/graphql", params={"query": query})
    assert response.status_code == 400
    assert "mutations are not allowed" in response.text.lower()


async def test_malformed_json_is_a_400(api):
    response = await api.client.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


async def test_graphiql_for_a_browser(api):
    response = await api.client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_health(api):
    response = await api.client.get("/healthz")
    assert response.json() == {"status": "ok"}


async def test_unknown_field_is_a_validation_error(api):
    response = await api.post("{ viewer { nope } }")
    body = response.json()
    assert "Cannot query field 'nope'" in body["errors"][0]["message"]


async def test_depth_limit(db):
    query = "{ viewer { institutionUser { institution { id } } } }"
    assert (await build_schema(max_depth=4).execute(query, context_value=_context())).errors is None
    result = await build_schema(max_depth=2).execute(query, context_value=_context())
    assert "exceeds maximum operation depth" in result.errors[0].message


async def test_a_document_is_validated_once_then_answered_from_the_cache(api, monkeypatch):
    calls = []
    validate = strawberry_schema.validate

    def counting(*args, **kwargs):
        calls.append(1)
        return validate(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "validate", counting)
    # A text no other test sends, so the shared cache cannot have seen it.
    fresh = f"query Fresh{uuid.uuid4().hex} {{ viewer {{ kind }} }}"
    for _ in range(3):
        assert (await api.post(fresh)).json() == {"data": {"viewer": {"kind": "ANONYMOUS"}}}
    assert len(calls) == 1
    wrong = f"query Wrong{uuid.uuid4().hex} {{ viewer {{ nope }} }}"
    for _ in range(2):
        assert "Cannot query field 'nope'" in (await api.post(wrong)).json()["errors"][0]["message"]
    assert len(calls) == 2


async def test_limits_hold_for_a_document_seen_before(api):
    aliases = " ".join(f"a{i}: viewer {{ kind }}" for i in range(16))
    for _ in range(2):
        body = (await api.post("{ " + aliases + " }")).json()
        assert body.get("data") is None
        assert "aliases" in body["errors"][0]["message"].lower()


def _context():
    return SimpleNamespace(actor=ANONYMOUS, loaders=Loaders())


async def test_alias_limit(api):
    aliases = " ".join(f"a{i}: viewer {{ kind }}" for i in range(16))
    body = (await api.post("{ " + aliases + " }")).json()
    assert "aliases" in body["errors"][0]["message"].lower()


async def test_token_limit(api):
    fields = " ".join("kind" for _ in range(2100))
    body = (await api.post("{ viewer { " + fields + " } }")).json()
    assert "token" in body["errors"][0]["message"].lower()


async def test_unexpected_errors_are_masked_and_logged(api, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(admins, "create_administrator", broken)
    admin = await admins.Administrator.create(username="root1", name="管理员")
    token = await admins.issue_admin_token(admin)

    async def broken_log(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr("graphql_api.audit.queries.audit_log", broken_log)
    body = (await api.post("{ auditLog { totalCount } }", token=token)).json()
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "hunter2" not in str(body)
    assert "hunter2" in caplog.text


async def test_a_query_s_domain_error_is_shown_with_its_code_and_field(api, caplog):
    admin = await admins.Administrator.create(username="root2", name="管理员")
    token = await admins.issue_admin_token(admin)
    body = (await api.post('{ catalogueEntry(id: "not-an-id") { id } }', token=token)).json()
    (error,) = body["errors"]
    assert error["message"] == "ID格式不正确"
    assert error["extensions"] == {"code": "INVALID", "field": "id"}
    assert error["path"] == ["catalogueEntry"]
    assert "ID格式不正确" not in caplog.text  # an answer, not an incident


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Basic abc", "cbs_x"])
async def test_bad_tokens_are_anonymous(api, header):
    response = await api.client.post(
        "/graphql", json={"query": "{ viewer { kind } }"}, headers={"Authorization": header}
    )
    assert response.json()["data"]["viewer"]["kind"] == "ANONYMOUS"


async def test_oversized_bodies_are_refused_before_parsing(api, settings):
    limit = settings.max_request_bytes
    declared = await api.client.post(
        "/graphql", content=b"x" * (limit + 1), headers={"content-type": "application/json"}
    )
    assert declared.status_code == 413

    async def chunks():
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536

    streamed = await api.client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
