"""Telling the processes that hold notification streams that a customer's events have committed.

An announcement names events, not their contents: the process holding a customer's stream reads them from the
outbox, where they are exactly when their transaction committed. How this process's commits are announced:

* PostgreSQL: `pg_notify` on `CHANNEL`, in the committing transaction itself, so PostgreSQL delivers it to every
  listening process on commit and drops it on rollback (one statement per `record`, however many events);
* a session factory given a sink with `announce_through` (Redis pub/sub when configured; the process's own hub
  on SQLite): the sink is handed the transaction's announcements right after it commits, nothing on rollback.

On the wire (NOTIFY payloads, Redis messages) an announcement is space-separated tokens: `merchant:customer`
says whose events the event ids after it are, e.g. `3:17 <uuid> <uuid> 3:18 <uuid>`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from boxoffice.events import repository as repo

CHANNEL = "boxoffice_events"
# PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (the tokens are ASCII: characters are bytes).
PAYLOAD_LIMIT = 7990

Told = tuple[int, int, str]  # (merchant id, customer id, event id)
Sink = Callable[[list[Told]], None]
_SINK = "boxoffice.announce.sink"
_PENDING = "boxoffice.announce.pending"


def announce_through(sessions: async_sessionmaker[AsyncSession], sink: Sink) -> None:
    """Have the commits of sessions made by `sessions` announced by `sink`, called right after each commit."""
    sessions.configure(info={_SINK: sink})


async def on_commit(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Arrange for the events in `rows` to be announced when the session's transaction commits. Only a
    customer's events are: a stream belongs to one customer."""
    told = [(row["merchant_id"], row["customer_id"], row["event_id"]) for row in rows if row["customer_id"]]
    if not told:
        return
    if _SINK in session.info:
        session.info.setdefault(_PENDING, []).extend(told)
    elif session.get_bind().dialect.name == "postgresql":
        await repo.notify(session, CHANNEL, encode(told))


@event.listens_for(Session, "after_commit")
def _tell_committed(session: Session) -> None:
    told = session.info.pop(_PENDING, None)
    if told:
        session.info[_SINK](told)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def encode(told: Iterable[Told], limit: int = PAYLOAD_LIMIT) -> list[str]:
    """Payloads of at most `limit` characters saying whose events these are, each customer's in order."""
    by_customer: dict[tuple[int, int], list[str]] = {}
    for merchant_id, customer_id, event_id in told:
        by_customer.setdefault((merchant_id, customer_id), []).append(event_id)
    chunks: list[list[str]] = []
    size = limit  # no chunk open yet
    for (merchant_id, customer_id), event_ids in by_customer.items():
        head, headed = f"{merchant_id}:{customer_id}", False
        for event_id in event_ids:
            cost = len(event_id) + 1 + (0 if headed else len(head) + 1)
            if size + cost > limit:
                chunks.append([])
                size, headed = 0, False
                cost = len(event_id) + len(head) + 2
            if not headed:
                chunks[-1].append(head)
                headed = True
            chunks[-1].append(event_id)
            size += cost
    return [" ".join(chunk) for chunk in chunks]


def decode(payload: str) -> dict[tuple[int, int], list[str]]:
    """Event ids by (merchant id, customer id); raises ValueError on a payload `encode` did not make."""
    told: dict[tuple[int, int], list[str]] = {}
    current: list[str] | None = None
    for token in payload.split():
        merchant_id, colon, customer_id = token.partition(":")
        if colon:
            current = told.setdefault((int(merchant_id), int(customer_id)), [])
        elif current is None:
            raise ValueError("an event id before whose events these are")
        else:
            current.append(token)
    return told
