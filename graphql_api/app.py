"""The ASGI application factory."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from tortoise.contrib.starlette import RegisterTortoise

from graphql_api.context import Context, Services, bearer_token, client_address
from graphql_api.graphiql import graphiql_page, graphiql_routes
from graphql_api.http.body_limit import BodyLimitMiddleware
from graphql_api.http.downloads import download_file
from graphql_api.http.portal_files import download_public_file
from graphql_api.http.security_headers import SecurityHeadersMiddleware
from graphql_api.http.templates import download_template
from graphql_api.http.verify import verify_json, verify_page
from graphql_api.http.well_known import jwks
from graphql_api.request_parsing import CheckedRequestGraphQL
from graphql_api.schema import schema
from graphql_api.settings import Settings
from notifications.sms import SmsSender, sms_sender
from resolvers.accounts.sessions import authenticate
from resolvers.certificates.issuing import Issuer
from resolvers.certificates.signing import Signer, publish_key
from resolvers.certificates.verification import VerificationLog
from resolvers.core.jobs import InProcessJobs, JobQueue, StaleJobSweeper
from resolvers.core.storage import LocalFolderStorage, Storage
from resolvers.core.throttle import Throttle
from resolvers.imports.runner import resume_stale_imports, run_import
from resolvers.imports.start import ImportLimits


class CreditBankGraphQL(CheckedRequestGraphQL):
    def __init__(self, services: Services) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if services.settings.graphiql else None,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            allowed_origins=services.settings.allowed_origins,
            multipart_uploads_enabled=True,
        )
        self.services = services

    async def render_graphql_ide(self, request: Request) -> Response:
        """Our GraphiQL page, with its assets served here, not from a CDN."""
        return graphiql_page(request)

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


def job_queue(settings: Settings, storage: Storage, limits: ImportLimits) -> JobQueue:
    """In-process jobs by default; the taskiq worker's queue when JOB_BROKER names a broker."""
    if settings.job_broker == "inprocess":
        return InProcessJobs(functools.partial(run_import, storage=storage, limits=limits))
    from graphql_api.worker import TaskiqJobs

    return TaskiqJobs()


async def _start(jobs: JobQueue) -> None:
    if start := getattr(jobs, "startup", None):
        await start()


async def _stop(jobs: JobQueue) -> None:
    for name in ("close", "shutdown"):
        if stop := getattr(jobs, name, None):
            await stop()


def create_app(
    settings: Settings | None = None,
    *,
    init_orm: bool = True,
    sms: SmsSender | None = None,
    throttle: Throttle | None = None,
    storage: Storage | None = None,
    jobs: JobQueue | None = None,
) -> Starlette:
    """The app; ``init_orm=False`` when the caller (a test) has initialised Tortoise already."""
    settings = settings or Settings.from_env()
    storage = storage or LocalFolderStorage(settings.files_dir)
    limits = ImportLimits(
        settings.import_max_rows, settings.import_chunk_rows, settings.upload_quota
    )
    services = Services(
        settings=settings,
        sms_sender=sms or sms_sender(settings.sms_sender),
        throttle=throttle or Throttle(settings.rate_limit_storage),
        storage=storage,
        jobs=jobs or job_queue(settings, storage, limits),
        imports=limits,
        issuer=Issuer(Signer(settings.signing_key_pem), settings.public_base_url),
        verifications=VerificationLog(),
    )
    graphql = CreditBankGraphQL(services)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not init_orm:
            yield
            return
        async with RegisterTortoise(app, config=settings.tortoise, generate_schemas=False):
            await publish_key(services.signer)
            sweeper = StaleJobSweeper(functools.partial(resume_stale_imports, services.jobs))
            if isinstance(services.jobs, InProcessJobs):
                sweeper.start()
            await _start(services.jobs)
            try:
                yield
            finally:
                await sweeper.stop()
                await services.verifications.close()
                await _stop(services.jobs)

    middleware = [
        Middleware(SecurityHeadersMiddleware),
        Middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes),
    ]
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
            # The public verify routes first: the most frequent requests match at once.
            Route("/api/verify/{number}", verify_json, methods=["GET"]),
            Route("/verify/{number}", verify_page, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", _health),
            Route("/files/{id:uuid}", download_file, methods=["GET"]),
            Route("/portal/files/{id:uuid}", download_public_file, methods=["GET"]),
            Route("/templates/{kind}.xlsx", download_template, methods=["GET"]),
            Route("/.well-known/jwks.json", jwks, methods=["GET"]),
            *(graphiql_routes() if settings.graphiql else []),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.services = services
    return app
