"""The merchant's sales-tax rates per country (Boxoffice's own routes), which MediaStore's offers and orders show
and split prices by: `GET /v2/tax-rates`, `PUT /v2/tax-rates/{country}` with `rate` in percent (0 removes it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from typing_extensions import TypedDict

from boxoffice.catalog import taxes
from boxoffice.catalog.models import TaxRate
from boxoffice.dialects.inplayer import bodies
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import CurrentMerchant, Session
from boxoffice.dialects.inplayer.forms import text
from boxoffice.dialects.inplayer.routing import InPlayerRoute

router = APIRouter(route_class=InPlayerRoute, tags=["tax rates"])

RATE = bodies.form(bodies.number("rate", "The rate in percent, such as 21 or 7.5; 0 removes it", required=True))


class Rate(TypedDict):
    country: str
    rate: float


def _rate(rate: TaxRate) -> Rate:
    return {"country": rate.country_code, "rate": float(Decimal(rate.rate) / 100)}


@router.get("/v2/tax-rates")
async def list_tax_rates(session: Session, merchant: CurrentMerchant) -> list[Rate]:
    """The merchant's sales-tax rates, by country."""
    return [_rate(r) for r in await taxes.list_rates(session, merchant.id)]


@router.put("/v2/tax-rates/{country}")
async def put_tax_rate(
    session: Session,
    merchant: CurrentMerchant,
    body: Annotated[Fields, Depends(RATE)],
    country: str = Path(max_length=3),
) -> list[Rate]:
    """Set the sales-tax rate of one country (0 removes it); the answer lists them all."""
    await taxes.set_rate(session, merchant.id, country, text(body, "rate"))
    return [_rate(r) for r in await taxes.list_rates(session, merchant.id)]
