"""Security headers: every response says nosniff, no framing and no referrer; HTML pages (the
verify page, GraphiQL) carry a Content-Security-Policy that allows what the page needs and
nothing else. And who may introspect the schema (INTROSPECTION), by environment and actor."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import httpx
import pytest

from graphql_api.http.security_headers import GRAPHIQL_POLICY, PAGE_POLICY
from graphql_api.settings import Settings
from tests.conftest import app_with_limits
from tests.institution_fixtures import login_learner, make_learner, resident_id

EVERY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def _has_every_header(response: httpx.Response) -> None:
    for name, value in EVERY.items():
        assert response.headers.get(name) == value, (name, response.headers)


def _directives(policy: str) -> dict[str, list[str]]:
    parts = [part.split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


async def test_the_verify_page_has_a_strict_policy(api):
    response = await api.client.get("/verify/NOSUCH")
    assert response.headers["content-type"].startswith("text/html")
    _has_every_header(response)
    assert response.headers["content-security-policy"] == PAGE_POLICY
    policy = _directives(PAGE_POLICY)
    assert policy["default-src"] == ["'none'"] and "script-src" not in policy
    assert policy["frame-ancestors"] == ["'none'"]
    # The page needs its inline <style> and nothing it would have to fetch.
    assert "<style>" in response.text and "<script" not in response.text
    assert not re.search(r"(src|href)=\"https?://", response.text)


async def test_graphiql_is_allowed_what_it_loads_and_nothing_more(api):
    response = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    _has_every_header(response)
    assert response.headers["content-security-policy"] == GRAPHIQL_POLICY
    policy = _directives(GRAPHIQL_POLICY)
    assert policy["frame-ancestors"] == ["'none'"] and policy["connect-src"] == ["'self'"]
    scripts = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", response.text)
    styles = re.findall(r"<link rel=\"stylesheet\"[^>]*\shref=\"([^\"]+)\"", response.text)
    assert scripts and styles
    for url, directive in [(u, "script-src") for u in scripts] + [(u, "style-src") for u in styles]:
        parts = urlsplit(url)
        allowed = policy[directive]
        assert not parts.scheme or f"{parts.scheme}://{parts.netloc}" in allowed, (url, allowed)
    assert "<script>" not in response.text  # no inline script: none is allowed
    assert policy["script-src"] == ["'self'"]


async def test_other_responses_have_the_common_headers_and_no_page_policy(api):
    for response in (
        await api.post("{ __typename }"),
        await api.client.get("/api/verify/NOSUCH"),
        await api.client.get("/healthz"),
        await api.client.get("/.well-known/jwks.json"),
    ):
        _has_every_header(response)
        assert "content-security-policy" not in response.headers


# Introspection

SCHEMA = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "Query") { name } }'


@asynccontextmanager
async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = app_with_limits(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await app.state.services.verifications.close()
    await app.state.services.jobs.close()


async def _introspects(client: httpx.AsyncClient, query: str, token: str | None = None) -> bool:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = (await client.post("/graphql", json={"query": query}, headers=headers)).json()
    if body.get("errors"):
        assert "introspection" in body["errors"][0]["message"].lower(), body
        assert not body.get("data")
        return False
    return True


@pytest.fixture
def learner_session(api) -> Callable:
    async def _make() -> str:
        await make_learner(1)
        return await login_learner(api, resident_id(1, "19950505"))

    return _make


async def test_anonymous_introspection_outside_production(api):
    assert await _introspects(api.client, SCHEMA)
    assert await _introspects(api.client, TYPE)


async def test_production_lets_only_logged_in_callers_introspect(api, settings, learner_session):
    token = await learner_session()
    production = dataclasses.replace(settings, environment="production")
    async with _client(production) as client:
        for _ in range(2):  # a cached validation of one caller is not reused for another
            assert not await _introspects(client, SCHEMA)
            assert not await _introspects(client, TYPE)
            assert await _introspects(client, SCHEMA, token)
            assert await _introspects(client, TYPE, token)
        assert not await _introspects(client, SCHEMA, "cbs_not-a-session")
        assert await _introspects(client, "{ __typename }")


@pytest.mark.parametrize(
    ("environment", "setting", "anonymous", "logged_in"),
    [
        ("production", "anonymous", True, True),
        ("production", "off", False, False),
        ("development", "authenticated", False, True),
        ("development", "off", False, False),
    ],
)
async def test_the_introspection_setting(
    api, settings, learner_session, environment, setting, anonymous, logged_in
):
    token = await learner_session()
    configured = dataclasses.replace(settings, environment=environment, introspection=setting)
    async with _client(configured) as client:
        assert await _introspects(client, SCHEMA) is anonymous
        assert await _introspects(client, SCHEMA, token) is logged_in


def test_introspection_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("ENVIRONMENT", "production")
    assert Settings.from_env().introspection_policy == "authenticated"
    monkeypatch.setenv("INTROSPECTION", "Off")
    assert Settings.from_env().introspection_policy == "off"
    monkeypatch.setenv("INTROSPECTION", "everyone")
    with pytest.raises(ValueError, match="INTROSPECTION"):
        Settings.from_env()
    monkeypatch.delenv("INTROSPECTION")
    monkeypatch.setenv("ENVIRONMENT", "development")
    assert Settings.from_env().introspection_policy == "anonymous"
