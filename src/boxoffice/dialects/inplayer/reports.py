"""Report files: the analytics' content-request files (`/v2/analytics/content-requests...`, as the seed document
shapes them) and the merchant contract's exports (`/v2/reporting/...`). Both are built by the worker and
downloaded through a signed link that expires."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from typing_extensions import TypedDict

from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.dates import period
from boxoffice.dialects.inplayer.deps import AppSettings, CurrentMerchant, Session
from boxoffice.dialects.inplayer.forms import integer, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput
from boxoffice.reporting import exports, service
from boxoffice.reporting.models import ReportStatus

router = APIRouter(route_class=InPlayerRoute, tags=["reports"])

CONTENT_REQUESTS_REPORT = bodies.form(
    bodies.integer("item_id", "The item whose content requests are reported", required=True),
    bodies.moment("start_date", "The first day reported", required=True),
    bodies.moment("end_date", "The last day reported", required=True),
)
EXPORT = bodies.form(
    bodies.moment("start_date", "The first day exported"),
    bodies.moment("end_date", "The last day exported"),
)


class ReportFile(TypedDict):
    name: str
    created_at: int


class ExportFile(ReportFile):
    status: str


class Link(TypedDict):
    """A signed download link, which expires."""

    redirect_url: str


CONTENT_REQUESTS = ("content_requests",)
FileName = Path(min_length=1, max_length=200)


@router.get("/v2/analytics/content-requests")
async def content_request_files(session: Session, merchant: CurrentMerchant) -> list[ReportFile]:
    """The content-requests files ready to download, newest first."""
    files = await service.reports_of(session, merchant.id, CONTENT_REQUESTS)
    return [{"name": f.name, "created_at": clock.unix(f.created_at)} for f in files if f.status == ReportStatus.READY]


@router.post("/v2/analytics/content-requests/generate", status_code=202)
async def generate_content_requests(
    session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(CONTENT_REQUESTS_REPORT)]
) -> render.Message:
    """Start building a file of an item's content requests over a period (the worker builds it)."""
    item_id = integer(body, "item_id")
    if item_id is None or item_id < 1:
        raise InvalidInput({"item_id": "The item_id of one of your items is required"})
    since, until = period(text(body, "start_date"), text(body, "end_date"), required=True)
    report = await service.request_report(
        session, merchant.id, "content_requests", since=since, until=until, item_id=item_id
    )
    return {"code": 202, "message": f"The report {report.name} is being generated"}


@router.get("/v2/analytics/content-requests/{file_name}")
async def content_request_file(
    session: Session, settings: AppSettings, merchant: CurrentMerchant, file_name: str = FileName
) -> Link:
    """A link to download a content-requests file."""
    url = await service.download_link(session, settings, merchant, file_name, CONTENT_REQUESTS)
    return {"redirect_url": url}


@router.post("/v2/reporting/{kind}", status_code=202)
async def request_export(
    session: Session,
    merchant: CurrentMerchant,
    body: Annotated[Fields, Depends(EXPORT)],
    kind: Literal["transactions", "subscriptions", "customers"],
) -> render.Message:
    """Start exporting the merchant's transactions, subscriptions or customers as CSV (the worker builds it)."""
    since, until = period(text(body, "start_date"), text(body, "end_date"))
    report = await service.request_report(session, merchant.id, kind, since=since, until=until)
    return {"code": 202, "message": f"The report {report.name} is being generated"}


@router.get("/v2/reporting/reports")
async def export_files(session: Session, merchant: CurrentMerchant) -> list[ExportFile]:
    """The merchant's exports, newest first, and whether each is ready."""
    files = await service.reports_of(session, merchant.id, exports.EXPORTS)
    return [{"name": f.name, "created_at": clock.unix(f.created_at), "status": f.status} for f in files]


@router.get("/v2/reporting/reports/{file_name}")
async def export_file(
    session: Session, settings: AppSettings, merchant: CurrentMerchant, file_name: str = FileName
) -> Link:
    """A link to download an export."""
    url = await service.download_link(session, settings, merchant, file_name, exports.EXPORTS)
    return {"redirect_url": url}
