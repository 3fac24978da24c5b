"""The GraphiQL console is served whole by this server: the page names no other origin and runs
no inline script, and every asset it names is served here, pinned, with the right type and long
caching."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from graphql_api.app import create_app
from graphql_api.graphiql import STATIC_DIR
from graphql_api.settings import Settings
from tests.conftest import Api

HTML = {"Accept": "text/html"}
TYPES = {".js": "text/javascript", ".css": "text/css"}


class _Page(HTMLParser):
    """The URLs a page loads (scripts, stylesheets, images, frames…) and its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href", "srcset", "data", "action", "poster"):
            if found.get(name) is not None:
                self.urls.append(found[name] or "")
        self._in_script = tag == "script"
        if tag == "script":
            assert found.get("src"), "a script without src is inline"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


async def _page(api: Api) -> tuple[httpx.Response, _Page]:
    response = await api.client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    parsed = _Page()
    parsed.feed(response.text)
    return response, parsed


async def test_the_page_names_no_other_origin_and_runs_no_inline_script(api: Api):
    response, page = await _page(api)
    assert response.headers["content-type"].startswith("text/html")
    assert page.inline_scripts == []
    assert page.urls[0] == "data:,"  # no icon to fetch
    assert len(page.urls) == 7  # and two stylesheets, four scripts
    for url in page.urls[1:]:
        assert url.startswith("/graphiql/static/"), url
        assert not re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url, re.I), url
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", response.text, re.I)
    assert "unpkg" not in response.text and "cdn" not in response.text.lower()
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "default-src 'none'" in policy
    assert response.headers["cache-control"] == "no-store"
    # The header editor's hint and the administrators' login form.
    assert "Bearer &lt;token&gt;" in response.text and 'id="admin-login"' in response.text


async def test_every_asset_the_page_names_is_served_pinned_and_cached(api: Api):
    _, page = await _page(api)
    for url in page.urls[1:]:
        name = url.split("?")[0].rsplit("/", 1)[1]
        expected = (STATIC_DIR / name).read_bytes()
        plain = await api.client.get(url, headers={"Accept-Encoding": "identity"})
        assert plain.status_code == 200, url
        assert plain.headers["content-type"].split(";")[0] == TYPES[Path(name).suffix]
        assert plain.headers["x-content-type-options"] == "nosniff"
        assert "max-age=31536000" in plain.headers["cache-control"]
        assert plain.content == expected
        assert url.endswith("?v=" + hashlib.sha256(expected).hexdigest()[:16])
        encoding, raw = await _get_raw(api, url, {"Accept-Encoding": "gzip"})
        assert encoding == "gzip" and gzip.decompress(raw) == expected
        again = await api.client.get(url, headers={"If-None-Match": plain.headers["etag"]})
        assert again.status_code == 304 and again.content == b""


async def _get_raw(api: Api, url: str, headers: dict[str, str]) -> tuple[str, bytes]:
    """The content encoding and the body as sent (httpx would decompress it)."""
    async with api.client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200
        body = b"".join([chunk async for chunk in response.aiter_raw()])
    return response.headers.get("content-encoding", ""), body


@pytest.mark.parametrize(
    "path",
    [
        "/graphiql/static/LICENSE-react",
        "/graphiql/static/README.md",
        "/graphiql/static/nothing.js",
        "/graphiql/static/..%2F__init__.py",
        "/graphiql/static/../__init__.py",
        "/graphiql/static/",
    ],
)
async def test_nothing_else_is_served_from_the_folder(api: Api, path: str):
    response = await api.client.get(path)
    assert response.status_code == 404


async def test_our_own_scripts_and_styles_load_nothing_from_elsewhere():
    for name in ("console.js", "console.css"):
        text = (STATIC_DIR / name).read_text(encoding="utf-8")
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), name
        assert "@import" not in text and "url(" not in text


async def test_the_vendored_files_are_the_pinned_ones():
    """static/README.md names each vendored file with its SHA-256; a changed file fails here."""
    readme = (STATIC_DIR / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `([\w.-]+)` \|.*`([0-9a-f]{64})` \|$", readme, re.M))
    assert set(listed) == {
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
    }
    for name, digest in listed.items():
        assert hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest() == digest, name
    for licence in ("LICENSE-graphiql", "LICENSE-react"):
        assert "MIT License" in (STATIC_DIR / licence).read_text(encoding="utf-8")
    total = sum(path.stat().st_size for path in STATIC_DIR.iterdir())
    assert total < 2 * 1024 * 1024


async def test_without_graphiql_neither_page_nor_assets(db, settings: Settings):
    app = create_app(dataclasses.replace(settings, graphiql=False), init_orm=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        page = await client.get("/graphql", headers=HTML)
        asset = await client.get("/graphiql/static/console.js")
    await app.state.services.jobs.close()
    assert "admin-login" not in page.text
    assert asset.status_code == 404
