"""Signing a viewer in through one of the merchant's identity providers: OpenID Connect's authorization-code
flow with PKCE (RFC 7636), `state` and `nonce`.

`begin_social_sign_in` keeps what the callback must match — the state (hashed), a nonce for the ID token and the
PKCE verifier — for `LIFETIME`, and gives the address to send the viewer to. The state also goes to the viewer's
browser (the dialect sets it in a cookie), so a callback opened in another browser than the one that began the
sign-in — a link an attacker signed in with their own account — finishes nothing.

`finish_social_sign_in` claims the sign-in once (committed at once: a callback counts once, whatever follows),
trades the code for the provider's ID token, verifies it (`id_tokens`) and signs the viewer in to the account the
provider's subject is linked to (as this issuer vouched); else to the account of the same e-mail address, linking
it; else to a new account opened with that address, whose register fields are asked for afterwards. Both of the
last need the provider to have verified the address: an account is never opened or joined on an address its
holder has not proved. The provider is talked to with no transaction open: a slow one holds no connection.
Every refusal names its reason (`SocialRefusal`) and, once the sign-in is known, the app's address to tell it at.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from urllib.parse import urlencode

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.identity import identity_providers, merchants, outside_identities
from boxoffice.identity import repository as repo
from boxoffice.identity.accounts import register_customer
from boxoffice.identity.authentication import start_session
from boxoffice.identity.id_tokens import Expected, Identity, IdTokenRefusal, IdTokenRefused, verify_id_token
from boxoffice.identity.identity_providers import Provider
from boxoffice.identity.models import Customer, Merchant, SocialSignIn
from boxoffice.identity.oidc import Endpoints, OidcClient, ProviderUnavailable
from boxoffice.identity.refusals import AccountDeactivated
from boxoffice.identity.tokens import IssuedTokens
from boxoffice.kit import clock, jobs, validation
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.db import hold, transaction
from boxoffice.kit.errors import DomainError, InvalidInput, NotFound
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings

log = structlog.get_logger(__name__)
LIFETIME = timedelta(minutes=10)
MAX_STATE = 200
MAX_CODE = 4000
SOURCE = "social"


class SocialRefusal(StrEnum):
    UNKNOWN_PROVIDER = "unknown_provider"  # the merchant has no such active provider
    REDIRECT = "redirect"  # the app's address is not on one of the merchant's allowed origins
    UNKNOWN_STATE = "unknown_state"  # no sign-in under way has this state, or it was finished before
    EXPIRED = "expired"  # begun more than LIFETIME ago
    OTHER_BROWSER = "other_browser"  # finished in another browser than the one that began it
    DENIED = "denied"  # the viewer (or the provider) turned the sign-in down, or answered no code
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    ID_TOKEN = "id_token"  # noqa: S105  (a reason, no secret): the provider's ID token proves nothing
    NO_EMAIL = "no_email"  # a new account needs an e-mail address and the provider gave none
    EMAIL_UNVERIFIED = "email_unverified"  # the provider has not verified the address
    ALREADY_LINKED = "already_linked"  # the account of the address is linked to another account at the provider
    ACCOUNT_DEACTIVATED = "account_deactivated"


class SocialSignInRefused(DomainError):
    """A social sign-in that signs no one in. `redirect` is the app's address once the sign-in is known, where
    the dialect tells the app; before that, the refusal is the request's answer."""

    def __init__(self, reason: SocialRefusal, redirect: str | None = None) -> None:
        self.reason, self.redirect = reason, redirect
        super().__init__(reason.value)


@dataclass(frozen=True, slots=True)
class Begun:
    authorization_url: str
    state: str  # for the viewer's browser, which must bring it back
    lifetime: timedelta


@dataclass(frozen=True, slots=True)
class Finished:
    tokens: IssuedTokens
    redirect: str


@dataclass(frozen=True, slots=True)
class _Claimed:
    merchant_id: int
    provider: Provider
    nonce: str
    code_verifier: str
    redirect: str
    expired: bool


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def check_redirect(merchant: Merchant, redirect: str) -> None:
    """The app's address must be on one of the merchant's allowed origins: the tokens go there, so an address an
    attacker chose would hand them the viewer's account."""
    if len(redirect) > 2000 or not merchants.serves_page(merchant, redirect):
        raise SocialSignInRefused(SocialRefusal.REDIRECT)


