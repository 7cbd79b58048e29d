"""The access check as the hot path runs it: token, session, customer and product read through caches.

Entries are dropped when what they hold changes (boxoffice.cache): a revoked entitlement, a logout or an erased
account stop access at once on the worker that made the change and within about half a second on every other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice import clock
from boxoffice.access import service
from boxoffice.access.lookups import CachedLookups, LookupCaches
from boxoffice.cache import TTLCache
from boxoffice.catalog.models import Product
from boxoffice.client_info import ClientInfo
from boxoffice.errors import Forbidden, NotFound, Unauthenticated
from boxoffice.identity.models import AuthSession, Customer, Merchant
from boxoffice.identity.tokens import Principal, decode_claims, principal_of, token_secret
from boxoffice.settings import Settings


class SlowPath(Exception):
    """This request needs what the cached path doesn't check; the full route answers it."""


class AccessChecker:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessions, self.settings = sessions, settings
        self.caches = LookupCaches()
        self._secret: str | None = settings.secret_key
        self._auth_sessions: TTLCache[AuthSession | None] = TTLCache()
        self._customers: TTLCache[Customer | None] = TTLCache()
        self._merchants: TTLCache[Merchant | None] = TTLCache()
        self._products: TTLCache[Product | None] = TTLCache()
        self._decoded: dict[str, dict[str, Any]] = {}

    async def _token_secret(self) -> str:
        if self._secret is None:
            async with self.sessions() as session, session.begin():
                self._secret = await token_secret(session, self.settings)
        return self._secret

    async def _claims(self, token: str) -> dict[str, Any]:
        """Decoded claims, remembered per token: a token's signature never changes, its expiry is checked each time."""
        claims = self._decoded.get(token)
        if claims is None:
            claims = decode_claims(token, await self._token_secret())
            if len(self._decoded) >= 100_000:
                self._decoded.clear()
            self._decoded[token] = claims
        elif claims["exp"] < clock.unix(clock.now()):
            raise Unauthenticated()
        return claims

    async def check(self, token: str, product_id: int, client: ClientInfo, record: service.Recorder) -> Granted:
        """Who the token is, and whether they may watch `product_id` now."""
        claims = await self._claims(token)
        lookups = CachedLookups(self.caches, self.sessions)
        try:
            merchant, customer = await self._customer_principal(claims, lookups)
            product = await self._products.get_or_load(
                (merchant.id, product_id), lambda: lookups.product(merchant.id, product_id), merchant.id
            )
            if product is None:
                raise NotFound("Item not found")
            granted = await service.check_access(lookups, merchant, customer, product, client, record)
        finally:
            await lookups.close()
        return Granted(merchant, customer, granted)

    async def _customer_principal(self, claims: dict[str, Any], lookups: CachedLookups) -> tuple[Merchant, Customer]:
        merchant_id, session_id, account_id = claims["mid"], claims["sid"], claims.get("aid")
        if claims.get("ctx") != ["consumer"] or not isinstance(account_id, int):
            raise Forbidden("This call is for customer tokens")
        if "pid" in claims:
            raise SlowPath()  # profile tokens take the full route, which checks the profile still exists
        # A customer's session is cached under the customer the token names, so revoking it drops the entry.
        auth_session = await self._auth_sessions.get_or_load(
            (merchant_id, session_id), lambda: lookups.auth_session(merchant_id, session_id), merchant_id, account_id
        )
        principal: Principal = principal_of(claims, auth_session)
        if principal.customer_id != account_id:
            raise Unauthenticated()
        customer = await self._customers.get_or_load(
            (merchant_id, account_id), lambda: lookups.customer(merchant_id, account_id), merchant_id, account_id
        )
        merchant = await self._merchants.get_or_load(merchant_id, lambda: lookups.merchant(merchant_id), merchant_id)
        if customer is None or customer.erased_at is not None or merchant is None or not merchant.active:
            raise Unauthenticated()
        return merchant, customer


@dataclass(frozen=True, slots=True)
class Granted:
    merchant: Merchant
    customer: Customer
    access: service.Access
