"""Entitlements and the one question asked on every play: may this customer watch this product now?"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import events
from boxoffice.access import repository as repo
from boxoffice.access.content_log import ContentRequestRecord
from boxoffice.access.lookups import Lookups, SessionLookups
from boxoffice.access.models import Entitlement
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.access_types import BY_ID as ACCESS_TYPES
from boxoffice.catalog.models import Price, Product
from boxoffice.catalog.offers import Offer, find_offer
from boxoffice.events import outbox
from boxoffice.identity import customers
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import DomainError, InvalidInput, Missing, NoAccess, NotFound, Restricted
from boxoffice.restrictions import rules

SOURCES = ("purchase", "subscription", "package", "grant", "access_code", "voucher", "gift")
# Access control kinds that need no entitlement: being signed in is enough.
OPEN_TO_SIGNED_IN = ("auth", "data_capture")

Recorder = Callable[[ContentRequestRecord, datetime], None]
# Purchase history filters: in force, history, or both.
HISTORY: dict[str, bool | None] = {"active": True, "inactive": False, "all": None}


@dataclass(frozen=True, slots=True)
class Access:
    """A granted check: the product, and the entitlement behind it (None where signing in is enough)."""

    product: Product
    entitlement: Entitlement | None


def period_end(start: datetime, unit: str, quantity: int) -> datetime:
    """The end of `quantity` periods from `start`; months and years keep the day of the month where they can."""
    if unit in ("hour", "day", "week"):
        return start + timedelta(**{f"{unit}s": quantity})
    months = quantity * (12 if unit == "year" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    for day in (start.day, 30, 29, 28):
        try:
            return start.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError(f"cannot add {quantity} {unit} to {start}")


def access_until(price: Price, start: datetime) -> datetime:
    """How long one payment at `price` gives access from `start`."""
    access_type = ACCESS_TYPES.get(price.access_type_id)
    if access_type is not None and access_type.period == "custom":
        if price.expires_at is None or price.expires_at <= start:
            raise InvalidInput({"price_id": "This access fee has ended"})
        return price.expires_at
    return period_end(start, price.period_unit, price.period_quantity)


async def get_product(session: AsyncSession, merchant: Merchant, product_id: int) -> Product:
    product = await catalog_repo.product_by_id(session, merchant.id, product_id)
    if product is None:
        raise NotFound(what=Missing.PRODUCT)
    return product


async def grant_access(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    product: Product,
    *,
    source: str,
    expires_at: datetime | None = None,
    price: Price | None = None,
    starts_at: datetime | None = None,
    source_ref: str | None = None,
    is_trial: bool = False,
    client: ClientInfo | None = None,
) -> Entitlement:
    """Entitle `customer` to `product`; the expiry is given, or follows from the price's access type."""
    if source not in SOURCES:
        raise ValueError(f"unknown entitlement source {source!r}")
    start = starts_at or clock.now()
    if expires_at is None:
        if price is None:
            raise InvalidInput({"expires_at": "An expiry or an access fee is required"})
        expires_at = access_until(price, start)
    if expires_at <= start:
        raise InvalidInput({"expires_at": "The expiry must be after the start"})
    entitlement = Entitlement(
        merchant_id=merchant.id,
        customer_id=customer.id,
        product_id=product.id,
        price_id=price.id if price else None,
        source=source,
        source_ref=source_ref,
        is_trial=is_trial,
        starts_at=start,
        expires_at=expires_at,
        ip_address=client.ip_address if client else None,
        country_code=client.country_code if client else None,
    )
    session.add(entitlement)
    await session.flush()
    return entitlement


@dataclass(frozen=True, slots=True)
class Grant:
    """Access a merchant gave by hand: to whom, to what."""

    entitlement: Entitlement
    product: Product
    customer: Customer


async def grant_access_by_merchant(
    session: AsyncSession,
    merchant: Merchant,
    customer_id: int,
    product_id: int,
    *,
    expires_at: datetime | None,
    price_id: int | None,
) -> Grant:
    customer = await customers.get_customer(session, merchant, customer_id)
    product = await get_product(session, merchant, product_id)
    price = None
    if price_id is not None:
        price = await catalog_repo.price_by_id(session, merchant.id, price_id)
        if price is None or price.product_id != product.id:
            raise NotFound(what=Missing.PRICE)
    if expires_at is not None and expires_at <= clock.now():
        raise InvalidInput({"expires_at": "The expiry must be in the future"})
    entitlement = await grant_access(
        session, merchant, customer, product, source="grant", expires_at=expires_at, price=price
    )
    await outbox.record(session, events.granted(entitlement))
    return Grant(entitlement, product, customer)


async def revoke_access(
    session: AsyncSession, merchant: Merchant, customer_id: int, product_id: int, reason: str = "revoked"
) -> None:
    """End a customer's current access to a product, as their merchant asks."""
    customer = await customers.get_customer(session, merchant, customer_id)
    product = await get_product(session, merchant, product_id)
    revoked = await repo.revoke_current(session, merchant.id, customer.id, product.id, clock.now(), reason)
    if not revoked:
        raise NotFound("The customer has no access to this item")
    await outbox.record(session, *(events.revoked(entitlement) for entitlement in revoked))


