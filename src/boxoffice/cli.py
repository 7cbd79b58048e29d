"""`boxoffice serve | worker | migrate | merchant create | secrets new-key | secrets reseal |
secrets rotate-signing-key | renewals run | report | demo`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from boxoffice import (
    models,  # noqa: F401  (every table, so foreign keys resolve)
    preflight,
)
from boxoffice.identity.merchants import find_merchant, merchant_of
from boxoffice.identity.models import Merchant
from boxoffice.kit import base_url, clock, logs, sealing
from boxoffice.kit.db import async_url, create_engine, session_factory, transaction
from boxoffice.kit.errors import DomainError, InvalidInput, Missing, NotFound
from boxoffice.kit.money import Money
from boxoffice.kit.settings import Settings, get_settings
from boxoffice.reporting import exports
from boxoffice.reporting import service as reports

# A command imports what only it uses in its own body (the worker, with the app that registers every job; the web
# server; renewals; migrations): every command starts faster and smaller for it, an export most of all, whose time
# and memory are measured.

app = typer.Typer(help="Boxoffice: identity, entitlements and billing for premium video.", no_args_is_help=True)
merchant_app = typer.Typer(help="Manage merchants.", no_args_is_help=True)
app.add_typer(merchant_app, name="merchant")
secrets_app = typer.Typer(
    help="Secrets kept in the database, sealed with BOXOFFICE_ENCRYPTION_KEYS.", no_args_is_help=True
)
app.add_typer(secrets_app, name="secrets")
renewals_app = typer.Typer(help="The renewal engine, by hand (the worker runs it every minute).", no_args_is_help=True)
app.add_typer(renewals_app, name="renewals")
console = Console()
T = TypeVar("T")


def _ready(*, migrated: bool = True) -> Settings:
    """The settings, once they parse, the extras they call for are installed and the database is reachable (and,
    when `migrated`, migrated); else one line on stderr and exit 2."""
    try:
        settings = preflight.settings()
        preflight.check_extras(settings)
        preflight.check_database(settings.database_url, migrated=migrated)
    except preflight.Refused as refusal:
        _refuse(str(refusal))
    return settings


def _refuse(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _in_transaction(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_engine(settings.database_url)
        try:
            async with transaction(session_factory(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _pooled_engine(settings: Settings) -> AsyncEngine:
    """An engine whose pool holds the connections a worker keeps busy (a batch's gateway calls open their own)."""
    return create_engine(
        settings.database_url, pool_size=settings.database_pool_size, max_overflow=settings.database_max_overflow
    )


def _fail(error: DomainError) -> None:
    detail = "; ".join(f"{k}: {v}" for k, v in error.errors.items()) if isinstance(error, InvalidInput) else ""
    # A product is an item here, as the --item option names it.
    message = "Item not found" if isinstance(error, NotFound) and error.what is Missing.PRODUCT else error.message
    console.print(f"[red]error:[/red] {message}" + (f" ({detail})" if detail else ""))
    raise typer.Exit(code=1)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from boxoffice.migrate import upgrade

    settings = _ready(migrated=False)
    upgrade(settings.database_url)
    console.print(f"database migrated ({async_url(settings.database_url).get_backend_name()})")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="App processes.")] = 1,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="Don't run the job worker in-process.")] = False,
    no_migrate: Annotated[bool, typer.Option("--no-migrate", help="Don't migrate the database first.")] = False,
    access_log: Annotated[
        bool, typer.Option("--access-log", help="Log every request (Prometheus counts them anyway).")
    ] = False,
) -> None:
    """Serve the HTTP API (and, unless --no-worker, the job worker) after migrating the database."""
    import uvicorn

    from boxoffice.kit import passwords
    from boxoffice.migrate import upgrade
    from boxoffice.web import serving
    from boxoffice.web.connections import BoundedHeadProtocol

    try:
        settings = preflight.settings()
        preflight.check_extras(settings)
        if workers > 1 and async_url(settings.database_url).get_backend_name() == "sqlite":
            raise preflight.Refused("SQLite serves one process; use PostgreSQL for --workers > 1")
        if settings.metrics_port == port:
            raise preflight.Refused("BOXOFFICE_METRICS_PORT is the API's port: give metrics a port of their own")
        preflight.check_port(host, port, "--port")
        if settings.metrics_port is not None:
            preflight.check_port(host, settings.metrics_port, "BOXOFFICE_METRICS_PORT")
        preflight.check_database(settings.database_url, migrated=no_migrate)
    except preflight.Refused as refusal:
        _refuse(str(refusal))
    if not no_migrate:
        upgrade(settings.database_url)
    # Uvicorn builds the app in each worker process from the environment, so the switch travels there.
    os.environ["BOXOFFICE_WORKER_IN_PROCESS"] = "0" if no_worker else "1"
    if settings.password_threads is None:
        # The processes share the host's cores: each hashes on its share of them.
        threads = passwords.threads_per_process(workers, settings.argon2_parallelism)
        os.environ["BOXOFFICE_PASSWORD_THREADS"] = str(threads)
    get_settings.cache_clear()
    config = uvicorn.Config(
        "boxoffice.app:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        log_config=logs.uvicorn_log_config(settings.log_level, settings.log_json) or uvicorn.config.LOGGING_CONFIG,
        access_log=access_log,
        proxy_headers=False,
        # Slow and idle clients are dropped: see boxoffice.web.connections.
        http=BoundedHeadProtocol,
        timeout_keep_alive=settings.keep_alive_timeout,
        # Notification streams stay open until their clients leave: a stop waits this long for them, no longer.
        timeout_graceful_shutdown=10,
        # A worker starting on a busy host spends seconds importing before it can answer the supervisor's ping;
        # Uvicorn's 5 s would kill it as hung, again and again.
        timeout_worker_healthcheck=30,
    )
    serving.run(config, settings.metrics_port)


