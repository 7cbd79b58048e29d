"""The payment gateway at the dashboard: the sandbox or Stripe, Stripe's secrets sealed at rest and shown only
masked; a secret left empty keeps the one saved."""

from __future__ import annotations

from starlette.responses import Response

from boxoffice.gateways import merchant_settings
from boxoffice.gateways.merchant_settings import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET
from boxoffice.gateways.registry import NAMES
from boxoffice.kit import base_url
from boxoffice.kit.errors import InvalidInput
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/developers/gateway"
GATEWAYS = [(name, name.capitalize()) for name in NAMES]


async def _shown(page: DashboardContext, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.SETTINGS)
    found = await merchant_settings.gateway_settings(page.session, me.merchant.id, page.sealer)
    base = base_url.of(page.settings.public_url)
    # The form shows the choice and the publishable key (not a secret); secrets only as the hints above it.
    shown = {"gateway": found.gateway, PUBLISHABLE_KEY: found.stripe_publishable_key or ""}
    return page.render(
        "developers_gateway.html",
        status,
        found=found,
        gateways=GATEWAYS,
        webhook_url=f"{base}/webhooks/gateways/stripe/{me.merchant.uuid}",
        **({"values": shown} | values),
    )


@router.get(HERE)
async def gateway(page: Dashboard) -> Response:
    return await _shown(page, told=page.request.query_params.get("told"))


@router.post(HERE)
async def set_gateway(page: Dashboard) -> Response:
    me = page.require(Permission.SETTINGS)
    form = await page.check_form()
    try:
        chosen = await merchant_settings.set_gateway(
            page.session,
            me.merchant.id,
            gateway=form.get("gateway"),
            stripe_secret_key=form.get(SECRET_KEY),
            stripe_webhook_secret=form.get(WEBHOOK_SECRET),
            stripe_publishable_key=form.get(PUBLISHABLE_KEY),
            sealer=page.sealer,
        )
    except InvalidInput as refused:
        # What was typed is shown again, but never a secret: those fields stay empty.
        kept = {name: form.get(name, "") for name in ("gateway", PUBLISHABLE_KEY)}
        return await _shown(page, 422, errors=refused.errors, values=kept)
    page.audit_as("Changed the payment gateway", chosen.gateway)
    return page.redirect(f"{HERE}?told=saved")
