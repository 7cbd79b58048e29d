"""Every InPlayer router, in one place for the app to mount."""

from __future__ import annotations

from fastapi import APIRouter

from boxoffice.dialects.inplayer import accounts, auth, library, merchant

router = APIRouter()
# Merchant routes first: `/accounts/customers` must not be taken for a public path with an id in it.
for module in (merchant, auth, accounts, library):
    router.include_router(module.router)