@app.command()
def worker(
    metrics_host: Annotated[str, typer.Option(help="Interface of --metrics-port.")] = "127.0.0.1",
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve this worker's /metrics on this port (BOXOFFICE_METRICS_TOKEN applies).")
    ] = None,
) -> None:
    """Run the job worker (e-mail, gateway events, renewals, the billing janitor) and the webhook sender."""
    # The app's module registers every job and knows the webhooks' wire format; commands that need neither (an
    # export, whose memory is measured) don't import the whole web stack.
    from boxoffice.app import webhook_sender
    from boxoffice.kit import heap, metrics
    from boxoffice.kit.stopping import Stopping
    from boxoffice.webhooks.notifications_relay import Notifications
    from boxoffice.workers import work as run_worker

    settings = _ready()
    logs.configure(settings.log_level, settings.log_json)
    if metrics_port is not None:
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        metrics.serve_in_thread(metrics_host, metrics_port, token)

    async def run() -> None:
        engine = _pooled_engine(settings)
        metrics.watch_pool(engine)
        sessions = session_factory(engine)
        notifications = Notifications(settings)
        notifications.wire(sessions)  # what the worker commits reaches the app processes' notification streams
        stopping = Stopping()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGTERM, signal.SIGINT):  # the job in hand is finished, then the worker ends
            loop.add_signal_handler(signal_number, stopping.request)
        sender = webhook_sender(sessions, settings)
        # What the worker imported (the whole app, for its jobs and wire format) is kept for its lifetime: frozen,
        # the collector no longer scans it again and again while deliveries allocate at thousands a second.
        heap.settle()
        # Every commit of events that is announced wakes the sender's dispatcher rather than leaving the events
        # to its next poll. Listening holds no transaction: it is simply cancelled.
        notifications.hub.watch(sender.events_committed)
        listening = asyncio.create_task(notifications.run(), name="boxoffice-notifications")
        try:
            await run_worker(sender, stopping)
        finally:
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening
            await notifications.aclose()
            await engine.dispose()

    asyncio.run(run())


