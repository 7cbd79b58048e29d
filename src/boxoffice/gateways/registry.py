"""Which gateway a payment goes through: new payments through the merchant's chosen one, everything after
(confirming, refunding, renewing) through the one it was first made with."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.gateways import repository as repo
from boxoffice.gateways.models import MerchantGateway
from boxoffice.gateways.protocol import GatewayError, PaymentGateway
from boxoffice.gateways.sandbox import SandboxGateway
from boxoffice.gateways.stripe_gateway import StripeGateway
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings

NAMES = ("sandbox", "stripe")


class Gateways:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings, sealer: Sealer) -> None:
        self.sessions, self.sealer, self.stripe_api_base = sessions, sealer, settings.stripe_api_base
        self.sandbox = SandboxGateway(sessions, settings.public_url)
        # One Stripe client per merchant, made again when the merchant's key changes.
        self._stripe: dict[int, tuple[str, StripeGateway]] = {}

    async def _settings(self, merchant_id: int) -> MerchantGateway | None:
        async with self.sessions() as session:
            return await repo.merchant_gateway(session, merchant_id)

    async def current(self, merchant_id: int) -> PaymentGateway:
        """The gateway the merchant takes new payments through."""
        chosen = await self._settings(merchant_id)
        return await self.named(merchant_id, chosen.gateway if chosen else "sandbox", chosen)

    async def named(self, merchant_id: int, name: str, chosen: MerchantGateway | None = None) -> PaymentGateway:
        if name == "sandbox":
            return self.sandbox
        if name != "stripe":
            raise GatewayError(f"unknown gateway {name!r}")
        chosen = chosen or await self._settings(merchant_id)
        if chosen is None or not chosen.stripe_secret_key:
            raise GatewayError("the merchant has no Stripe key")
        cached = self._stripe.get(merchant_id)
        if cached is None or cached[0] != chosen.stripe_secret_key:
            gateway = StripeGateway(self.sealer.open(chosen.stripe_secret_key), api_base=self.stripe_api_base)
            self._stripe[merchant_id] = cached = (chosen.stripe_secret_key, gateway)
        return cached[1]

    async def webhook_secret(self, merchant_id: int, name: str, client_secret: str) -> str | None:
        """The secret a gateway's events to this merchant are signed with: Stripe's endpoint secret, or for the
        sandbox the merchant's own client secret."""
        if name == "sandbox":
            return client_secret
        chosen = await self._settings(merchant_id)
        if chosen is None or not chosen.stripe_webhook_secret:
            return None
        return self.sealer.open(chosen.stripe_webhook_secret)

    async def aclose(self) -> None:
        for _, gateway in self._stripe.values():
            await gateway.aclose()
        self._stripe.clear()
