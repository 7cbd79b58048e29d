"""Prometheus metrics: every HTTP request (labelled by route template rather than raw path), the business events
counted where they happen, and the database pool's use.

`boxoffice serve --workers N` runs N processes, each counting its own requests. It gives them a private directory
(`PROMETHEUS_MULTIPROC_DIR`, set before the workers start, so that prometheus_client keeps every value in a file
there) and `exposition` sums the files of every worker, living or dead, into one answer, whichever worker is
asked. One process (`--workers 1`, `boxoffice worker`) keeps its values in memory and answers from them."""

from __future__ import annotations

import contextlib
import hmac
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.metrics_core import Metric
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter("boxoffice_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("boxoffice_http_request_seconds", "HTTP request latency", ["method", "route"])
# What the gateways decided of each payment and renewal: `outcome` is succeeded or declined.
PAYMENTS = Counter("boxoffice_payments_total", "Payments decided by a gateway", ["gateway", "outcome"])
# One renewal engine outcome per subscription handled: renewed, declined (into dunning, or ended after the last
# retry), ended (cancelled, its period over), expired (incomplete for a day), unknown (no answer: asked again).
RENEWALS = Counter("boxoffice_renewals_total", "Subscriptions the renewal engine handled", ["outcome"])
# Each attempt at posting an event to an endpoint: delivered (a 2xx) or failed (anything else; it is retried).
WEBHOOK_DELIVERIES = Counter("boxoffice_webhook_deliveries_total", "Webhook delivery attempts", ["outcome"])
# Each attempt at sending an e-mail: sent (to the SMTP server, or written to the mail folder) or failed (retried).
EMAILS = Counter("boxoffice_emails_total", "E-mail sending attempts", ["outcome"])
# Summed over the living processes; a dead worker's connections are gone with it.
POOL_CHECKED_OUT = Gauge("boxoffice_db_pool_checked_out", "Database connections in use", multiprocess_mode="livesum")
POOL_SIZE = Gauge("boxoffice_db_pool_size", "Database connections the pools keep", multiprocess_mode="livesum")


def watch_pool(engine: AsyncEngine) -> None:
    """Count `engine`'s connections in use, and report the size of its pool (the process's serving engine)."""
    pool = engine.sync_engine.pool
    size = getattr(pool, "size", None)
    POOL_SIZE.set(size() if callable(size) else 0)
    event.listen(pool, "checkout", _checked_out)
    event.listen(pool, "checkin", _checked_in)


def _checked_out(*_: Any) -> None:
    POOL_CHECKED_OUT.inc()


def _checked_in(*_: Any) -> None:
    POOL_CHECKED_OUT.dec()


class _Families:
    """A collector yielding metric families computed elsewhere (at scrape time, from the database)."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self.families


class _Local:
    """The process's own registry, without registering anything in it."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def exposition(extra: Iterable[Metric] = ()) -> bytes:
    """The text Prometheus scrapes: every worker's values (or this process's), then `extra`."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_DIR):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Local())
    registry.register(_Families(extra))
    return generate_latest(registry)


@contextlib.contextmanager
def shared_directory() -> Iterator[str]:
    """A private directory for the values of the workers about to start, in the environment they inherit;
    removed with everything in it when they have stopped (a new start begins at zero, as Prometheus expects)."""
    path = tempfile.mkdtemp(prefix="boxoffice-metrics-")
    os.environ[MULTIPROC_DIR] = path
    try:
        yield path
    finally:
        os.environ.pop(MULTIPROC_DIR, None)
        shutil.rmtree(path, ignore_errors=True)


def mark_dead(pid: int) -> None:
    """A worker ended: its gauges of living processes no longer count (its counters still do)."""
    path = os.environ.get(MULTIPROC_DIR)
    if path:
        multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]


def bearer_matches(authorization: str | None, token: str | None) -> bool:
    """Whether a scrape's `Authorization` shows the token (any scrape does when there is none), in constant time."""
    if token is None:
        return True
    return hmac.compare_digest((authorization or "").encode(), f"Bearer {token}".encode())


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """A scrape every few seconds is not worth a line."""


def serve_in_thread(host: str, port: int, token: str | None) -> WSGIServer:
    """`GET /metrics` of this process alone on a port of its own, answered from a thread: for `boxoffice worker`,
    whose counters no app process sees. Stopped by the server's `shutdown()`, or with the process."""

    def answer(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO") != "/metrics" or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not found"]
        if not bearer_matches(environ.get("HTTP_AUTHORIZATION"), token):
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")])
            return [b"Unauthorized"]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [exposition()]

    server = make_server(host, port, answer, ThreadingWSGIServer, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="boxoffice-metrics", daemon=True).start()
    return server


def _route_of(scope: Scope) -> str:
    """The matched route's template, which the router leaves in the scope; raw paths would explode the labels."""
    return str(getattr(scope.get("route"), "path", "unmatched"))


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            route = _route_of(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)