@merchant_app.command("create")
def create_merchant(
    email: Annotated[str, typer.Option(help="Sign-in e-mail of the merchant.")],
    password: Annotated[str, typer.Option(help="Password (at least 8 characters).")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a merchant and print its client id (uuid) and client secret."""
    from boxoffice.identity.merchants import create_merchant as create
    from boxoffice.identity.publisher_tokens import publisher_token_of

    settings = _ready()
    sealer = sealing.Sealer(settings.encryption_keys)

    async def work(session: AsyncSession) -> tuple[Merchant, str]:
        merchant = await create(
            session, email=email, password=password, password_confirmation=password, full_name=name, sealer=sealer
        )
        return merchant, await publisher_token_of(session, merchant, sealer)

    try:
        merchant, publisher_token = _in_transaction(settings, work)
    except DomainError as error:
        _fail(error)
        return
    result = {
        "id": merchant.id,
        "uuid": merchant.uuid,
        "secret": merchant.client_secret,
        "publisher_token": publisher_token,
        "email": merchant.email,
        "name": merchant.full_name,
    }
    if as_json:
        typer.echo(json.dumps(result))
    else:
        console.print(
            f"merchant {merchant.email}\n  client_id (uuid): {merchant.uuid}\n"
            f"  client_secret:    {merchant.client_secret}\n  publisher_token:  {publisher_token}"
        )


@secrets_app.command("new-key")
def new_key() -> None:
    """Print a new encryption key, to put first in BOXOFFICE_ENCRYPTION_KEYS."""
    typer.echo(sealing.new_key())


@secrets_app.command("reseal")
def reseal() -> None:
    """Seal every stored secret with the first key of BOXOFFICE_ENCRYPTION_KEYS (after adding or rotating one)."""
    from boxoffice.sealed_repository import reseal_all

    settings = _ready()
    sealer = sealing.Sealer(settings.encryption_keys)
    if not sealer.enabled:
        _refuse("BOXOFFICE_ENCRYPTION_KEYS is not set: there is no key to seal with")
    try:
        counts = _in_transaction(settings, lambda session: reseal_all(session, sealer))
    except sealing.SealingError as error:
        console.print(f"[red]error:[/red] {error}; keep the old key in the list until every secret is resealed")
        raise typer.Exit(code=1) from error
    console.print(f"resealed {sum(counts.values())} secret(s): " + ", ".join(f"{n} in {t}" for t, n in counts.items()))


@secrets_app.command("rotate-signing-key")
def rotate_signing_key(
    drop_old: Annotated[
        bool,
        typer.Option(
            "--drop-old",
            help="Stop accepting what the old keys signed at once (a leaked key): every viewer signs in again.",
        ),
    ] = False,
) -> None:
    """Sign tokens with new keys from now on; the old keys verify what they signed until it has expired."""
    from boxoffice.identity import signing_keys

    settings = _ready()
    made = _in_transaction(settings, lambda session: signing_keys.rotate(session, settings, drop_old=drop_old))
    for key in made:
        console.print(f"{key.purpose}: new key {key.kid}")
    if settings.secret_key:
        console.print("access tokens are signed with BOXOFFICE_SECRET_KEY: rotate it by changing that setting")
    console.print(f"running servers sign with the new keys within {signing_keys.REREAD_AFTER:.0f} seconds")


@renewals_app.command("run")
def run_renewals(
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", help="Renew what is due by this UTC time (default: now), e.g. 2026-12-01T00:00:00."),
    ] = None,
) -> None:
    """Run one renewal pass: charge due subscriptions, retry past-due ones, end and expire what is over."""
    from boxoffice.billing import renewals
    from boxoffice.gateways.registry import Gateways
    from boxoffice.webhooks.notifications_relay import Notifications

    settings = _ready()
    logs.configure(settings.log_level, settings.log_json)
    moment = (as_of.astimezone(UTC).replace(tzinfo=None) if as_of.tzinfo else as_of) if as_of else clock.now()

    async def run() -> renewals.PassReport:
        engine = _pooled_engine(settings)
        sessions = session_factory(engine)
        notifications = Notifications(settings)
        notifications.wire(sessions)
        gateways = Gateways(sessions, settings, sealing.Sealer(settings.encryption_keys))
        try:
            return await renewals.renew_due_subscriptions(
                sessions, gateways, as_of=moment, retry_days=settings.dunning_retry_days
            )
        finally:
            await gateways.aclose()
            await notifications.aclose()
            await engine.dispose()

    report = asyncio.run(run())
    console.print(
        f"as of {moment.isoformat()}: {report.renewed} renewed, {report.declined} declined, "
        f"{report.ended} ended, {report.expired} expired, {report.unknown} without an answer from the gateway"
    )


KINDS = {"transactions", "subscriptions", "customers", "content-requests"}


@app.command()
def report(
    kind: Annotated[str, typer.Argument(help="transactions, subscriptions, customers or content-requests")],
    merchant: Annotated[str, typer.Option(help="The merchant's id or uuid.")],
    since: Annotated[datetime | None, typer.Option(help="From this UTC time, e.g. 2026-01-01.")] = None,
    until: Annotated[datetime | None, typer.Option(help="Up to (not including) this UTC time.")] = None,
    item: Annotated[int | None, typer.Option(help="The item whose content requests to export.")] = None,
    output: Annotated[
        Path | None, typer.Option(help="Write the CSV to this file instead of the report storage.")
    ] = None,
) -> None:
    """Export a merchant's rows as CSV, as `POST /v2/reporting/...` does, with a progress bar."""
    if kind not in KINDS:
        _refuse(f"the kind is one of {', '.join(sorted(KINDS))}")
    settings = _ready()
    logs.configure(settings.log_level, settings.log_json)
    name = kind.replace("-", "_")

    async def work(session: AsyncSession) -> tuple[int, str]:
        owner = await (merchant_of(session, int(merchant)) if merchant.isdigit() else find_merchant(session, merchant))
        total = await exports.count_rows(session, name, owner.id, since=since, until=until, item_id=item)
        with Progress(console=Console(stderr=True), transient=False) as bar:
            task = bar.add_task(f"{kind} of merchant {owner.id}", total=total)

            def advance(rows: int) -> None:
                bar.advance(task, rows)

            if output is not None:
                with output.open("w", newline="", encoding="utf-8") as out:
                    written = await exports.write_csv(
                        session, out, name, owner.id, since=since, until=until, item_id=item, progress=advance
                    )
                return written, str(output)
            made = await reports.make_report(
                session, settings, owner.id, name, since=since, until=until, item_id=item, progress=advance
            )
            return made.rows, made.name

    try:
        rows, where = _in_transaction(settings, work)
    except DomainError as error:
        _fail(error)
    console.print(f"{rows} rows written to {where}")


@app.command()
def demo(
    port: Annotated[
        int, typer.Option(help="The port `boxoffice serve` listens on, for the demo page's address")
    ] = 8000,
    history: Annotated[
        bool, typer.Option(help="Also half a year of customers, sales and renewals, for the dashboard's figures")
    ] = True,
) -> None:
    """Seed (idempotently) a demo merchant, viewer and priced assets, and print how to use them."""
    from boxoffice import demo as seed
    from boxoffice.catalog import service as catalog
    from boxoffice.identity.merchants import public_number

    settings = _ready()

    async def work(session: AsyncSession) -> tuple[Merchant, list[tuple[str, list[str]]], list[int], str]:
        found = await seed.seed_demo(
            session, sealing.Sealer(settings.encryption_keys), (f"http://localhost:{port}", f"http://127.0.0.1:{port}")
        )
        listing, ids, offers = [], [], []
        for title, *_ in seed.ASSETS:
            product = await catalog.find_product(session, found.merchant.id, title)
            assert product is not None
            ids.append(product.id)
            prices = await catalog.prices_of(session, product)
            # A Cleeng offer id, in the short form Cleeng's JS API takes too: S for a subscription, then the price.
            offers += [f"S{price.id}" for price in prices if price.kind == "subscription"]
            listing.append(
                (
                    title,
                    [f"{p.description}: {Money(p.amount, p.currency).as_decimal()} {p.currency}" for p in prices],
                )
            )
        return found.merchant, listing, ids, offers[0] if offers else ""

    merchant, listing, ids, offer = _in_transaction(settings, work)
    made = asyncio.run(seed.seed_history(settings, merchant.id)) if history else None
    table = Table(title=f"Boxoffice demo — {base_url.of(settings.public_url)}")
    table.add_column("what")
    table.add_column("value")
    table.add_row("merchant e-mail / password", f"{seed.MERCHANT_EMAIL} / {seed.MERCHANT_PASSWORD}")
    table.add_row("client_id (merchant uuid)", merchant.uuid)
    table.add_row("client_secret", merchant.client_secret)
    table.add_row("viewer e-mail / password", f"{seed.VIEWER_EMAIL} / {seed.VIEWER_PASSWORD}")
    for title, prices in listing:
        table.add_row(title, "\n".join(prices))
    console.print(table)
    typer.echo(
        f"try: curl -s -d client_id={merchant.uuid} -d grant_type=password -d username={seed.VIEWER_EMAIL} "
        f"-d password={seed.VIEWER_PASSWORD} {base_url.of(settings.public_url)}/accounts/authenticate"
    )
    page = settings.public_url or f"http://localhost:{port}"
    items = ",".join(str(item) for item in ids)
    cleeng = f"&publisher={public_number(merchant)}&offer={offer}" if offer else ""
    address = f"{page.rstrip('/')}/demo/publisher?merchant={merchant.uuid}&items={items}{cleeng}"
    typer.echo(f"a publisher's page selling them through paywall.js: {address}")
    typer.echo(
        f"the dashboard: {page.rstrip('/')}/dashboard (sign in as {seed.MERCHANT_EMAIL} / {seed.MERCHANT_PASSWORD})"
    )
    if made is not None:
        typer.echo(
            f"its history, on the test clock {seed.HISTORY_CLOCK!r}: {made.customers} customers,"
            f" {made.subscriptions} subscriptions, {made.renewals} renewals ({made.declined} declined),"
            f" {made.switches} plan switches, {made.purchases} rentals, {made.refunds} refunds"
        )


if __name__ == "__main__":
    app()
