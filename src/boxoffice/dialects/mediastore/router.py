"""Every MediaStore router, for the app to mount under `/mediastore`."""

from __future__ import annotations

from fastapi import APIRouter

from boxoffice.dialects.mediastore import auths, capture, consents, customers, locales, offers, orders

router = APIRouter()
for module in (auths, customers, consents, capture, locales, offers, orders):
    router.include_router(module.router)
