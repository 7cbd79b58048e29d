"""What the PostgreSQL benchmarks share: statements on the server, a raw asyncpg connection, where py-spy is."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from boxoffice.kit.db import async_url


async def admin(url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE DATABASE, DROP DATABASE, VACUUM …)."""
    engine = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def raw_connection(url: str) -> Any:
    import asyncpg  # type: ignore[import-untyped]

    return await asyncpg.connect(async_url(url).set(drivername="postgresql").render_as_string(hide_password=False))


def py_spy() -> str:
    return shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(command: list[str], env: dict[str, str], port: int, probe: str) -> subprocess.Popen[bytes]:
    """Start a server and wait until `probe` answers (below 500), for at most a minute."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}{probe}", timeout=1).status_code < 500:
                settle(process.pid, deadline)
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("server did not start within 60 s")


def settle(pid: int, deadline: float) -> None:
    """Wait until the process and its children are idle: with several workers, one answers the probe while the
    others may still be starting, on the same cores a measurement is about to use."""
    previous = _cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = _cpu_seconds(pid)
        if now - previous < 0.05:
            return
        previous = now


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children (Linux /proc), in seconds."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue  # gone meanwhile
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        pending.extend(int(child) for child in children)
    return total


ENTITLEMENT_COLUMNS = [
    "merchant_id",
    "customer_id",
    "product_id",
    "source",
    "is_trial",
    "starts_at",
    "expires_at",
    "created_at",
]


async def copy_customers(raw: Any, merchant_id: int, emails: list[str], password_hash: str, now: datetime) -> None:
    """Customers by COPY, one per e-mail (their name too), every one with `password_hash`."""
    columns = [
        "merchant_id",
        "uuid",
        "email",
        "full_name",
        "password_hash",
        "metadata",
        "register_source",
        "active",
        "created_at",
        "updated_at",
    ]
    records = [(merchant_id, str(uuid.uuid4()), e, e, password_hash, "{}", "signup", True, now, now) for e in emails]
    await raw.copy_records_to_table("customers", columns=columns, records=records)


async def copy_entitlements(raw: Any, records: list[tuple[Any, ...]]) -> None:
    """Entitlements by COPY, each record in the order of ENTITLEMENT_COLUMNS."""
    await raw.copy_records_to_table("entitlements", columns=ENTITLEMENT_COLUMNS, records=records)


async def signed_in(
    raw: Any, merchant_id: int, merchant_uuid: str, customer_ids: list[int], now: datetime, secret: str
) -> list[tuple[int, str]]:
    """A session for each customer, in force for 30 days, and the access token Boxoffice would have issued for
    it (HS256 with `secret`): (customer id, token) pairs."""
    expires = now + timedelta(days=30)
    rows = await raw.fetch(
        "INSERT INTO auth_sessions (merchant_id, customer_id, created_at, expires_at)"
        " SELECT $1, unnest($2::bigint[]), $3, $4 RETURNING id, customer_id",
        merchant_id,
        customer_ids,
        now,
        expires,
    )
    claims = {"iss": "boxoffice", "exp": int(expires.timestamp()), "mid": merchant_id, "mui": merchant_uuid}
    return [
        (
            row["customer_id"],
            jwt.encode(
                claims
                | {"sub": str(row["customer_id"]), "sid": row["id"], "aid": row["customer_id"], "ctx": ["consumer"]},
                secret,
                algorithm="HS256",
            ),
        )
        for row in rows
    ]
