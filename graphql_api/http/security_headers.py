"""Security headers on every response, and a Content-Security-Policy on HTML pages (the verify
page, GraphiQL, any other): one place to read and tighten them."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# HTML the server writes itself (the verify page): its own inline <style>, no script at all.
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# The GraphiQL console (graphql_api/graphiql): its own scripts and styles served by this server
# (GraphiQL sets some styles inline), the fonts and icons its stylesheet embeds as data: URLs, and
# the endpoint itself (WebSockets included, for subscriptions). No other origin, no inline script.
GRAPHIQL_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
GRAPHIQL_PATHS = {"/graphql"}
EVERY_RESPONSE = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # a verify page's address names a certificate
}


def policy_for(path: str) -> str:
    return GRAPHIQL_POLICY if path in GRAPHIQL_PATHS else PAGE_POLICY


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = policy_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in EVERY_RESPONSE.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)
