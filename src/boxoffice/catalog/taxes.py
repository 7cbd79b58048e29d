"""Sales tax: the rate a merchant sets per country, and a tax-inclusive price split into its net and its tax."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog import tax_repository as repo
from boxoffice.catalog.models import TaxRate
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.geography import alpha2_of

BASIS = 10_000  # basis points in a whole


def split(gross: int, rate: int) -> tuple[int, int]:
    """(net, tax) of a price that includes tax at `rate` basis points, in minor units; the tax is rounded half
    up and the net is what is left, so the two always add up to the price."""
    tax = (gross * rate * 2 + (BASIS + rate)) // (2 * (BASIS + rate))
    return gross - tax, tax


async def rate_for(session: AsyncSession, merchant_id: int, country_code: str | None) -> int:
    if not country_code:
        return 0
    found = await repo.tax_rate(session, merchant_id, country_code)
    return found.rate if found is not None else 0


async def list_rates(session: AsyncSession, merchant_id: int) -> Sequence[TaxRate]:
    return await repo.tax_rates(session, merchant_id)


async def set_rate(session: AsyncSession, merchant_id: int, country: str, percent: str | None) -> TaxRate | None:
    """Set a country's rate in percent (`23`, `7.7`); 0 or nothing removes it."""
    code = alpha2_of(country)
    if code is None:
        raise InvalidInput({"country": "The country is an ISO 3166 code such as PL"})
    try:
        rate = int(Decimal(percent or "0") * 100)
        exact = Decimal(percent or "0") * 100 == rate
    except (InvalidOperation, ValueError, OverflowError):
        rate, exact = -1, False
    if not exact or not 0 <= rate <= 5000:
        raise InvalidInput({"rate": "The rate is a percentage from 0 to 50 with at most two decimals"})
    if rate == 0:
        await repo.delete_tax_rate(session, merchant_id, code)
        return None
    return await repo.put_tax_rate(session, merchant_id, code, rate)
