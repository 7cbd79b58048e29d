"""Where merchants download report files kept on this server's disk: `GET /reports/{merchant_uuid}/{name}`.

The link itself is the permission (see `reporting.links`): it is checked before anything else is looked at, so an
invalid or expired link learns nothing about which merchants or files exist. With an S3 bucket configured, links
point at the bucket and nothing is served here.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Path, Query, Request
from pydantic import ConfigDict, with_config
from starlette.responses import FileResponse, JSONResponse, Response
from typing_extensions import TypedDict

from boxoffice.identity.merchants import find_merchant
from boxoffice.identity.tokens import token_secrets
from boxoffice.kit import clock
from boxoffice.kit.errors import NotFound
from boxoffice.kit.settings import Settings
from boxoffice.reporting import links
from boxoffice.reporting.storage import MAX_NAME, LocalStorage
from boxoffice.web.transactions import OwnTransactions

router = APIRouter(tags=["reports"])


@with_config(ConfigDict(extra="forbid"))
class DownloadRefusal(TypedDict):
    code: int  # the HTTP status again
    message: str


def _error(status: int, message: str) -> JSONResponse:
    body: DownloadRefusal = {"code": status, "message": message}
    return JSONResponse(body, status_code=status)


@router.get(
    "/reports/{merchant_uuid}/{name}",
    summary="Download a report file through its signed link",
    response_class=Response,
    responses={
        200: {"description": "The report, as CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
        403: {"model": DownloadRefusal, "description": "The link is invalid or has expired"},
        404: {"model": DownloadRefusal, "description": "No such report (any more)"},
    },
    # The link's own `expires` and `signature` are its permission: no other credential is asked for.
    openapi_extra={"security": []},
)
async def download(
    request: Request,
    sessions: OwnTransactions,
    merchant_uuid: str = Path(max_length=64),
    name: str = Path(max_length=MAX_NAME),
    # Optional here so that a link cut short is answered like any other bad link, not as a malformed request.
    expires: int | None = None,
    signature: str | None = Query(default=None, max_length=128),
) -> Response:
    """The link `POST /v2/reporting/...` (or `boxoffice report`) handed out is the permission: it is checked
    before anything else, so an invalid or expired link learns nothing of which merchants or files exist."""
    settings: Settings = request.app.state.settings
    async with sessions() as session:
        now = clock.unix(clock.now())
        keys = await token_secrets(session, settings)
        if (
            expires is None
            or signature is None
            or not any(links.verify(key, merchant_uuid, name, expires, signature, now=now) for key in keys)
        ):
            return _error(403, "This download link is invalid or has expired")
        try:
            merchant = await find_merchant(session, merchant_uuid)
        except NotFound:
            return _error(404, "Report not found")
    if settings.reports_s3_bucket:
        return _error(404, "Report not found")
    try:
        path = LocalStorage(settings).path_of(merchant.id, name)
    except ValueError:
        return _error(404, "Report not found")
    if not await asyncio.to_thread(path.is_file):
        return _error(404, "Report not found")
    return FileResponse(
        path,
        media_type="text/csv",
        filename=name,
        # The link is a bearer credential for one person: no shared cache should keep a copy.
        headers={"Cache-Control": "private, no-store"},
    )