async def _check(
    lookups: Lookups, merchant: Merchant, customer: Customer, product: Product, client: ClientInfo
) -> Entitlement | None:
    settings = await lookups.restriction_settings(merchant.id)
    rules.check_domain(settings, client.referrer)
    country_set = await lookups.country_set(merchant.id, product.country_set_id) if product.country_set_id else None
    rules.check_geo(country_set, client.country_code)
    rules.check_age(
        product.min_age,
        settings,
        date_of_birth=customer.date_of_birth,
        pin_verified=bool(product.min_age) and await lookups.pin_verified(customer),
        today=clock.now().date(),
    )
    if product.access_control in OPEN_TO_SIGNED_IN:
        return None
    packages = await lookups.packages_containing(merchant.id, product.id)
    entitlement = await lookups.current_entitlement(merchant.id, customer.id, [product.id, *packages], clock.now())
    if entitlement is None:
        raise NoAccess()
    if entitlement.price_id is not None:
        # Access bought through a fee sold only in some countries is watched only there.
        price = await lookups.price(merchant.id, entitlement.price_id)
        if price is not None and price.country_set_id:
            rules.check_geo(await lookups.country_set(merchant.id, price.country_set_id), client.country_code)
    return entitlement


def content_request(
    merchant_id: int, product_id: int, customer_id: int, outcome: str, client: ClientInfo
) -> ContentRequestRecord:
    return ContentRequestRecord(
        merchant_id,
        product_id,
        customer_id,
        outcome,
        client.ip_address,
        client.country_code,
        client.device.type,
        client.device.os,
        client.referrer[:2000] if client.referrer else None,
    )


async def check_access(
    lookups: Lookups,
    merchant: Merchant,
    customer: Customer,
    product: Product,
    client: ClientInfo,
    record: Recorder,
) -> Access:
    """Grant or refuse, and log the request either way."""
    outcome = "granted"
    try:
        entitlement = await _check(lookups, merchant, customer, product, client)
    except Restricted as refused:
        outcome = refused.reason
        raise
    except DomainError:
        outcome = "no_access"
        raise
    finally:
        record(content_request(merchant.id, product.id, customer.id, outcome, client), clock.now())
    return Access(product, entitlement)


async def require_access(
    session: AsyncSession, merchant: Merchant, customer: Customer, product_id: int, client: ClientInfo
) -> Access:
    """The same check without logging a content request (for signed-URL and token calls after a play)."""
    product = await get_product(session, merchant, product_id)
    return Access(product, await _check(SessionLookups(session), merchant, customer, product, client))


@dataclass(frozen=True, slots=True)
class Decision:
    """The play check's answer, asked ahead of a play: whether the customer may watch, and until when (None where
    signing in is enough, or when refused)."""

    granted: bool
    until: datetime | None
    # The price the access came through, where one did (not a merchant's grant by hand, nor signing in).
    price_id: int | None = None


async def decide_access(
    session: AsyncSession, merchant: Merchant, customer: Customer, product: Product, client: ClientInfo
) -> Decision:
    """The play check, every rule of it (domain, geo, age, then an entitlement), asked without playing: nothing is
    logged, and a refusal is an answer rather than an error."""
    try:
        entitlement = await _check(SessionLookups(session), merchant, customer, product, client)
    except (Restricted, NoAccess):
        return Decision(False, None)
    if entitlement is None:
        return Decision(True, None)
    return Decision(True, entitlement.expires_at, entitlement.price_id)


@dataclass(frozen=True, slots=True)
class OfferAccess:
    """An offer of the merchant's, and whether the customer may watch what it sells."""

    offer: Offer
    decision: Decision


async def offer_access(
    session: AsyncSession, merchant: Merchant, customer: Customer, price_id: int, client: ClientInfo
) -> OfferAccess:
    """`decide_access` for the product an offer of the merchant's sells; NotFound(OFFER) when it isn't one."""
    offer = await find_offer(session, price_id, merchant_id=merchant.id)
    return OfferAccess(offer, await decide_access(session, merchant, customer, offer.product, client))


async def used_trial(session: AsyncSession, merchant: Merchant, customer: Customer, product_id: int) -> bool:
    product = await get_product(session, merchant, product_id)
    return await repo.had_trial(session, merchant.id, customer.id, product.id)


@dataclass(frozen=True, slots=True)
class Purchase:
    """One line of a customer's purchase history."""

    entitlement: Entitlement
    product: Product
    price: Price | None


async def purchase_history(
    session: AsyncSession, merchant: Merchant, customer: Customer, *, status: str, page: int, limit: int
) -> tuple[int, list[Purchase]]:
    if status not in HISTORY:
        raise InvalidInput({"status": "The status must be active, inactive or all"})
    total, rows = await repo.entitlements_page(
        session, merchant.id, customer.id, active=HISTORY[status], now=clock.now(), offset=page * limit, limit=limit
    )
    products = await catalog_repo.products_by_ids(session, merchant.id, [e.product_id for e in rows])
    prices = await catalog_repo.prices_by_ids(session, merchant.id, [e.price_id for e in rows if e.price_id])
    return total, [Purchase(e, products[e.product_id], prices.get(e.price_id) if e.price_id else None) for e in rows]
