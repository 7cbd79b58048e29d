"""Every API 3.1 router, for the app to mount under `/3.1`."""

from __future__ import annotations

from fastapi import APIRouter

from boxoffice.dialects.api31 import (
    campaigns,
    customers,
    dunning_actions,
    entitlements,
    gifts,
    offer_localizations,
    offers,
    orders,
    passes,
    payment_details,
    payment_methods,
    payments,
    season_groups,
    subscriptions,
    switches,
    webhooks,
)

PREFIX = "/3.1"

router = APIRouter()
# season_groups before offers: `/offers/season-groups` is no offer's id.
for module in (
    customers,
    entitlements,
    season_groups,
    offers,
    webhooks,
    offer_localizations,
    switches,
    dunning_actions,
    payment_details,
    payment_methods,
    payments,
    gifts,
    campaigns,
    subscriptions,
    passes,
    orders,
):
    router.include_router(module.router)
