"""`GET /locales`: where the caller is, from the offline address database, as the SDK and the OTT app read it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from boxoffice.dialects.mediastore.deps import Client
from boxoffice.dialects.mediastore.envelope import answer
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.kit import client_info
from boxoffice.kit.geography import country

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
# The currency a viewer is shown prices in: the euro in the euro area, a country's own where it is listed here,
# US dollars elsewhere (the SDK only preselects it; an offer's own currency is what is charged).
EURO_AREA = frozenset(
    {"AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV", "MT", "NL",
     "PT", "SI", "SK", "AD", "MC", "SM", "VA", "ME", "XK"}
)  # fmt: skip
CURRENCIES = {"GB": "GBP", "US": "USD", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "CH": "CHF", "JP": "JPY",
              "SE": "SEK", "NO": "NOK", "DK": "DKK", "PL": "PLN", "CZ": "CZK", "HU": "HUF", "IN": "INR",
              "BR": "BRL", "MX": "MXN", "ZA": "ZAR", "SG": "SGD", "HK": "HKD", "KR": "KRW", "TR": "TRY"}  # fmt: skip


@router.get("/locales")
async def locales(client: Client, customer_ip: str | None = Query(None, alias="customerIP", max_length=64)) -> Any:
    """`customerIP` names the viewer's address when the caller is a server speaking for them."""
    address = client_info.parse_address(customer_ip) if customer_ip else None
    ip = str(address) if address is not None else client.ip_address
    code = client_info.country_of(ip) or ""
    currency = "EUR" if code in EURO_AREA else CURRENCIES.get(code, "USD")
    language = "en"
    return answer(
        {
            "country": country(code).alpha2 or "",
            "currency": currency,
            "locale": f"{language}_{code or 'US'}",
            "ipAddress": ip or "",
        }
    )
