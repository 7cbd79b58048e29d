"""An item's access codes (for an item opened by codes): listed a page at a time with the browsers holding each,
made (typed, or a number of them generated) with their sessions and dates, and revoked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from starlette.responses import Response

from boxoffice.access import codes
from boxoffice.kit.errors import Conflict, InvalidInput
from boxoffice.kit.validation import Problems, whole_number
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard import catalog_forms as read
from boxoffice.web.dashboard.catalog_item_page import Id
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
CODES = f"{PATH}/catalog/items/{{item_id}}/codes"
PER_PAGE = 50
FIELDS = ("codes", "quantity", "max_sessions", "starts_at", "expires_at")
_WHITESPACE = re.compile(r"\s+")
_ONE_CODE = re.compile(r"codes\[\d+\]")


@dataclass(frozen=True, slots=True)
class _Making:
    """What the form asks `create_codes` for: the codes typed apart by spaces or lines, or a quantity."""

    codes: list[str] | None
    quantity: int | None
    max_sessions: int | None
    starts_at: datetime | None
    expires_at: datetime | None


def _made(form: dict[str, str]) -> _Making:
    problems = Problems()
    typed = [code for code in _WHITESPACE.split(form.get("codes", "").strip()) if code]
    made = _Making(
        codes=typed or None,
        quantity=read.number(form.get("quantity"), "quantity", problems),
        max_sessions=read.number(form.get("max_sessions"), "max_sessions", problems),
        starts_at=read.moment(form.get("starts_at"), "starts_at", problems),
        expires_at=read.moment(form.get("expires_at"), "expires_at", problems),
    )
    problems.raise_any()
    return made


async def _shown(page: DashboardContext, item_id: int, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.READ_CATALOG)
    number = whole_number(page.request.query_params.get("page")) or 0
    found = await codes.codes_page(page.session, me.merchant.id, item_id, page=number, limit=PER_PAGE)
    return page.render(
        "catalog_codes.html",
        status,
        item=found.product,
        codes=found.codes,
        held=found.held,
        total=found.total,
        page=number,
        pages=(found.total + PER_PAGE - 1) // PER_PAGE,
        opened_by_codes=found.product.access_control == codes.CODE_CONTROL,
        **({"values": {"max_sessions": "1"}, "told": page.request.query_params.get("told", "")} | values),
    )


@router.get(CODES)
async def code_list(page: Dashboard, item_id: Id) -> Response:
    return await _shown(page, item_id)


@router.post(CODES)
async def create_codes(page: Dashboard, item_id: Id) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    try:
        made = _made(form)
        created = await codes.create_codes(
            page.session,
            me.merchant.id,
            item_id,
            codes=made.codes,
            quantity=made.quantity,
            max_sessions=made.max_sessions,
            starts_at=made.starts_at,
            expires_at=made.expires_at,
        )
    except (InvalidInput, Conflict) as refused:
        if isinstance(refused, InvalidInput):
            errors: dict[str, str] = {}
            for name, text in refused.errors.items():
                errors.setdefault("codes" if _ONE_CODE.fullmatch(name) else name, text)
            status = 422
        else:
            errors, status = {"codes": refused.message}, 409
        values = {name: form.get(name, "") for name in FIELDS}
        return await _shown(page, item_id, status, values=values, errors=errors, told="")
    page.audit_as("Made access codes", f"{len(created)} codes of item {item_id}")
    return page.redirect(f"{PATH}/catalog/items/{item_id}/codes?told=created")


@router.post(f"{CODES}/{{code_id}}/revoke")
async def revoke_code(page: Dashboard, item_id: Id, code_id: Id) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    await page.check_form()
    await codes.delete_code(page.session, me.merchant.id, item_id, code_id)
    page.audit_as("Revoked an access code", f"code {code_id} of item {item_id}")
    return page.redirect(f"{PATH}/catalog/items/{item_id}/codes?told=revoked")
