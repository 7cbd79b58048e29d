"""`GET /locales`: where the caller is, from the offline address database, as the SDK and the OTT app read it."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import with_config
from typing_extensions import TypedDict

from boxoffice.dialects.mediastore.deps import Client
from boxoffice.dialects.mediastore.envelope import CLOSED, Answer, answer
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.kit import client_info, clock, currencies
from boxoffice.kit.geography import country

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
# The currency a viewer is shown prices in: their country's legal tender today (CLDR's, through kit.currencies),
# US dollars where the address names no country (the SDK only preselects it; an offer's own currency is charged).
FALLBACK_CURRENCY = "USD"


@with_config(CLOSED)
class Locale(TypedDict):
    country: str  # ISO 3166 alpha-2, "" where unknown
    currency: str
    locale: str  # `en_US`
    ipAddress: str


@router.get("/locales")
async def locales(
    client: Client, customer_ip: str | None = Query(None, alias="customerIP", max_length=64)
) -> Answer[Locale]:
    """Where the caller is: country, currency, locale and address.

    `customerIP` names the viewer's address when the caller is a server speaking for them."""
    address = client_info.parse_address(customer_ip) if customer_ip else None
    ip = str(address) if address is not None else client.ip_address
    code = client_info.country_of(ip) or ""
    currency = (currencies.of_country(code, clock.now().date()) if code else None) or FALLBACK_CURRENCY
    language = "en"
    return answer(
        {
            "country": country(code).alpha2 or "",
            "currency": currency,
            "locale": f"{language}_{code or 'US'}",
            "ipAddress": ip or "",
        }
    )
