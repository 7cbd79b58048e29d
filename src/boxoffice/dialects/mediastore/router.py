"""Every MediaStore router, for the app to mount under `/mediastore`."""

from __future__ import annotations

from fastapi import APIRouter

from boxoffice.dialects.mediastore import auths, capture, consents, customers, locales

router = APIRouter()
for module in (auths, customers, consents, capture, locales):
    router.include_router(module.router)
