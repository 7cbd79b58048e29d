"""A merchant's choice of gateway and its credentials (`PUT /payments/gateway`): secrets sealed at rest and
never shown again whole."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.gateways import repository as repo
from boxoffice.gateways.models import MerchantGateway
from boxoffice.gateways.registry import NAMES
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.sealing import Sealer

_SECRET_KEY = re.compile(r"^(sk|rk)_(test|live)_[A-Za-z0-9]{8,240}$")
_WEBHOOK_SECRET = re.compile(r"^whsec_[A-Za-z0-9+/=]{8,240}$")
_PUBLISHABLE_KEY = re.compile(r"^pk_(test|live)_[A-Za-z0-9]{8,180}$")
# The form's field names.
SECRET_KEY, WEBHOOK_SECRET, PUBLISHABLE_KEY = "stripe_secret_key", "stripe_webhook_secret", "stripe_publishable_key"


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    gateway: str
    stripe_secret_key_hint: str | None
    stripe_webhook_secret_set: bool
    stripe_publishable_key: str | None

    @property
    def sandbox(self) -> bool:
        return self.gateway == "sandbox"


def _hint(secret: str) -> str:
    return secret[:8] + "****" + secret[-4:]


def _shown(row: MerchantGateway | None, sealer: Sealer) -> GatewaySettings:
    if row is None:
        return GatewaySettings("sandbox", None, False, None)
    key = sealer.open(row.stripe_secret_key) if row.stripe_secret_key else None
    return GatewaySettings(
        row.gateway, _hint(key) if key else None, bool(row.stripe_webhook_secret), row.stripe_publishable_key
    )


async def gateway_settings(session: AsyncSession, merchant_id: int, sealer: Sealer) -> GatewaySettings:
    return _shown(await repo.merchant_gateway(session, merchant_id), sealer)


async def set_gateway(
    session: AsyncSession,
    merchant_id: int,
    *,
    gateway: str | None,
    stripe_secret_key: str | None,
    stripe_webhook_secret: str | None,
    stripe_publishable_key: str | None,
    sealer: Sealer,
) -> GatewaySettings:
    """Choose the gateway; credentials given replace the kept ones, credentials left out stay."""
    problems: dict[str, str] = {}
    name = (gateway or "").strip()
    if name not in NAMES:
        problems["gateway"] = f"The gateway is one of {', '.join(NAMES)}"
    key, hook, public = (
        (value or "").strip() for value in (stripe_secret_key, stripe_webhook_secret, stripe_publishable_key)
    )
    if key and not _SECRET_KEY.match(key):
        problems[SECRET_KEY] = "A Stripe secret key starts with sk_test_, sk_live_, rk_test_ or rk_live_"
    if hook and not _WEBHOOK_SECRET.match(hook):
        problems[WEBHOOK_SECRET] = "A Stripe webhook signing secret starts with whsec_"
    if public and not _PUBLISHABLE_KEY.match(public):
        problems[PUBLISHABLE_KEY] = "A Stripe publishable key starts with pk_test_ or pk_live_"
    row = await repo.merchant_gateway(session, merchant_id)
    if name == "stripe" and not key and not (row and row.stripe_secret_key):
        problems[SECRET_KEY] = "Stripe needs the account's secret key"
    if problems:
        raise InvalidInput(problems)
    if row is None:
        row = MerchantGateway(merchant_id=merchant_id)
        session.add(row)
    row.gateway, row.updated_at = name, clock.now()
    if key:
        row.stripe_secret_key = sealer.seal(key)
    if hook:
        row.stripe_webhook_secret = sealer.seal(hook)
    if public:
        row.stripe_publishable_key = public
    await session.flush()
    return _shown(row, sealer)
