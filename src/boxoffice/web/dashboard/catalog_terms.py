"""How the dashboard words a price's terms in a line: its amount, what it buys, its trial and setup fee, its sale
window and whether it is on sale."""

from __future__ import annotations

from boxoffice.catalog.access_types import ACCESS_TYPES, BY_ID
from boxoffice.catalog.models import Price
from boxoffice.kit.locales import money_text
from boxoffice.kit.money import Money


def _count(quantity: int, unit: str) -> str:
    return f"{quantity} {unit}{'' if quantity == 1 else 's'}"


def access_type_label(access_type_id: int) -> str:
    found = BY_ID.get(access_type_id)
    if found is None:
        return "unknown access"
    if found.period == "custom":
        return "Access until a date"
    if found.kind == "subscription":
        return "Subscription, every " + (found.period if found.quantity == 1 else _count(found.quantity, found.period))
    return f"{_count(found.quantity, found.period)} of access"


ACCESS_TYPE_CHOICES = [(str(found.id), access_type_label(found.id)) for found in ACCESS_TYPES]


def terms_of(price: Price) -> str:
    """ "€9.99 · Subscription, every month · 7 days' trial · €1.00 setup fee · inactive"."""
    parts = [money_text(Money(price.amount, price.currency), "en"), access_type_label(price.access_type_id)]
    if price.trial_period_quantity and price.trial_period_unit:
        parts.append(f"{_count(price.trial_period_quantity, price.trial_period_unit)} trial")
    if price.setup_fee_amount:
        parts.append(f"{money_text(Money(price.setup_fee_amount, price.currency), 'en')} setup fee")
    if price.starts_at:
        parts.append(f"on sale from {price.starts_at:%Y-%m-%d %H:%M} UTC")
    if price.expires_at:
        parts.append(f"until {price.expires_at:%Y-%m-%d %H:%M} UTC")
    if price.country_set is not None:
        parts.append(f"countries: {price.country_set.name}")
    if not price.active:
        parts.append("inactive")
    return " · ".join(parts)
