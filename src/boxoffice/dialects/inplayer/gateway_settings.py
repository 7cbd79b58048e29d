"""The merchant's payment gateway (the contract): `GET` and `PUT /payments/gateway`, secrets masked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from typing_extensions import TypedDict

from boxoffice.dialects.inplayer import bodies
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import CurrentMerchant, Sealing, Session
from boxoffice.dialects.inplayer.forms import text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.gateways import merchant_settings
from boxoffice.gateways.merchant_settings import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET, GatewaySettings
from boxoffice.kit import base_url

router = APIRouter(route_class=InPlayerRoute, tags=["payments"])

GATEWAY = bodies.form(
    bodies.text("gateway", "`sandbox` or `stripe`", enum=("sandbox", "stripe")),
    bodies.text(SECRET_KEY, "Stripe's secret key (sealed at rest where encryption keys are set)"),
    bodies.text(WEBHOOK_SECRET, "The signing secret of the Stripe webhook endpoint"),
    bodies.text(PUBLISHABLE_KEY, "Stripe's publishable key, which the apps are given"),
)


class StripeShown(TypedDict):
    secret_key: str | None
    webhook_secret_set: bool
    publishable_key: str | None
    webhook_url: str


class GatewayShown(TypedDict):
    """The merchant's gateway, its secrets masked, and where to point Stripe's webhook endpoint."""

    gateway: str
    stripe: StripeShown


def _shown(request: Request, merchant_uuid: str, found: GatewaySettings) -> GatewayShown:
    base = base_url.of(request.app.state.settings.public_url)
    return {
        "gateway": found.gateway,
        "stripe": {
            "secret_key": found.stripe_secret_key_hint,
            "webhook_secret_set": found.stripe_webhook_secret_set,
            "publishable_key": found.stripe_publishable_key,
            # Where to point the Stripe account's webhook endpoint.
            "webhook_url": f"{base}/webhooks/gateways/stripe/{merchant_uuid}",
        },
    }


@router.get("/payments/gateway")
async def get_gateway(request: Request, session: Session, merchant: CurrentMerchant, sealer: Sealing) -> GatewayShown:
    """The merchant's payment gateway and its settings, secrets masked."""
    return _shown(request, merchant.uuid, await merchant_settings.gateway_settings(session, merchant.id, sealer))


@router.put("/payments/gateway")
async def set_gateway(
    request: Request,
    session: Session,
    merchant: CurrentMerchant,
    body: Annotated[Fields, Depends(GATEWAY)],
    sealer: Sealing,
) -> GatewayShown:
    """Choose the merchant's payment gateway and set its keys; fields not sent are left as they are."""
    found = await merchant_settings.set_gateway(
        session,
        merchant.id,
        gateway=text(body, "gateway"),
        stripe_secret_key=text(body, SECRET_KEY),
        stripe_webhook_secret=text(body, WEBHOOK_SECRET),
        stripe_publishable_key=text(body, PUBLISHABLE_KEY),
        sealer=sealer,
    )
    return _shown(request, merchant.uuid, found)
