"""Every MediaStore router, for the app to mount under `/mediastore`."""

from __future__ import annotations

from fastapi import APIRouter

from boxoffice.dialects.mediastore import auths, customers, locales

router = APIRouter()
for module in (auths, customers, locales):
    router.include_router(module.router)
