"""Donations: fixed amounts a merchant suggests for a product, and whether viewers may give an amount of their own."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog import donations_repository as repo
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.currencies import is_currency, refusal
from boxoffice.catalog.models import DonationOption, Product
from boxoffice.kit import validation
from boxoffice.kit.errors import InvalidInput, Missing, NotFound
from boxoffice.kit.money import Money

MAX_MINOR_UNITS = 2**31 - 1  # what the amount column holds
MAX_DONATIONS = 50  # per product
MAX_DESCRIPTION = 500
MAX_AMOUNT_TEXT = 40


async def _product(session: AsyncSession, merchant_id: int, product_id: int) -> Product:
    product = await catalog_repo.product_by_id(session, merchant_id, product_id)
    if product is None:
        raise NotFound(what=Missing.PRODUCT)
    return product


async def donations_for(
    session: AsyncSession, merchant_id: int, product_id: int
) -> tuple[Product, Sequence[DonationOption]]:
    """A product's suggested donations; the product says whether a custom amount is allowed too."""
    product = await _product(session, merchant_id, product_id)
    return product, await repo.donations_of(session, merchant_id, product.id)


def _money(amount: str | None, currency: str | None, problems: validation.Problems) -> Money | None:
    code = (currency or "").strip().upper()
    if not is_currency(code):
        problems.add("currency", refusal(code))
    text = (amount or "").strip()
    if not text:
        problems.add("amount", "The amount is required")
        return None
    try:
        value = Decimal(text) if len(text) <= MAX_AMOUNT_TEXT else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        problems.add("amount", "The amount must be a decimal number such as 4.99")
        return None
    if not is_currency(code):
        return None
    try:
        money = Money.from_decimal(value, code)
    except ValueError:
        problems.add("amount", f"The amount has more decimals than {code} allows")
        return None
    if money.amount <= 0:
        problems.add("amount", "The amount must be greater than zero")
    elif money.amount > MAX_MINOR_UNITS:
        problems.add("amount", "The amount is too large")
    return money


async def add_donation(
    session: AsyncSession,
    merchant_id: int,
    product_id: int,
    *,
    amount: str | None,
    currency: str | None,
    description: str | None,
) -> DonationOption:
    """Suggest one more donation amount for a product."""
    product = await _product(session, merchant_id, product_id)
    problems = validation.Problems()
    money = _money(amount, currency, problems)
    label = (description or "").strip()
    if len(label) > MAX_DESCRIPTION:
        problems.add("description", f"The description may not be longer than {MAX_DESCRIPTION} characters")
    problems.raise_any()
    assert money is not None
    if len(await repo.donations_of(session, merchant_id, product.id)) >= MAX_DONATIONS:
        raise InvalidInput({"amount": f"An item may have at most {MAX_DONATIONS} donation amounts"})
    donation = DonationOption(
        merchant_id=merchant_id,
        product_id=product.id,
        amount=money.amount,
        currency=money.currency,
        description=label,
    )
    session.add(donation)
    await session.flush()
    return donation


async def remove_donation(session: AsyncSession, merchant_id: int, product_id: int, donation_id: int) -> None:
    product = await _product(session, merchant_id, product_id)
    donation = await repo.donation_by_id(session, merchant_id, donation_id)
    if donation is None or donation.product_id != product.id:
        raise NotFound("Donation not found")
    await session.delete(donation)
    await session.flush()


async def set_custom_donations(
    session: AsyncSession, merchant_id: int, product_id: int, enabled: bool | None
) -> tuple[Product, Sequence[DonationOption]]:
    """Let viewers give an amount of their own for a product, or only the suggested ones."""
    if enabled is None:
        raise InvalidInput({"custom_price_enabled": "custom_price_enabled must be true or false"})
    product = await _product(session, merchant_id, product_id)
    product.custom_price_enabled = enabled
    await session.flush()
    return product, await repo.donations_of(session, merchant_id, product.id)
