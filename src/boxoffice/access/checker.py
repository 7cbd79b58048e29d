"""The access check as the hot path runs it: the verdict of an earlier identical check, while nothing it rests on
has changed, and otherwise the full check over short-lived caches.

Two layers. `remembered` answers a repeated (token, item) pair without awaiting anything: a dictionary lookup for
the viewer, one for the verdict, and the rules that depend on the request (referrer, country) run again. Anything
it cannot vouch for — a first request, a refusal, a changed scope, a passed expiry — goes to `check`, which reads
through the per-row caches of `boxoffice.access.lookups` and remembers what it granted.

Both layers are keyed to the cache generations of `boxoffice.kit.cache`: a revoked entitlement, a logout or an erased
account stop access at once on the worker that made the change and within about half a second on every other; an
entitlement or session that runs out stops at its expiry, which every request compares with `clock`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from boxoffice.access import service
from boxoffice.access.lookups import CachedLookups, LookupCaches
from boxoffice.access.viewer_reads import ViewerReads
from boxoffice.catalog.models import Product
from boxoffice.identity.models import AuthSession, Customer, Merchant
from boxoffice.identity.tokens import Principal, decode_claims, known_claims, principal_of
from boxoffice.kit import cache, clock
from boxoffice.kit.cache import TTLCache, generations
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import Forbidden, Missing, NotFound, Restricted, Unauthenticated
from boxoffice.kit.settings import Settings
from boxoffice.restrictions import rules
from boxoffice.restrictions.models import CountrySet, RestrictionSettings

MAX_REMEMBERED = 500_000


class SlowPath(Exception):
    """This request needs what the cached path doesn't check; the full route answers it."""


@dataclass(frozen=True, slots=True)
class Granted:
    merchant: Merchant
    customer: Customer
    access: service.Access
    key: tuple[int, int, int]  # (merchant, customer, product) ids, read once rather than through the ORM each time


@dataclass(frozen=True, slots=True)
class _Viewer:
    """A token whose session was found in force: who it is, and until when it may be believed."""

    merchant_id: int
    customer_id: int
    generation: tuple[int, int, int]
    valid_until: datetime  # the earlier of the token's and the session's expiry
    fresh_until: float


@dataclass(frozen=True, slots=True)
class _Verdict:
    """A granted check, with what must be asked again of each request: its time, page and country."""

    granted: Granted
    generation: tuple[int, int, int]
    opens: datetime | None  # the entitlement's window; None where signing in is enough
    closes: datetime | None
    settings: RestrictionSettings
    country_sets: tuple[CountrySet, ...]
    fresh_until: float
    # The age rule is not asked again: once old enough, a viewer stays so until their birth date, their PIN or
    # the merchant's settings change, and each of those changes the generation.


