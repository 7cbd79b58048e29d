"""Builds the ASGI application: the database, the worker, operations endpoints, and every dialect."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import cache
from typing import Any, Literal

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import ConfigDict, with_config
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send
from typing_extensions import TypedDict

from boxoffice import (
    __version__,
    demo,
    gauges,
    models,  # noqa: F401  (every table, so foreign keys resolve)
    workers,
)
from boxoffice.access.checker import AccessChecker
from boxoffice.access.content_log import ContentLog
from boxoffice.billing import (  # noqa: F401  (register billing's jobs)
    gateway_events,
    gift_delivery,
    janitor,
    renewals,
    store_notifications,
)
from boxoffice.billing.store_purchases import StoreVerifiers
from boxoffice.dialects.api31.router import PREFIX as API31_PREFIX
from boxoffice.dialects.api31.router import router as api31_router
from boxoffice.dialects.cleeng.webhook_payloads import CleengWebhooks
from boxoffice.dialects.cleeng.webhook_topics import WIRE as CLEENG_WIRE
from boxoffice.dialects.cors import AllowedOrigins, Cors
from boxoffice.dialects.inplayer.errors import ErrorBody, error_response, render_validation_error
from boxoffice.dialects.inplayer.fast_access import FastAccessCheck
from boxoffice.dialects.inplayer.router import router as inplayer_router
from boxoffice.dialects.inplayer.router import serves as serves_inplayer
from boxoffice.dialects.inplayer.webhook_payloads import InPlayerWebhooks
from boxoffice.dialects.jsonrpc.router import router as json_rpc_router
from boxoffice.dialects.mediastore.envelope import refusal as mediastore_refusal
from boxoffice.dialects.mediastore.router import router as mediastore_router
from boxoffice.dialects.openapi import with_distinct_titles
from boxoffice.gateways import app_store
from boxoffice.gateways.amazon_appstore import AmazonAppstore
from boxoffice.gateways.google_play import GooglePlay
from boxoffice.gateways.registry import Gateways
from boxoffice.gateways.roku_pay import RokuPay
from boxoffice.identity import social_sign_in  # noqa: F401  (register identity's chores)
from boxoffice.identity.oidc import OidcClient
from boxoffice.kit import (
    client_info,
    heap,
    logs,
    passwords,
)
from boxoffice.kit import metrics as prometheus
from boxoffice.kit.cache import InvalidationFeed
from boxoffice.kit.db import create_engine, ping, session_factory
from boxoffice.kit.metrics import MetricsMiddleware
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings, get_settings
from boxoffice.kit.stopping import Stopping, stop_all
from boxoffice.mail import delivery  # noqa: F401  (registers the e-mail job handler)
from boxoffice.web import (
    api_docs,
    audit_trail,
    branding_images,
    demo_page,
    gateway_webhooks,
    landing,
    report_downloads,
    store_webhooks,
)
from boxoffice.web import sandbox as sandbox_pages
from boxoffice.web.dashboard.router import router as dashboard
from boxoffice.web.pages import router as pages
from boxoffice.web.request_base import RequestBase
from boxoffice.web.request_ids import RequestIds
from boxoffice.webhooks.formats import DEFAULT_WIRE, WireFormats
from boxoffice.webhooks.notifications_relay import Notifications
from boxoffice.webhooks.sender import Sender

log = structlog.get_logger(__name__)
MEDIASTORE_PREFIX = "/mediastore"
# How long the background loops get to finish the work in hand when the server stops, before they are cancelled.
SHUTDOWN_GRACE = 10.0
PUBLIC: dict[str, Any] = {"security": []}
# The pages' and gateways' routes have no refusal format of their own for a parameter they cannot parse: the
# app's handler (below) answers it in InPlayer's, as JSON even where the route answers HTML (so the schema is
# given with its media type rather than as a model, which FastAPI would file under the route's).
UNPARSED: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "A path or query parameter that cannot be parsed",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ErrorBody.__name__}"}}},
    }
}


@with_config(ConfigDict(extra="forbid"))
class Health(TypedDict):
    status: Literal["ok"]
    version: str


@with_config(ConfigDict(extra="forbid"))
class Readiness(TypedDict):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]


class Boxoffice(FastAPI):
    """The FastAPI app, with a hot path in front: the access check every play makes is answered before the
    middleware stack is entered (it records its own metrics); every other request takes the framework's way.
    CORS wraps both, and outside it every request is given its id. Requests to `mediastore_host` are MediaStore's
    at the root (`POST /auths`), as Cleeng's SDK sends them from a page on that host. With `metrics_port`, what
    arrives on that port is a scrape, answered by `metrics`, and nothing else is."""

    fast_access: FastAccessCheck | None = None
    cors: Cors | None = None
    mediastore_host: bytes | None = None
    request_ids: RequestIds | None = None
    metrics_port: int | None = None
    metrics: Metrics | None = None

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = with_distinct_titles(super().openapi())
        return self.openapi_schema

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.request_ids is not None:
            await self.request_ids(scope, receive, send)
        else:
            await self.dispatch(scope, receive, send)

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.metrics_port is not None and scope["type"] in ("http", "websocket") and self.metrics is not None:
            server = scope.get("server")
            if server is not None and server[1] == self.metrics_port:
                await self.metrics.on_own_port(scope, receive, send)
                return
        if self.mediastore_host is not None and scope["type"] in ("http", "websocket"):
            scope = _under_mediastore(scope, self.mediastore_host)
        if self.cors is not None:
            await self.cors(scope, receive, send)
        else:
            await self.serve(scope, receive, send)

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and self.fast_access is not None
            and await self.fast_access.handle(scope, receive, send)
        ):
            return
        await super().__call__(scope, receive, send)


def _under_mediastore(scope: Scope, host: bytes) -> Scope:
    given = next((value for name, value in scope.get("headers", ()) if name == b"host"), b"")
    if given.split(b":")[0].lower() != host or scope["path"].startswith(MEDIASTORE_PREFIX + "/"):
        return scope
    moved = {**scope, "path": MEDIASTORE_PREFIX + scope["path"]}
    if scope.get("raw_path") is not None:
        moved["raw_path"] = MEDIASTORE_PREFIX.encode() + scope["raw_path"]
    return moved


class Metrics:
    """`/metrics`: every worker's counters and the queues' gauges, to whoever shows `metrics_token` if one is set."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], token: str | None) -> None:
        self.sessions, self.token = sessions, token

    async def answer(self, authorization: str | None) -> Response:
        if not prometheus.bearer_matches(authorization, self.token):
            return PlainTextResponse("Unauthorized", 401, headers={"WWW-Authenticate": "Bearer"})
        text = prometheus.exposition(await gauges.queue_gauges(self.sessions))
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    async def on_own_port(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The metrics port answers `GET /metrics` and nothing else."""
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["path"] != "/metrics" or scope["method"] not in ("GET", "HEAD"):
            response: Response = PlainTextResponse("Not found", 404)
        else:
            authorization = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), None)
            response = await self.answer(authorization)
        await response(scope, receive, send)


def build_routes(app: FastAPI) -> None:
    """Has FastAPI build every route's models now. It builds a router's on the first request routed through it,
    on the event loop: a third of a second in which no other request is answered, in the first minute of an event."""
    for _ in iter_route_contexts(app.routes):
        pass


def webhook_wires() -> WireFormats:
    """Every format webhooks are posted in, by the key endpoints name: InPlayer's is the default (the one
    receivers already read), Cleeng's is its endpoints' (`webhook_subscriptions`)."""
    return {DEFAULT_WIRE: InPlayerWebhooks(), CLEENG_WIRE: CleengWebhooks()}


def webhook_sender(factory: async_sessionmaker[AsyncSession], settings: Settings) -> Sender:
    """The webhook sender, posting each endpoint's deliveries in its wire format."""
    return Sender(factory, settings, webhook_wires())


