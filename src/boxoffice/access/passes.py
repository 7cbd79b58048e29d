"""Passes: access for a while through one of the merchant's one-time prices (never a subscription's), which the
merchant's back end grants, reads, lists, extends or shortens, terminates, and transfers to another customer.
A pass is an entitlement: what the access check reads, with the price it came through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import events, service
from boxoffice.access import passes_repository as passes_repo
from boxoffice.access import repository as repo
from boxoffice.access.models import Entitlement
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price, Product
from boxoffice.catalog.offers import find_offer
from boxoffice.events import outbox
from boxoffice.identity import customers
from boxoffice.identity.models import Merchant
from boxoffice.kit import clock
from boxoffice.kit.errors import Conflict, InvalidInput, NotFound

MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class Pass:
    entitlement: Entitlement
    price: Price
    product: Product

    @property
    def terminated(self) -> bool:
        return self.entitlement.revoked_at is not None


def _missing() -> NotFound:
    return NotFound("Pass not found")


async def _views(session: AsyncSession, merchant_id: int, rows: list[Entitlement]) -> list[Pass]:
    prices = await catalog_repo.prices_by_ids(session, merchant_id, sorted({r.price_id for r in rows if r.price_id}))
    views = []
    for row in rows:
        price = prices.get(row.price_id) if row.price_id else None
        product = await catalog_repo.product_by_id(session, merchant_id, row.product_id) if price else None
        if price is not None and product is not None and price.kind == "one_time":
            views.append(Pass(row, price, product))
    return views


async def merchant_pass(session: AsyncSession, merchant: Merchant, pass_id: int) -> Pass:
    """One of the merchant's passes; a subscription's access, a grant through no price or another merchant's
    entitlement is not found."""
    found = (await repo.entitlements_by_ids(session, merchant.id, [pass_id])).get(pass_id)
    views = await _views(session, merchant.id, [found] if found else [])
    if not views:
        raise _missing()
    return views[0]


async def passes_page(
    session: AsyncSession, merchant: Merchant, customer_id: int | None, *, offset: int, limit: int
) -> tuple[int, list[Pass]]:
    """The merchant's passes (one customer's when named: NotFound when none of its customers), newest first."""
    if customer_id is not None:
        await customers.get_customer(session, merchant, customer_id)
    total, rows = await passes_repo.passes_page(
        session, merchant.id, customer_id, offset=offset, limit=min(limit, MAX_PAGE)
    )
    return total, await _views(session, merchant.id, list(rows))


async def create_pass(
    session: AsyncSession, merchant: Merchant, customer_id: int, price_id: int, expires_at: datetime | None
) -> Pass:
    """Access to what a one-time offer sells, from now until `expires_at` (none: for the offer's period)."""
    customer = await customers.get_customer(session, merchant, customer_id)
    offer = await find_offer(session, price_id, merchant_id=merchant.id)
    if offer.price.kind != "one_time":
        raise InvalidInput({"price_id": "A pass is sold by a one-time offer, not a subscription"})
    if expires_at is not None and expires_at <= clock.now():
        raise InvalidInput({"expires_at": "The expiry must be in the future"})
    entitlement = await service.grant_access(
        session, merchant, customer, offer.product, source="grant", expires_at=expires_at, price=offer.price
    )
    await outbox.record(session, events.granted(entitlement))
    return Pass(entitlement, offer.price, offer.product)


def _running(found: Pass) -> None:
    if found.terminated:
        raise Conflict("This pass was terminated")


async def change_pass_expiry(session: AsyncSession, merchant: Merchant, pass_id: int, expires_at: datetime) -> Pass:
    """Move a pass's end (after its start); a terminated pass stays as it is."""
    found = await merchant_pass(session, merchant, pass_id)
    _running(found)
    if expires_at <= found.entitlement.starts_at:
        raise InvalidInput({"expires_at": "The expiry must be after the pass began"})
    entitlement = found.entitlement
    await passes_repo.set_expiry(session, merchant.id, entitlement.customer_id, entitlement.id, expires_at)
    await session.refresh(entitlement)
    return Pass(entitlement, found.price, found.product)


async def terminate_pass(session: AsyncSession, merchant: Merchant, pass_id: int, reason: str = "terminated") -> Pass:
    """End a pass now."""
    found = await merchant_pass(session, merchant, pass_id)
    _running(found)
    entitlement = found.entitlement
    await repo.revoke_by_id(session, merchant.id, entitlement.customer_id, entitlement.id, clock.now(), reason)
    await session.refresh(entitlement)
    await outbox.record(session, events.revoked(entitlement))
    return Pass(entitlement, found.price, found.product)


async def transfer_pass(session: AsyncSession, merchant: Merchant, pass_id: int, customer_id: int) -> Pass:
    """Give what is left of a pass to another of the merchant's customers: it ends for its holder now, and the
    new pass runs from now until the same end."""
    found = await merchant_pass(session, merchant, pass_id)
    _running(found)
    receiver = await customers.get_customer(session, merchant, customer_id)
    if receiver.id == found.entitlement.customer_id:
        raise InvalidInput({"customer_id": "The pass is this customer's already"})
    if found.entitlement.expires_at <= clock.now():
        raise Conflict("This pass has ended")
    ends = found.entitlement.expires_at
    await terminate_pass(session, merchant, pass_id, reason="transferred")
    entitlement = await service.grant_access(
        session, merchant, receiver, found.product, source="grant", expires_at=ends, price=found.price
    )
    await outbox.record(session, events.granted(entitlement))
    return Pass(entitlement, found.price, found.product)
