"""Every InPlayer router, in one place for the app to mount."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import Route

from boxoffice.dialects.inplayer import (
    access,
    access_codes,
    accounts,
    analytics,
    auth,
    branding,
    consents,
    country_sets,
    data_capture,
    donation_payments,
    donations,
    email_templates,
    gateway_settings,
    gifts,
    identity_providers,
    items,
    library,
    merchant,
    notifications,
    payment_methods,
    payments,
    plans,
    playback,
    receipts,
    reports,
    sandbox_clocks,
    shared_sessions,
    social,
    store_purchases,
    subscriptions,
    tax_rates,
    transactions,
    vouchers,
    webhooks,
)

router = APIRouter()
# Order matters where paths overlap: fixed paths (`/accounts/customers`, `/items/access/customers`,
# `/items/used-trial-period/{id}`) must come before the public `/items/{merchant_uuid}/{id}` would claim them.
MODULES = (
    merchant,
    auth,
    accounts,
    social,
    shared_sessions,
    consents,
    library,
    access,
    items,
    country_sets,
    branding,
    access_codes,
    data_capture,
    donations,
    playback,
    plans,
    payments,
    payment_methods,
    store_purchases,
    donation_payments,
    gifts,
    gateway_settings,
    identity_providers,
    email_templates,
    subscriptions,
    tax_rates,
    transactions,
    receipts,
    vouchers,
    sandbox_clocks,
    webhooks,
    notifications,
    analytics,
    reports,
)
for module in MODULES:
    router.include_router(module.router)

_PATHS = [route.path_regex for module in MODULES for route in module.router.routes if isinstance(route, Route)]


def serves(path: str) -> bool:
    """Whether a path is one of InPlayer's routes, whatever the method."""
    return any(pattern.match(path) for pattern in _PATHS)
