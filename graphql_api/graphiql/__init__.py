"""The GraphiQL console, served whole by this server: our page (no script inline, nothing from
another origin) and its pinned assets under ``/graphiql/static/`` (see static/README.md), so that
it works where public CDNs are slow or out of reach (an intranet with no internet)."""

from __future__ import annotations

import gzip
import hashlib
import html
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/graphiql/static"
# Asset URLs carry a digest of their content, so a year of caching never serves a stale file.
LONG_CACHE = "public, max-age=31536000, immutable"
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
STYLES = ("graphiql.min.css", "console.css")
SCRIPTS = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "console.js",
)
@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    media_type: str
    digest: str

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'


@cache
def _asset(name: str) -> Asset | None:
    """One asset of the console, read once; None for any other name."""
    if name not in STYLES + SCRIPTS:
        return None
    body = (STATIC_DIR / name).read_bytes()
    digest = hashlib.sha256(body).hexdigest()[:16]
    return Asset(body, gzip.compress(body, 9, mtime=0), _TYPES[Path(name).suffix], digest)


def asset_url(request: Request, name: str) -> str:
    """The path of an asset on this server (under the app's root path), with its digest."""
    asset = _asset(name)
    assert asset is not None, name
    root = request.scope.get("root_path", "")
    return f"{root}{STATIC_PATH}/{name}?v={asset.digest}"


async def graphiql_asset(request: Request) -> Response:
    asset = _asset(request.path_params["name"])
    if asset is None:
        return PlainTextResponse("Not Found", status_code=404)
    headers = {
        "Cache-Control": LONG_CACHE,
        "ETag": asset.etag,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    body = asset.body
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        body = asset.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=asset.media_type, headers=headers)


def graphiql_page(request: Request) -> HTMLResponse:
    """The console page: the login form for administrators, then GraphiQL."""
    links = "\n".join(
        f'  <link rel="stylesheet" href="{html.escape(asset_url(request, name))}">'
        for name in STYLES
    )
    scripts = "\n".join(
        f'  <script src="{html.escape(asset_url(request, name))}" defer></script>'
        for name in SCRIPTS
    )
    page = _PAGE.format(links=links, scripts=scripts)
    return HTMLResponse(
        page,
        # The policy and the other security headers: graphql_api/http/security_headers.py.
        headers={"Cache-Control": "no-store"},
    )


def graphiql_routes() -> list[Route]:
    return [Route(STATIC_PATH + "/{name}", graphiql_asset, methods=["GET", "HEAD"])]


_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>学分银行 GraphQL 控制台</title>
  <link rel="icon" href="data:,">
{links}
{scripts}
</head>
<body>
  <form id="admin-login" class="admin-login" method="post" autocomplete="off">
    <strong>管理员登录</strong>
    <label>账号 <input name="username" required maxlength="30" autocomplete="username"></label>
    <label>密码 <input name="password" type="password" required
      autocomplete="current-password"></label>
    <label>动态口令 <input name="code" required inputmode="numeric" pattern="[0-9]{{6}}"
      maxlength="6" autocomplete="one-time-code" placeholder="6位数字"></label>
    <button type="submit">登录</button>
    <span id="admin-login-status" class="admin-login-status" role="status"></span>
    <span class="admin-login-hint">登录后令牌自动填入下方 Headers：
      <code>{{"Authorization": "Bearer &lt;token&gt;"}}</code>，也可粘贴命令行生成的令牌。</span>
  </form>
  <div id="graphiql" class="graphiql-host">
    正在加载 GraphiQL…（若一直停在这里，请确认浏览器允许脚本运行）
  </div>
</body>
</html>
"""
