"""Every InPlayer router, in one place for the app to mount."""

from __future__ import annotations

from fastapi import APIRouter

from boxoffice.dialects.inplayer import (
    access,
    access_codes,
    accounts,
    analytics,
    auth,
    consents,
    country_sets,
    data_capture,
    donation_payments,
    donations,
    email_templates,
    gateway_settings,
    gifts,
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
    subscriptions,
    tax_rates,
    transactions,
    vouchers,
    webhooks,
)

router = APIRouter()
# Order matters where paths overlap: fixed paths (`/accounts/customers`, `/items/access/customers`,
# `/items/used-trial-period/{id}`) must come before the public `/items/{merchant_uuid}/{id}` would claim them.
for module in (
    merchant,
    auth,
    accounts,
    consents,
    library,
    access,
    items,
    country_sets,
    access_codes,
    data_capture,
    donations,
    playback,
    plans,
    payments,
    payment_methods,
    donation_payments,
    gifts,
    gateway_settings,
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
):
    router.include_router(module.router)
