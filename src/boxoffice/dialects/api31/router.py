"""Every API 3.1 router, for the app to mount under `/3.1`."""

from __future__ import annotations

from fastapi import APIRouter

from boxoffice.dialects.api31 import customers, entitlements, offers, webhooks

PREFIX = "/3.1"

router = APIRouter()
for module in (customers, entitlements, offers, webhooks):
    router.include_router(module.router)
