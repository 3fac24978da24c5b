"""``GET /.well-known/jwks.json``: the bank's public signing keys (JWK Set, RFC 7517), open to
anyone and any origin, so that a downloaded credential can be checked without the bank."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from resolvers.certificates.signing import published_jwks

_HEADERS = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}


async def jwks(request: Request) -> JSONResponse:
    return JSONResponse(await published_jwks(), headers=_HEADERS)
