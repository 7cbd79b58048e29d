"""Cleeng-style offer ids, derived from a price and stable: `S000000042_EU` is price 42, a subscription, in euros.
The letter is the kind (S subscription, P pass, E event, R rental, A single: access bought for good), the suffix
the currency's country part; the SDK asks `/v2/offers/` with the part before `_`, and either form is accepted
everywhere."""

from __future__ import annotations

import re
from typing import Literal

from boxoffice.catalog.models import Price

_OFFER = re.compile(r"^([SPERA])([0-9]{1,18})(?:_[A-Z]{2})?$")
# The offer types of OfferV2, by letter.
TYPES: dict[str, Literal["subscription", "pass", "live", "vod"]] = {
    "S": "subscription",
    "P": "pass",
    "E": "live",
    "R": "vod",
    "A": "vod",
}


def letter(price: Price) -> str:
    if price.kind == "subscription":
        return "S"
    if price.period_unit == "custom":  # access until a date: an event
        return "E"
    if price.period_unit == "year":  # one payment for a century of access: Cleeng's single offer
        return "A"
    return "R" if price.period_unit == "hour" else "P"


def short_id(price: Price) -> str:
    return f"{letter(price)}{price.id:09d}"


def offer_id(price: Price) -> str:
    return f"{short_id(price)}_{price.currency[:2]}"


def price_id_of(offer: str) -> tuple[str, int] | None:
    """(letter, price id) of an offer id; None when it is no offer id at all."""
    found = _OFFER.fullmatch(offer.strip())
    if found is None:
        return None
    return found.group(1), int(found.group(2))