class AccessChecker:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessions, self.settings = sessions, settings
        self.readers: AsyncEngine = sessions.kw["bind"]
        self.caches = LookupCaches()
        self.viewers = ViewerReads(self.readers)
        self._auth_sessions: TTLCache[AuthSession | None] = TTLCache()
        self._customers: TTLCache[Customer | None] = TTLCache()
        self._merchants: TTLCache[Merchant | None] = TTLCache()
        self._products: TTLCache[Product | None] = TTLCache()
        self._decoded: dict[str, dict[str, Any]] = {}
        self._viewers: dict[str, _Viewer] = {}
        self._verdicts: dict[tuple[int, int, int], _Verdict] = {}

    def remembered(
        self, token: str, product_id: int, client: ClientInfo, now: datetime, record: service.Recorder
    ) -> Granted | None:
        """The grant of an earlier check of the same viewer and item, if it still holds for this request; the
        request is logged as a content request. None when only `check` can tell."""
        viewer = self._viewers.get(token)
        if viewer is None:
            return None
        merchant_id, customer_id = viewer.merchant_id, viewer.customer_id
        generation = generations.of(merchant_id, customer_id)
        moment = cache.now()
        if viewer.generation != generation or viewer.fresh_until < moment or viewer.valid_until <= now:
            return None
        verdict = self._verdicts.get((merchant_id, customer_id, product_id))
        if verdict is None or verdict.generation != generation or verdict.fresh_until < moment:
            return None
        if verdict.opens is not None and not (verdict.opens <= now < verdict.closes):  # type: ignore[operator]
            return None
        try:
            rules.check_domain(verdict.settings, client.referrer)
            for country_set in verdict.country_sets:
                rules.check_geo(country_set, client.country_code)
        except Restricted:
            return None  # `check` refuses it, with its reason, and logs the refusal
        record(service.content_request(merchant_id, product_id, customer_id, "granted", client), now)
        return verdict.granted

    async def _claims(self, token: str) -> dict[str, Any]:
        """Decoded claims, remembered per token: a token's signature never changes, its expiry is checked each time."""
        claims = self._decoded.get(token)
        if claims is not None:
            if claims["exp"] < clock.unix(clock.now()):
                raise Unauthenticated()
            return claims
        claims = known_claims(self.readers, self.settings, token)
        if claims is None:
            # The keys must be read: every minute, or for a key this process has not seen.
            async with self.sessions() as session:
                claims = await decode_claims(session, self.settings, token)
        if len(self._decoded) >= MAX_REMEMBERED:
            self._decoded.clear()
        self._decoded[token] = claims
        return claims

    async def check(self, token: str, product_id: int, client: ClientInfo, record: service.Recorder) -> Granted:
        """Who the token is, and whether they may watch `product_id` now; a grant is remembered for `remembered`."""
        try:
            return await self._check(token, product_id, client, record)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            # The readers' pool doesn't ping a connection before lending it: one the server dropped (a restart, a
            # failover) fails at its first statement, is thrown away, and the check is asked once more.
            return await self._check(token, product_id, client, record)

    async def _check(self, token: str, product_id: int, client: ClientInfo, record: service.Recorder) -> Granted:
        claims = await self._claims(token)
        # Read before loading: a change committed while loading leaves what is remembered stale at once.
        generation = generations.of(claims["mid"], claims.get("aid"))
        lookups = CachedLookups(self.caches, self.sessions, self.viewers)
        try:
            await self._read_viewer(claims, product_id, lookups)
            merchant, customer, auth_session = await self._customer_principal(claims, lookups)
            product = await self._products.get_or_load(
                (merchant.id, product_id), lambda: lookups.product(merchant.id, product_id), merchant.id
            )
            if product is None:
                raise NotFound(what=Missing.PRODUCT)
            access = await service.check_access(lookups, merchant, customer, product, client, record)
            granted = Granted(merchant, customer, access, (merchant.id, customer.id, product.id))
            await self._remember(token, claims, auth_session, granted, generation, lookups)
        finally:
            await lookups.close()
        return granted

    async def _read_viewer(self, claims: dict[str, Any], product_id: int, lookups: CachedLookups) -> None:
        """A viewer's first check would read their session, their customer and their entitlement one after the
        other: read what of them is not cached in one statement, and cache it, so the check below finds it there.
        It decides nothing: whatever this cannot read (another kind of token, an unknown product, a session that
        is not the customer's) the check reads and refuses in its own order, as before."""
        merchant_id, session_id, account_id = claims["mid"], claims["sid"], claims.get("aid")
        if claims.get("ctx") != ["consumer"] or not isinstance(account_id, int) or "pid" in claims:
            return
        session_key, customer_key = (merchant_id, session_id), (merchant_id, account_id)
        if self._auth_sessions.has(session_key, merchant_id, account_id) and self._customers.has(
            customer_key, merchant_id, account_id
        ):
            return  # a viewer checking another item: only the entitlement is new, and the check reads it alone
        product = await self._products.get_or_load(
            (merchant_id, product_id), lambda: lookups.product(merchant_id, product_id), merchant_id
        )
        if product is None:
            return
        product_ids = [product.id, *await lookups.packages_containing(merchant_id, product.id)]
        generation = generations.of(merchant_id, account_id)
        found = await lookups.viewer_with_entitlement(merchant_id, session_id, account_id, product_ids)
        if found is None:
            return
        auth_session, customer, entitlement = found
        self._auth_sessions.put(session_key, auth_session, generation)
        self._customers.put(customer_key, customer, generation)
        lookups.keep_entitlement(merchant_id, account_id, product_ids, entitlement, generation)

    async def _remember(
        self,
        token: str,
        claims: dict[str, Any],
        auth_session: AuthSession,
        granted: Granted,
        generation: tuple[int, int, int],
        lookups: CachedLookups,
    ) -> None:
        merchant, customer, access = granted.merchant, granted.customer, granted.access
        if len(self._verdicts) >= MAX_REMEMBERED or len(self._viewers) >= MAX_REMEMBERED:
            self._verdicts.clear()
            self._viewers.clear()
        # Up to a tenth sooner than STALE_AFTER, so that entries loaded together are not all reloaded together.
        fresh_until = cache.now() + cache.STALE_AFTER * random.uniform(0.9, 1.0)
        valid_until = min(auth_session.expires_at, clock.from_unix(claims["exp"]))
        self._viewers[token] = _Viewer(merchant.id, customer.id, generation, valid_until, fresh_until)
        entitlement = access.entitlement
        country_sets = [access.product.country_set_id]
        if entitlement is not None and entitlement.price_id is not None:
            price = await lookups.price(merchant.id, entitlement.price_id)
            country_sets.append(price.country_set_id if price is not None else None)
        sets = [await lookups.country_set(merchant.id, set_id) for set_id in country_sets if set_id]
        self._verdicts[granted.key] = _Verdict(
            granted,
            generation,
            entitlement.starts_at if entitlement is not None else None,
            entitlement.expires_at if entitlement is not None else None,
            await lookups.restriction_settings(merchant.id),
            tuple(found for found in sets if found is not None),
            fresh_until,
        )

    async def _customer_principal(
        self, claims: dict[str, Any], lookups: CachedLookups
    ) -> tuple[Merchant, Customer, AuthSession]:
        merchant_id, session_id, account_id = claims["mid"], claims["sid"], claims.get("aid")
        if "pid" in claims:
            raise SlowPath()  # profile tokens take the full route, which checks the profile still exists
        viewer = account_id if isinstance(account_id, int) else None
        # A customer's session is cached under the customer the token names, so revoking it drops the entry (a
        # merchant's, under the merchant).
        auth_session = await self._auth_sessions.get_or_load(
            (merchant_id, session_id), lambda: lookups.auth_session(merchant_id, session_id), merchant_id, viewer
        )
        # As the route does: a token whose session has ended is signed out, whoever's it is; then only a viewer's
        # token may ask.
        principal: Principal = principal_of(claims, auth_session)
        if claims.get("ctx") != ["consumer"] or viewer is None:
            raise Forbidden("This call is for customer tokens")
        if principal.customer_id != viewer or auth_session is None:
            raise Unauthenticated()
        customer = await self._customers.get_or_load(
            (merchant_id, viewer), lambda: lookups.customer(merchant_id, viewer), merchant_id, viewer
        )
        merchant = await self._merchants.get_or_load(merchant_id, lambda: lookups.merchant(merchant_id), merchant_id)
        if customer is None or customer.erased_at is not None or merchant is None or not merchant.active:
            raise Unauthenticated()
        return merchant, customer, auth_session
