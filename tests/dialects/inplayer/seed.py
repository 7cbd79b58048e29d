"""Catalog and entitlement rows written straight through the ORM, for tests of routes that only read them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from boxoffice.access.models import Entitlement
from boxoffice.catalog.models import DonationOption, Price, Product
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant


async def _insert(server: Server, row: Any) -> Any:
    async with server.app.state.sessions() as session:
        session.add(row)
        await session.commit()
    return row


async def add_product(server: Server, merchant: Merchant, **fields: Any) -> Product:
    values: dict[str, Any] = {
        "title": "Cup final",
        "asset_type": "html_asset",
        "access_control": "paid",
        "content": "<p>the match</p>",
    }
    product: Product = await _insert(server, Product(merchant_id=merchant.id, **(values | fields)))
    return product


async def add_price(server: Server, merchant: Merchant, product: Product, **fields: Any) -> Price:
    """A monthly subscription price of 9.99 EUR unless told otherwise."""
    values: dict[str, Any] = {
        "access_type_id": 7,
        "kind": "subscription",
        "amount": 999,
        "currency": "EUR",
        "description": "Monthly",
        "period_unit": "month",
        "period_quantity": 1,
    }
    price: Price = await _insert(server, Price(merchant_id=merchant.id, product_id=product.id, **(values | fields)))
    return price


async def add_donation(server: Server, merchant: Merchant, product: Product, **fields: Any) -> DonationOption:
    values: dict[str, Any] = {"amount": 500, "currency": "EUR", "description": "A coffee"}
    row = DonationOption(merchant_id=merchant.id, product_id=product.id, **(values | fields))
    donation: DonationOption = await _insert(server, row)
    return donation


async def entitle(
    server: Server, merchant: Merchant, customer_id: int, product: Product, *, days: float = 30, **fields: Any
) -> Entitlement:
    """A merchant's grant, in force from a minute ago for `days`."""
    now = clock.now()
    values: dict[str, Any] = {
        "source": "grant",
        "starts_at": now - timedelta(minutes=1),
        "expires_at": now + timedelta(days=days),
    }
    row = Entitlement(merchant_id=merchant.id, customer_id=customer_id, product_id=product.id, **(values | fields))
    entitlement: Entitlement = await _insert(server, row)
    return entitlement
