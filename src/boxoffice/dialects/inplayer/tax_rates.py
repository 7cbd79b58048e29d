"""The merchant's sales-tax rates per country (Boxoffice's own routes), which MediaStore's offers and orders show
and split prices by: `GET /v2/tax-rates`, `PUT /v2/tax-rates/{country}` with `rate` in percent (0 removes it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Path

from boxoffice.catalog import taxes
from boxoffice.catalog.models import TaxRate
from boxoffice.dialects.inplayer.deps import Body, CurrentMerchant, Session
from boxoffice.dialects.inplayer.forms import text
from boxoffice.dialects.inplayer.routing import InPlayerRoute

router = APIRouter(route_class=InPlayerRoute, tags=["tax rates"])


def _rate(rate: TaxRate) -> dict[str, Any]:
    return {"country": rate.country_code, "rate": float(Decimal(rate.rate) / 100)}


@router.get("/v2/tax-rates")
async def list_tax_rates(session: Session, merchant: CurrentMerchant) -> list[dict[str, Any]]:
    return [_rate(r) for r in await taxes.list_rates(session, merchant.id)]


@router.put("/v2/tax-rates/{country}")
async def put_tax_rate(
    session: Session, merchant: CurrentMerchant, body: Body, country: str = Path(max_length=3)
) -> list[dict[str, Any]]:
    await taxes.set_rate(session, merchant.id, country, text(body, "rate"))
    return [_rate(r) for r in await taxes.list_rates(session, merchant.id)]
