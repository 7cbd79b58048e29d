"""Restrictions at the dashboard: the merchant-wide settings (age verification, the domains the player may be
embedded on, concurrent sessions per customer) and the country sets prices and items refer to."""

from __future__ import annotations

import re

from starlette.responses import Response

from boxoffice.catalog import country_sets
from boxoffice.kit.errors import Conflict, InvalidInput
from boxoffice.kit.validation import whole_number
from boxoffice.restrictions import service as restrictions
from boxoffice.restrictions.service import COUNTRY_SET_TYPES
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.developers_forms import path_id
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/developers/restrictions"
SETS = f"{HERE}/country-sets"
_WORDS = {"whitelist": "Only these countries", "blacklist": "Everywhere but these countries"}
TYPES = [(kind, _WORDS.get(kind, kind)) for kind in COUNTRY_SET_TYPES]
SHOWN = 100  # country sets listed: far more than a merchant keeps
_SEPARATORS = re.compile(r"[\s,;]+")


def _codes(text: str) -> list[str]:
    """Country codes as typed: separated by spaces, commas or lines."""
    return [code for code in _SEPARATORS.split(text) if code]


async def _page(page: DashboardContext, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.SETTINGS)
    kept = await restrictions.restriction_settings(page.session, me.merchant.id)
    total, sets = await restrictions.list_country_sets(page.session, me.merchant.id, page=0, limit=SHOWN)
    shown = {
        "age_verification_enabled": "on" if kept.age_verification_enabled else "",
        "allowed_domains": "\n".join(kept.allowed_domains),
        "max_concurrent_sessions": str(kept.max_concurrent_sessions or ""),
    }
    return page.render(
        "developers_restrictions.html",
        status,
        sets=sets,
        total=total,
        types=TYPES,
        **({"values": shown, "new_set": {}} | values),
    )


@router.get(HERE)
async def restrictions_page(page: Dashboard) -> Response:
    return await _page(page, told=page.request.query_params.get("told"))


@router.post(HERE)
async def save_settings(page: Dashboard) -> Response:
    me = page.require(Permission.SETTINGS)
    form = await page.check_form()
    limit_text = form.get("max_concurrent_sessions", "").strip()
    limit = whole_number(limit_text)
    try:
        if limit_text and limit is None:
            raise InvalidInput({"max_concurrent_sessions": "The session limit is a whole number, or empty for none"})
        await restrictions.update_restriction_settings(
            page.session,
            me.merchant.id,
            age_verification_enabled=form.get("age_verification_enabled") == "on",
            age_verification_type=None,
            allowed_domains=form.get("allowed_domains", "").splitlines(),
            max_concurrent_sessions=limit,
            clear_session_limit=not limit_text,
        )
    except InvalidInput as refused:
        return await _page(page, 422, errors=refused.errors, values=form)
    page.audit_as("Changed the restriction settings")
    return page.redirect(f"{HERE}?told=saved")


@router.post(SETS)
async def create_set(page: Dashboard) -> Response:
    me = page.require(Permission.SETTINGS)
    form = await page.check_form()
    try:
        made = await restrictions.create_country_set(
            page.session,
            me.merchant.id,
            name=form.get("name"),
            type_=form.get("type"),
            countries=_codes(form.get("countries", "")),
        )
    except InvalidInput as refused:
        return await _page(page, 422, set_errors=refused.errors, new_set=form)
    page.audit_as("Created a country set", made.name)
    return page.redirect(f"{SETS}/{made.id}?told=created")


async def _set_page(page: DashboardContext, set_id: int, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.SETTINGS)
    found = await restrictions.get_country_set(page.session, me.merchant.id, set_id)
    shown = {"name": found.name, "type": found.type, "countries": " ".join(found.countries)}
    return page.render(
        "developers_country_set.html", status, country_set=found, types=TYPES, **({"values": shown} | values)
    )


@router.get(f"{SETS}/{{set_id}}")
async def country_set(page: Dashboard, set_id: str) -> Response:
    return await _set_page(page, path_id(set_id), told=page.request.query_params.get("told"))


@router.post(f"{SETS}/{{set_id}}")
async def change_set(page: Dashboard, set_id: str) -> Response:
    me = page.require(Permission.SETTINGS)
    form = await page.check_form()
    try:
        changed = await restrictions.update_country_set(
            page.session,
            me.merchant.id,
            path_id(set_id),
            name=form.get("name", ""),
            type_=form.get("type", ""),
            countries=_codes(form.get("countries", "")),
        )
    except InvalidInput as refused:
        return await _set_page(page, path_id(set_id), 422, errors=refused.errors, values=form)
    page.audit_as("Changed a country set", changed.name)
    return page.redirect(f"{SETS}/{changed.id}?told=saved")


@router.post(f"{SETS}/{{set_id}}/remove")
async def remove_set(page: Dashboard, set_id: str) -> Response:
    me = page.require(Permission.SETTINGS)
    await page.check_form()
    removed = await restrictions.get_country_set(page.session, me.merchant.id, path_id(set_id))
    try:
        await country_sets.delete_country_set(page.session, me.merchant.id, removed.id)
    except Conflict as refused:
        return await _set_page(page, removed.id, 409, errors={"remove": refused.message})
    page.audit_as("Removed a country set", removed.name)
    return page.redirect(f"{HERE}?told=removed")
