"""What the requests of every dialect and of the pages share, whatever their wire format: one database transaction
per request, and the request's session, settings and client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import Response

from boxoffice.kit import client_info
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import Conflict, DomainError
from boxoffice.kit.settings import Settings

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
# What the app does inside a write's transaction once it has succeeded (it keeps the audit log): set as
# `app.state.record_write`, so the kit knows nothing of what is recorded.
WriteRecorder = Callable[[Request, AsyncSession], Coroutine[Any, Any, None]]
READS = frozenset({"GET", "HEAD", "OPTIONS"})


def nul_in_url(request: Request) -> bool:
    """Whether a path or query value holds a NUL character: no id, name or search text does (PostgreSQL can't
    take one), so each dialect refuses it in its own words before any route reads it."""
    values = [*request.path_params.values(), *(v for _, v in request.query_params.multi_items())]
    return any(isinstance(value, str) and "\x00" in value for value in values)


async def in_unit_of_work(
    request: Request,
    handler: Handler,
    *,
    render_domain_error: Callable[[DomainError], Response],
    render_validation_error: Callable[[RequestValidationError], Response],
    check: Callable[[Request], None] | None = None,
) -> Response:
    """Run the endpoint inside one transaction: committed when it answers below 400, rolled back on any refusal
    (unless the refusal itself must be remembered), so a bad request writes nothing."""
    async with request.app.state.sessions() as session:
        request.state.session = session
        try:
            if check is not None:
                check(request)
            response = await handler(request)
        except DomainError as error:
            await (session.commit() if error.keep_changes else session.rollback())
            return render_domain_error(error)
        except RequestValidationError as error:
            await session.rollback()
            return render_validation_error(error)
        except IntegrityError:
            # Two requests raced for the same unique thing; the loser is told, not crashed.
            await session.rollback()
            return render_domain_error(Conflict("The resource was changed concurrently; try again"))
        if response.status_code >= 400:
            await session.rollback()
            return response
        recorder: WriteRecorder | None = getattr(request.app.state, "record_write", None)
        if recorder is not None and request.method not in READS:
            await recorder(request, session)
        await session.commit()
        return response


@asynccontextmanager
async def apart(session: AsyncSession) -> AsyncIterator[None]:
    """One part of a request that succeeds or fails alone (a call of a JSON-RPC batch): a savepoint inside the
    request's transaction, rolled back if the part raises (unless its refusal must be remembered), while the rest
    is committed with the request."""
    nested = await session.begin_nested()
    try:
        yield
    except DomainError as error:
        await (nested.commit() if error.keep_changes else nested.rollback())
        raise
    except BaseException:
        await nested.rollback()
        raise
    await nested.commit()


# Dependencies are `async def`, though none of them awaits: FastAPI runs a plain `def` dependency on a worker thread,
# a hand-off each way for what is a read of the request.


def session_of(request: Request) -> AsyncSession:
    """The request's session (its unit of work), for code that already has the request."""
    session: AsyncSession = request.state.session
    return session


async def get_session(request: Request) -> AsyncSession:
    return session_of(request)


async def own_transactions(request: Request) -> async_sessionmaker[AsyncSession]:
    """The one way a route hands its work to a use case that owns its transactions (a payment, which calls the
    gateway between its own committed steps): declared after the dependencies that read what the route needs, it
    ends the request's transaction, so the request holds no connection while the use case runs, and returns the
    factory the use case opens its sessions from. A dialect never commits by itself."""
    await session_of(request).commit()
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    return sessions


OwnTransactions = Annotated[async_sessionmaker[AsyncSession], Depends(own_transactions)]


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_settings(request: Request) -> Settings:
    return settings_of(request)


async def get_client(request: Request) -> ClientInfo:
    return client_info.describe(
        peer=request.client.host if request.client else None,
        # A proxy may add its own header line rather than extend the client's: they read as one list.
        forwarded_for=", ".join(request.headers.getlist("x-forwarded-for")) or None,
        user_agent=request.headers.get("user-agent"),
        referrer=request.headers.get("referer"),
        trusted=settings_of(request).trusted_proxies,
    )
