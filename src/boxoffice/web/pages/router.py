"""Every page router, and the pages' own files, for the app to mount."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.staticfiles import StaticFiles

from boxoffice.web.pages import account, checkout, cleeng, gifts, remote_sign_in, sign_in

router = APIRouter()
for module in (cleeng, sign_in, remote_sign_in, checkout, account, gifts):
    router.include_router(module.router)

# The stylesheet and the script, shipped inside the package: nothing is fetched from anywhere else.
static = StaticFiles(packages=[("boxoffice.web.pages", "static")])