async def social_sign_in_providers(session: AsyncSession, merchant: Merchant, redirect: str) -> list[str]:
    """The names of the providers the merchant's viewers may sign in with now, and come back to `redirect`."""
    check_redirect(merchant, redirect)
    return [row.name for row in await repo.identity_providers(session, merchant.id) if row.active]


async def begin_social_sign_in(
    sessions: async_sessionmaker[AsyncSession],
    oidc: OidcClient,
    sealer: Sealer,
    merchant_uuid: str,
    provider_name: str,
    redirect: str,
    *,
    callback_url: str,
) -> Begun:
    async with transaction(sessions) as session:
        merchant = await merchants.find_merchant(session, merchant_uuid)
        check_redirect(merchant, redirect)
        row = await repo.identity_provider(session, merchant.id, provider_name)
        if row is None or not row.active:
            raise SocialSignInRefused(SocialRefusal.UNKNOWN_PROVIDER)
        provider = identity_providers.provider_of(row, sealer)
    endpoints = await _endpoints(oidc, provider, redirect)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(24), secrets.token_urlsafe(64)
    now = clock.now()
    async with transaction(sessions) as session:
        session.add(
            SocialSignIn(
                merchant_id=merchant.id,
                state_hash=_hash(state),
                provider_id=provider.id,
                nonce=nonce,
                code_verifier=verifier,
                redirect=redirect,
                created_at=now,
                expires_at=now + LIFETIME,
            )
        )
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": callback_url,
        "scope": provider.scopes,
        "state": state,
        "nonce": nonce,
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
    }
    if provider.form_post:
        query["response_mode"] = "form_post"
    separator = "&" if "?" in endpoints.authorization else "?"
    return Begun(endpoints.authorization + separator + urlencode(query), state, LIFETIME)


async def _endpoints(oidc: OidcClient, provider: Provider, redirect: str) -> Endpoints:
    try:
        return await oidc.endpoints(provider.configured)
    except ProviderUnavailable as exc:
        log.warning("identity provider unavailable", provider=provider.name, reason=str(exc))
        raise SocialSignInRefused(SocialRefusal.PROVIDER_UNAVAILABLE, redirect) from None


async def _claim(sessions: async_sessionmaker[AsyncSession], sealer: Sealer, state: str) -> _Claimed:
    async with transaction(sessions) as session:
        now = clock.now()
        begun = await repo.claim_social_sign_in(session, _hash(state), now)
        if begun is None:
            raise SocialSignInRefused(SocialRefusal.UNKNOWN_STATE)
        merchant = await repo.merchant_by_id(session, begun.merchant_id)
        row = await repo.identity_provider_by_id(session, begun.merchant_id, begun.provider_id)
        if merchant is None or not merchant.active or row is None or not row.active:
            provider = None
        else:
            provider = identity_providers.provider_of(row, sealer)
        claimed = (begun.merchant_id, begun.nonce, begun.code_verifier, begun.redirect, begun.expires_at <= now)
    if provider is None:
        raise SocialSignInRefused(SocialRefusal.UNKNOWN_PROVIDER, claimed[3])
    merchant_id, nonce, verifier, redirect, expired = claimed
    return _Claimed(merchant_id, provider, nonce, verifier, redirect, expired)


async def finish_social_sign_in(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    oidc: OidcClient,
    sealer: Sealer,
    *,
    state: str,
    browser_state: str | None,
    code: str | None,
    error: str | None,
    callback_url: str,
    client: ClientInfo,
) -> Finished:
    if not state or len(state) > MAX_STATE:
        raise SocialSignInRefused(SocialRefusal.UNKNOWN_STATE)
    claimed = await _claim(sessions, sealer, state)
    redirect = claimed.redirect
    if claimed.expired:
        raise SocialSignInRefused(SocialRefusal.EXPIRED, redirect)
    if browser_state is None or not secrets.compare_digest(browser_state.encode(), state.encode()):
        raise SocialSignInRefused(SocialRefusal.OTHER_BROWSER, redirect)
    if error or not code or len(code) > MAX_CODE:
        raise SocialSignInRefused(SocialRefusal.DENIED, redirect)
    identity = await _verified_identity(oidc, claimed, code, callback_url)
    async with transaction(sessions) as session:
        merchant = await repo.merchant_by_id(session, claimed.merchant_id)
        if merchant is None or not merchant.active:
            raise SocialSignInRefused(SocialRefusal.UNKNOWN_PROVIDER, redirect)
        customer = await _customer_for(session, merchant, claimed.provider, identity, client, redirect)
        tokens = await start_session(session, settings, merchant, customer, client)
    return Finished(tokens, redirect)


