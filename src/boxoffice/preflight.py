"""What a command checks before it starts, so that an operator's mistake is one line rather than a traceback: the
settings parse, the optional packages they call for are installed, and the database is reachable and migrated.

A missing SQLite file is refused before anything opens it, so a mistyped path never leaves an empty database
behind; only migrating (`boxoffice migrate`, `boxoffice serve`) creates one.
"""

from __future__ import annotations

import asyncio
import errno
import importlib
import socket
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlalchemy import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from boxoffice.kit.db import async_url
from boxoffice.kit.settings import Settings, get_settings
from boxoffice.migrate import alembic_config

# Seconds to wait for PostgreSQL to answer before calling it unreachable (a host that drops packets never refuses).
CONNECT_TIMEOUT = 10
# A setting that, once set, needs a package only an extra installs: (field, module, extra).
EXTRAS = (
    ("reports_s3_bucket", "boto3", "s3"),
    ("redis_url", "redis.asyncio", "redis"),
    # Apple's roots are set only to verify App Store purchases, with Apple's own library.
    ("apple_root_certificates", "appstoreserverlibrary", "stores"),
)


class Refused(Exception):
    """Why a command does not start, in one line for the operator."""


def settings() -> Settings:
    """The settings, or the first thing wrong with them named by its environment variable."""
    try:
        return get_settings()
    except ValidationError as error:
        problem = error.errors()[0]
        name = "BOXOFFICE_" + "_".join(str(part) for part in problem["loc"][:1]).upper()
        raise Refused(f"{name}: {problem['msg']}") from None


def check_extras(settings: Settings) -> None:
    for field, module, extra in EXTRAS:
        if getattr(settings, field) and not _importable(module):
            raise Refused(
                f"BOXOFFICE_{field.upper()} is set but {module.split('.')[0]} is not installed:"
                f" pip install 'boxoffice[{extra}]'"
            )


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def check_database(database_url: str, *, migrated: bool = True) -> None:
    """Refuse a database that cannot be reached, or, when `migrated`, one whose schema is not this Boxoffice's.
    Without `migrated` (a command about to migrate it), a SQLite file need not exist yet, but its folder must."""
    url = async_url(database_url)
    shown = make_url(database_url).render_as_string(hide_password=True)  # as the operator wrote it
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not url.database or url.database == ":memory:":
            if migrated:
                raise Refused(f"the database {shown} is in memory, so never migrated: name a file")
            return
        if not path.is_file():
            if migrated:
                raise Refused(f"the database {shown} does not exist: run `boxoffice migrate` first")
            if not path.parent.is_dir():
                raise Refused(f"the database {shown} cannot be made: the folder {path.parent} does not exist")
            return
    try:
        current = asyncio.run(_revisions(database_url))
    except Exception as exc:  # refused, unknown host, no such database, bad password, not a database file …
        verb = "open" if url.get_backend_name() == "sqlite" else "reach"
        raise Refused(f"cannot {verb} the database {shown}: {_one_line(exc)}") from None
    if not migrated:
        return
    script = ScriptDirectory.from_config(alembic_config(database_url))
    heads = set(script.get_heads())
    if not current:
        raise Refused(f"the database {shown} is not migrated: run `boxoffice migrate` first")
    if current != heads:
        if not all(_known(script, revision) for revision in current):
            raise Refused(
                f"the database {shown} was migrated by a newer Boxoffice (revision {', '.join(sorted(current))})"
            )
        raise Refused(
            f"the database {shown} is at revision {', '.join(sorted(current))}, not the latest"
            f" ({', '.join(sorted(heads))}): run `boxoffice migrate`"
        )


def check_port(host: str, port: int, chosen_by: str) -> None:
    """Bind the address as Uvicorn will (SO_REUSEADDR, the family its host implies) and let it go again: a port
    another program listens on is named here, in a line, rather than in Uvicorn's log after migrating. `chosen_by`:
    the option or setting that chose the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise Refused(
                    f"port {port} on {host} is already in use (another `boxoffice serve`?):"
                    f" choose another with {chosen_by}"
                ) from None
            if exc.errno == errno.EACCES:
                raise Refused(f"not allowed to listen on port {port}: ports below 1024 need privileges") from None
            raise Refused(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic's own error for a revision it has never heard of
        return False


async def _revisions(database_url: str) -> set[str]:
    """The schema revisions the database is at (none: never migrated), read without making anything."""
    url = async_url(database_url)
    arguments = {"timeout": CONNECT_TIMEOUT} if url.get_backend_name() == "postgresql" else {}
    engine = create_async_engine(url, poolclass=NullPool, connect_args=arguments)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_heads_of)
    finally:
        await engine.dispose()


def _heads_of(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def _one_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error  # SQLAlchemy's wrapper names the statement; the driver says why
    text = " ".join(str(cause).split()) or type(cause).__name__
    return text if len(text) <= 200 else text[:197] + "..."
