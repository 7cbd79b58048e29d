"""Every MediaStore router, for the app to mount under `/mediastore`."""

from __future__ import annotations

from fastapi import APIRouter

from boxoffice.dialects.mediastore import (
    account,
    adyen_sessions,
    auths,
    capture,
    connectors,
    consents,
    customers,
    gifts,
    locales,
    offers,
    orders,
    payment_details,
    store_payments,
    subscriptions,
    switches,
)

router = APIRouter()
for module in (
    auths,
    customers,
    consents,
    capture,
    locales,
    offers,
    orders,
    connectors,
    adyen_sessions,
    payment_details,
    store_payments,
    subscriptions,
    switches,
    account,
    gifts,
):
    router.include_router(module.router)
