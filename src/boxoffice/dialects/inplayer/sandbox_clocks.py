"""Test clocks (the contract): `POST /v2/sandbox/clocks`, attach customers, advance; a merchant token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from typing_extensions import TypedDict

from boxoffice.billing import sandbox_clocks
from boxoffice.billing.models import SandboxClock
from boxoffice.billing.renewals import PassReport
from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import CurrentMerchant, PathId, Session
from boxoffice.dialects.inplayer.forms import date_time, integer, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.requests import OwnTransactions

router = APIRouter(route_class=InPlayerRoute, tags=["sandbox"])

NEW_CLOCK = bodies.form(
    bodies.text("name", "The merchant's name for it", required=True),
    bodies.moment("frozen_time", "The moment the clock shows (now, unless told)"),
)
ATTACH = bodies.form(bodies.integer("customer_id", "A customer whose billing runs on this clock", required=True))
ADVANCE = bodies.form(bodies.moment("frozen_time", "The moment to move the clock to", required=True))


class Clock(TypedDict):
    id: int
    name: str
    frozen_time: int | None
    status: str
    customers: list[int]
    created_at: int | None


class BillingPass(TypedDict):
    """What the billing run did to the clock's customers' subscriptions."""

    renewed: int
    declined: int
    ended: int
    expired: int
    unanswered: int


class Advanced(Clock):
    billing: BillingPass


def _clock(found: SandboxClock, customers: list[int]) -> Clock:
    return {
        "id": found.id,
        "name": found.name,
        "frozen_time": render.ts(found.frozen_time),
        "status": "ready",
        "customers": customers,
        "created_at": render.ts(found.created_at),
    }


def _report(report: PassReport) -> BillingPass:
    return {
        "renewed": report.renewed,
        "declined": report.declined,
        "ended": report.ended,
        "expired": report.expired,
        "unanswered": report.unknown,
    }


@router.post("/v2/sandbox/clocks", status_code=201)
async def create_clock(
    session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(NEW_CLOCK)]
) -> Clock:
    """Create a test clock, for running customers' billing at a moment of the merchant's choosing."""
    created = await sandbox_clocks.create_clock(
        session, merchant.id, (text(body, "name") or "").strip(), date_time(body, "frozen_time")
    )
    return _clock(created, [])


@router.get("/v2/sandbox/clocks")
async def list_clocks(session: Session, merchant: CurrentMerchant) -> list[Clock]:
    """The merchant's test clocks."""
    found = await sandbox_clocks.list_clocks(session, merchant.id)
    return [_clock(c, await sandbox_clocks.members_of(session, merchant.id, c.id)) for c in found]


@router.get("/v2/sandbox/clocks/{clock_id}")
async def get_clock(session: Session, merchant: CurrentMerchant, clock_id: PathId) -> Clock:
    """One of the merchant's test clocks."""
    found = await sandbox_clocks.get_clock(session, merchant.id, clock_id)
    return _clock(found, await sandbox_clocks.members_of(session, merchant.id, clock_id))


@router.post("/v2/sandbox/clocks/{clock_id}/customers")
async def attach_customer(
    merchant: CurrentMerchant, body: Annotated[Fields, Depends(ATTACH)], clock_id: PathId, sessions: OwnTransactions
) -> Clock:
    """Put a customer's billing on a test clock."""
    customer_id = integer(body, "customer_id")
    if customer_id is None:
        raise InvalidInput({"customer_id": "The customer is required"})
    attached = await sandbox_clocks.attach_customer(sessions, merchant.id, clock_id, customer_id)
    return _clock(attached.clock, attached.customers)


@router.post("/v2/sandbox/clocks/{clock_id}/advance")
async def advance_clock(
    request: Request,
    merchant: CurrentMerchant,
    body: Annotated[Fields, Depends(ADVANCE)],
    clock_id: PathId,
    sessions: OwnTransactions,
) -> Advanced:
    """Move a test clock forward and run its customers' billing up to then.

    `frozen_time` is a date as `dates` reads it."""
    to = date_time(body, "frozen_time")
    if to is None:
        raise InvalidInput({"frozen_time": "The time to move the clock to is required"})
    moved, report = await sandbox_clocks.advance(
        sessions,
        request.app.state.gateways,
        merchant.id,
        clock_id,
        to,
        request.app.state.settings.dunning_retry_days,
    )
    return {**_clock(moved.clock, moved.customers), "billing": _report(report)}
