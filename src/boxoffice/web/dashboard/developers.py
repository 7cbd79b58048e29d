"""The developers' area: where its settings are, the API keys (the client secret and the publisher token Cleeng's
APIs take, each shown only by its last characters, rotated after a confirmation and then shown once in full), and
the web origins allowed to call the APIs."""

from __future__ import annotations

from starlette.responses import Response

from boxoffice.identity import merchants, publisher_tokens
from boxoffice.kit.errors import InvalidInput
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/developers"
KEYS = f"{HERE}/keys"
PUBLISHER_TOKEN = f"{KEYS}/publisher-token"
ORIGINS = f"{HERE}/origins"


@router.get(HERE)
async def developers(page: Dashboard) -> Response:
    page.require(Permission.SETTINGS)
    return page.render("developers.html")


async def _keys(page: DashboardContext, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.SETTINGS)
    token = await publisher_tokens.publisher_token_of(page.session, me.merchant, page.sealer)
    return page.render(
        "developers_keys.html",
        status,
        client_id=me.merchant.uuid,
        secret_hint=me.merchant.client_secret[-4:],
        publisher_id=merchants.public_number(me.merchant),
        token_hint=token[-4:],
        **values,
    )


@router.get(KEYS)
async def keys(page: Dashboard) -> Response:
    return await _keys(page)


@router.get(f"{KEYS}/rotate")
async def confirm_rotation(page: Dashboard) -> Response:
    return await _keys(page, confirming=True)


@router.post(f"{KEYS}/rotate")
async def rotate(page: Dashboard) -> Response:
    me = page.require(Permission.SETTINGS)
    form = await page.check_form()
    if form.get("confirm") != "yes":
        return await _keys(page, 422, confirming=True, errors={"confirm": "Tick the box to confirm the rotation"})
    secret = await merchants.rotate_client_secret(page.session, me.merchant)
    page.audit_as("Rotated the client secret", f"now ending …{secret[-4:]}")
    # Shown here, once, rather than after a redirect: it is never shown in full again.
    return await _keys(page, new_secret=secret)


@router.get(f"{PUBLISHER_TOKEN}/rotate")
async def confirm_token_rotation(page: Dashboard) -> Response:
    return await _keys(page, confirming_token=True)


@router.post(f"{PUBLISHER_TOKEN}/rotate")
async def rotate_token(page: Dashboard) -> Response:
    me = page.require(Permission.SETTINGS)
    form = await page.check_form()
    if form.get("confirm") != "yes":
        errors = {"confirm_token": "Tick the box to confirm the rotation"}
        return await _keys(page, 422, confirming_token=True, errors=errors)
    token = await publisher_tokens.rotate_publisher_token(page.session, me.merchant, page.sealer)
    page.audit_as("Rotated the publisher token", f"now ending …{token[-4:]}")
    # As the secret: shown here once, never in full again.
    return await _keys(page, new_token=token)


def _origins(page: DashboardContext, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.SETTINGS)
    kept = "\n".join(me.merchant.allowed_origins)
    return page.render("developers_origins.html", status, **({"values": {"origins": kept}} | values))


@router.get(ORIGINS)
async def origins(page: Dashboard) -> Response:
    return _origins(page, told=page.request.query_params.get("told"))


@router.post(ORIGINS)
async def set_origins(page: Dashboard) -> Response:
    me = page.require(Permission.SETTINGS)
    form = await page.check_form()
    try:
        await merchants.set_allowed_origins(page.session, me.merchant, form.get("origins", "").splitlines())
    except InvalidInput as refused:
        return _origins(page, 422, errors=refused.errors, values=form)
    page.audit_as("Changed the allowed origins", ", ".join(me.merchant.allowed_origins))
    return page.redirect(f"{ORIGINS}?told=saved")
