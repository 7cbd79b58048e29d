"""Cleeng's names for a subscription's billing period."""

from __future__ import annotations

from boxoffice.catalog.models import Price

SEASON = "season"  # the period of a subscription billed by a season group's seasons


def period(unit: str, quantity: int, *, seasonal: bool = False) -> str:
    """Cleeng's period names: `month`, `3months`, `year` …, and `season` for one billed season by season."""
    if seasonal:
        return SEASON
    return unit if quantity == 1 else f"{quantity}{unit}s"


def seasonal(price: Price | None) -> bool:
    """Whether the price bills season by season, by a season group's seasons."""
    return price is not None and price.season_group_id is not None


def price_period(price: Price) -> str:
    """The period a subscription price bills by."""
    return period(price.period_unit, price.period_quantity, seasonal=seasonal(price))
