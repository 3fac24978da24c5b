"""The ASGI application factory."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from tortoise.contrib.starlette import RegisterTortoise

from graphql_api.body_limit import BodyLimitMiddleware
from graphql_api.context import Context, Services, bearer_token, client_address
from graphql_api.downloads import download_file
from graphql_api.schema import schema
from graphql_api.settings import Settings
from notifications.sms import SmsSender, sms_sender
from resolvers.sessions import authenticate
from resolvers.storage import LocalFolderStorage, Storage
from resolvers.throttle import Throttle

log = logging.getLogger("creditbank")


class CreditBankGraphQL(GraphQL[Context, None]):
    def __init__(self, services: Services) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if services.settings.graphiql else None,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            allowed_origins=services.settings.allowed_origins,
            multipart_uploads_enabled=True,
        )
        self.services = services

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        actor = await authenticate(bearer_token(request))
        return Context(
            request=request,
            response=response,
            actor=actor,
            services=self.services,
            client_address=client_address(request, self.services.settings.trusted_proxies),
        )


async def _health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(
    settings: Settings | None = None,
    *,
    init_orm: bool = True,
    sms: SmsSender | None = None,
    throttle: Throttle | None = None,
    storage: Storage | None = None,
) -> Starlette:
    """The app; ``init_orm=False`` when the caller (a test) has initialised Tortoise already."""
    settings = settings or Settings.from_env()
    services = Services(
        settings=settings,
        sms_sender=sms or sms_sender(settings.sms_sender),
        throttle=throttle or Throttle(settings.rate_limit_storage),
        storage=storage or LocalFolderStorage(settings.files_dir),
    )
    graphql = CreditBankGraphQL(services)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not init_orm:
            yield
            return
        async with RegisterTortoise(app, config=settings.tortoise, generate_schemas=False):
            yield

    middleware = [Middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes)]
    if settings.allowed_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.allowed_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
            )
        )
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", _health),
            Route("/files/{id:uuid}", download_file, methods=["GET"]),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.services = services
    return app