async def _verified_identity(oidc: OidcClient, claimed: _Claimed, code: str, callback_url: str) -> Identity:
    provider = claimed.provider
    endpoints = await _endpoints(oidc, provider, claimed.redirect)
    try:
        id_token = await oidc.exchange(
            endpoints,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            code=code,
            redirect_uri=callback_url,
            code_verifier=claimed.code_verifier,
        )
        expected = Expected(provider.issuer, provider.client_id, claimed.nonce, await oidc.keys(endpoints.jwks))
        try:
            identity = verify_id_token(id_token, expected)
        except IdTokenRefused as refused:
            if refused.reason is not IdTokenRefusal.UNKNOWN_KEY:
                raise
            # A key published since the set was kept: the provider has rotated its keys.
            fresh = await oidc.keys(endpoints.jwks, fresh=True)
            identity = verify_id_token(id_token, Expected(provider.issuer, provider.client_id, claimed.nonce, fresh))
    except ProviderUnavailable as exc:
        log.warning("identity provider unavailable", provider=provider.name, reason=str(exc))
        raise SocialSignInRefused(SocialRefusal.PROVIDER_UNAVAILABLE, claimed.redirect) from None
    except IdTokenRefused as refused:
        log.warning("id token refused", provider=provider.name, reason=refused.reason.value)
        raise SocialSignInRefused(SocialRefusal.ID_TOKEN, claimed.redirect) from None
    if len(identity.subject) > outside_identities.MAX_ACCOUNT_ID or not identity.subject.isprintable():
        log.warning("id token refused", provider=provider.name, reason="subject")
        raise SocialSignInRefused(SocialRefusal.ID_TOKEN, claimed.redirect)
    return identity


async def _customer_for(
    session: AsyncSession,
    merchant: Merchant,
    provider: Provider,
    identity: Identity,
    client: ClientInfo,
    redirect: str,
) -> Customer:
    # Two sign-ins of one new identity at once would both find no account; one at a time, the second finds the
    # first's.
    await hold(session, "outside identity", merchant.id, provider.name, identity.subject)
    try:
        customer = await outside_identities.customer_by_outside_identity(
            session, merchant, provider.name, identity.subject, provider.issuer
        )
    except AccountDeactivated:
        raise SocialSignInRefused(SocialRefusal.ACCOUNT_DEACTIVATED, redirect) from None
    except NotFound:
        customer = await _customer_by_address(session, merchant, provider, identity, client, redirect)
        await outside_identities.link_outside_identity(
            session, customer, provider.name, identity.subject, provider.issuer
        )
    return customer


async def _customer_by_address(
    session: AsyncSession,
    merchant: Merchant,
    provider: Provider,
    identity: Identity,
    client: ClientInfo,
    redirect: str,
) -> Customer:
    if identity.email is None:
        raise SocialSignInRefused(SocialRefusal.NO_EMAIL, redirect)
    if not identity.email_verified:
        raise SocialSignInRefused(SocialRefusal.EMAIL_UNVERIFIED, redirect)
    await hold(session, "customer email", merchant.id, identity.email.lower())
    customer = await repo.customer_by_email(session, merchant.id, identity.email)
    if customer is not None:
        if customer.erased_at is not None or not customer.active:
            raise SocialSignInRefused(SocialRefusal.ACCOUNT_DEACTIVATED, redirect)
        linked = await outside_identities.outside_identity_of(session, customer, provider.name, provider.issuer)
        if linked is not None and linked != identity.subject:
            raise SocialSignInRefused(SocialRefusal.ALREADY_LINKED, redirect)
        return customer
    try:
        return await register_customer(
            session,
            merchant,
            email=identity.email,
            full_name=(identity.name or "")[: validation.MAX_FULL_NAME],
            password=None,
            password_confirmation=None,
            metadata=None,
            client=client,
            source=SOURCE,
            require_name=False,
            register_fields_later=True,
        )
    except InvalidInput:  # an address the provider has that is no e-mail address here
        raise SocialSignInRefused(SocialRefusal.NO_EMAIL, redirect) from None


@jobs.every(3600, "identity.forget_social_sign_ins")
async def forget_social_sign_ins(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Sign-ins begun and never finished are worth nothing after LIFETIME; they are forgotten a day later."""
    async with transaction(sessions) as session:
        await repo.delete_social_sign_ins_before(session, clock.now() - timedelta(days=1))