def serve_app() -> Boxoffice:
    """The app as `boxoffice serve` runs it: a long-lived process whose collector is tuned for serving."""
    return create_app(settle_heap=True)


# The operations endpoints read their app from the request rather than closing over it: FastAPI keeps every endpoint
# it has seen in caches of its own, and an endpoint that held its app would keep each app a process ever made.
async def healthz() -> Health:
    """The process is up and answering, and its version."""
    return {"status": "ok", "version": __version__}


async def readyz(request: Request) -> Response:
    """Whether the process can serve: the database is reachable."""
    try:
        await ping(request.app.state.engine)
    except Exception as exc:  # any failure to reach the database means not ready
        log.warning("readyz.database_unreachable", error=str(exc))
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


async def metrics(request: Request) -> Response:
    app = request.app
    assert isinstance(app, Boxoffice) and app.metrics is not None
    return await app.metrics.answer(request.headers.get("authorization"))


def create_app(settings: Settings | None = None, *, settle_heap: bool = False) -> Boxoffice:
    settings = settings or get_settings()
    logs.configure(settings.log_level, settings.log_json)
    passwords.configure(settings)
    engine = create_engine(
        settings.database_url, pool_size=settings.database_pool_size, max_overflow=settings.database_max_overflow
    )
    prometheus.watch_pool(engine)
    sessions = session_factory(engine)
    # The access check's own pool. It only reads: in autocommit it pays no BEGIN and ROLLBACK round trips, and
    # without a ping before each checkout, no round trip before its own (the checker asks again, once, on a
    # fresh connection when the server dropped the one it took). No overflow: in a rush of first checks, a
    # connection opened for one check and closed after it costs more than waiting for a pooled one. Its statements
    # are lookups by key, whose plan never depends on the values: PostgreSQL plans each once per connection rather
    # than per execution (it would plan the first checks' read anew each time, an array's length unknown to it).
    readers = create_engine(
        settings.database_url,
        pre_ping=False,
        server_settings={"plan_cache_mode": "force_generic_plan"},
        isolation_level="AUTOCOMMIT",
        pool_size=settings.database_pool_size,
        max_overflow=0,
    )
    notifications = Notifications(settings)
    notifications.wire(sessions)
    content_log = ContentLog()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stopping = Stopping()
        background = [
            asyncio.create_task(content_log.run(sessions, stopping), name="boxoffice-content-log"),
            asyncio.create_task(app.state.cache_feed.run(sessions, stopping), name="boxoffice-cache-feed"),
        ]
        if settings.worker_in_process:
            sender = webhook_sender(sessions, settings)
            notifications.hub.watch(sender.events_committed)  # a commit of events is dispatched without a poll
            background.append(asyncio.create_task(workers.work(sender, stopping), name="boxoffice-worker"))
        # Listening holds no transaction: it is simply cancelled.
        listening = asyncio.create_task(notifications.run(), name="boxoffice-notifications")
        if settle_heap:
            client_info.load()  # before the heap is frozen, and before a first sign-in would stall the loop
            build_routes(app)
            await passwords.verify(None, "")  # makes the missing-account hash before the first sign-in needs it
            heap.settle()
        try:
            yield
        finally:
            await stop_all(stopping, background, SHUTDOWN_GRACE)
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening
            await app.state.gateways.aclose()
            await notifications.aclose()
            await readers.dispose()
            await engine.dispose()

    # FastAPI's own /docs and /redoc load their scripts from a CDN: api_docs serves them from installed files.
    app = Boxoffice(title="Boxoffice", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings, app.state.engine, app.state.sessions = settings, engine, sessions
    app.state.content_log = content_log
    app.state.notifications = notifications
    app.state.sealer = Sealer(settings.encryption_keys)
    app.state.oidc = OidcClient(allow_private=settings.outbound_allow_private)
    app.state.store_verifiers = StoreVerifiers(
        app_store.root_certificates(tuple(settings.apple_root_certificates)),
        GooglePlay(api_base=settings.google_play_api_base, allow_private=settings.outbound_allow_private),
        AmazonAppstore(base=settings.amazon_rvs_base, allow_private=settings.outbound_allow_private),
        RokuPay(base=settings.roku_api_base, allow_private=settings.outbound_allow_private),
    )
    app.state.record_write = audit_trail.record_write
    # What the sender posts, for the dashboard's delivery log to show a delivery's body as it went out.
    app.state.webhook_wires = webhook_wires()
    app.state.gateways = Gateways(sessions, settings, app.state.sealer)
    app.state.sandbox = app.state.gateways.sandbox
    app.state.access_checker = AccessChecker(session_factory(readers), settings)
    app.state.cache_feed = InvalidationFeed()
    app.mediastore_host = settings.mediastore_host.lower().encode() if settings.mediastore_host else None
    app.fast_access = FastAccessCheck(app.state.access_checker, content_log, settings)
    app.cors = Cors(
        app.serve,
        mediastore_prefix=MEDIASTORE_PREFIX,
        is_inplayer=serves_inplayer,
        origins=AllowedOrigins(sessions, settings.cors_cache_seconds),
    )
    app.request_ids = RequestIds(app.dispatch, settings.trusted_proxies)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    app.metrics, app.metrics_port = Metrics(sessions, token), settings.metrics_port
    app.add_middleware(MetricsMiddleware)
    if settings.public_url is None:  # links are made from the request each answers
        app.add_middleware(RequestBase, trusted=settings.trusted_proxies)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        messages = {404: "Not found", 405: "Method not allowed"}
        message = messages.get(exc.status_code, str(exc.detail))
        if request.url.path.startswith(MEDIASTORE_PREFIX + "/"):
            return mediastore_refusal(exc.status_code, message)
        return error_response(exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> Response:
        return render_validation_error(exc)

    app.get("/healthz", tags=["operations"], summary="Liveness", openapi_extra=PUBLIC)(healthz)
    app.get(
        "/readyz",
        tags=["operations"],
        summary="Readiness",
        response_model=None,
        responses={
            200: {"model": Readiness, "description": "Ready: the database answers"},
            503: {"model": Readiness, "description": "Not ready: the database cannot be reached"},
        },
        openapi_extra=PUBLIC,
    )(readyz)
    if settings.metrics_port is None:  # else /metrics is answered on its own port only
        app.get("/metrics", tags=["operations"], include_in_schema=False)(metrics)

    api_docs.install(app)
    app.router.routes.extend(shared_routes())
    return app


@cache
def shared_routes() -> tuple[BaseRoute, ...]:
    """The dialects' and the pages' routes, as an app includes them: made once a process, and shared by every app
    it makes. FastAPI readies an included router's routes (their parameters' and bodies' validators) at the first
    request through it, for each app anew: more than a second for the dialects' thousand routes, which each test's
    app would pay again. A route holds nothing of an app's (a request finds its app's state, middleware and error
    handlers through its scope), and these are held by an app of their own, with no state, that keeps none of
    ours alive."""
    holder = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    holder.include_router(landing.router([landing.API_DOCS, demo.LANDING, landing.OPERATIONS]))
    holder.include_router(inplayer_router)
    holder.include_router(mediastore_router, prefix=MEDIASTORE_PREFIX)
    holder.include_router(json_rpc_router)
    holder.include_router(api31_router, prefix=API31_PREFIX)
    holder.include_router(sandbox_pages.router, responses=UNPARSED)
    holder.include_router(gateway_webhooks.router, responses=UNPARSED)
    holder.include_router(store_webhooks.router, responses=UNPARSED)
    holder.include_router(report_downloads.router, responses=UNPARSED)
    holder.include_router(branding_images.router, responses=UNPARSED)
    holder.mount("/pages/static", pages.static, name="page-files")
    holder.include_router(pages.router)
    holder.include_router(demo_page.router)
    holder.include_router(dashboard)
    return tuple(holder.router.routes)
