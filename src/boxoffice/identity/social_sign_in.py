"""Signing a viewer in through one of the merchant's identity providers: OpenID Connect's authorization-code
flow with PKCE (RFC 7636), `state` and `nonce`.

`begin_social_sign_in` keeps what the callback must match — the state (hashed), a nonce for the ID token and the
PKCE verifier — for `LIFETIME`, and gives the address to send the viewer to. The state also goes to the viewer's
browser (the dialect sets it in a cookie), so a callback opened in another browser than the one that began the
sign-in — a link an attacker signed in with their own account — finishes nothing.

`finish_social_sign_in` claims the sign-in once, trades the code for the provider's ID token, verifies it
(`id_tokens`) and signs the viewer in to the account the provider's subject is linked to; else to the account of
the same e-mail address when the provider has verified it, linking it; else to a new account opened with that
address, whose register fields are asked for afterwards. Every refusal names its reason (`SocialRefusal`) and,
once the sign-in is known, the app's address to tell it at.
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

from boxoffice.identity import identity_providers, merchants
from boxoffice.identity import repository as repo
from boxoffice.identity.accounts import register_customer
from boxoffice.identity.authentication import start_session
from boxoffice.identity.id_tokens import Expected, Identity, IdTokenRefusal, IdTokenRefused, verify_id_token
from boxoffice.identity.models import Customer, IdentityProvider, Merchant, SocialSignIn
from boxoffice.identity.oidc import Endpoints, OidcClient, ProviderUnavailable
from boxoffice.identity.outside_identities import link_outside_identity
from boxoffice.identity.tokens import IssuedTokens
from boxoffice.kit import clock, jobs, validation
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.db import hold
from boxoffice.kit.errors import DomainError, InvalidInput
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings

log = structlog.get_logger(__name__)
LIFETIME = timedelta(minutes=10)
MAX_STATE = 200
SOURCE = "social"


class SocialRefusal(StrEnum):
    UNKNOWN_PROVIDER = "unknown_provider"  # the merchant has no such active provider
    REDIRECT = "redirect"  # the app's address is not on one of the merchant's allowed origins
    UNKNOWN_STATE = "unknown_state"  # no sign-in under way has this state, or it was finished before
    EXPIRED = "expired"  # begun more than LIFETIME ago
    OTHER_BROWSER = "other_browser"  # finished in another browser than the one that began it
    DENIED = "denied"  # the viewer (or the provider) turned the sign-in down
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    ID_TOKEN = "id_token"  # noqa: S105  (a reason, no secret): the provider's ID token proves nothing (`id_token_refusal` says why)
    NO_EMAIL = "no_email"  # a new account needs an e-mail address and the provider gave none
    EMAIL_UNVERIFIED = "email_unverified"  # an account has the address, which the provider has not verified
    ACCOUNT_DEACTIVATED = "account_deactivated"


class SocialSignInRefused(DomainError):
    """A social sign-in that signs no one in. `redirect` is the app's address once the sign-in is known, where
    the dialect tells the app; before that, the refusal is the request's answer."""

    def __init__(
        self,
        reason: SocialRefusal,
        redirect: str | None = None,
        id_token_refusal: IdTokenRefusal | None = None,
    ) -> None:
        self.reason, self.redirect, self.id_token_refusal = reason, redirect, id_token_refusal
        super().__init__(reason.value)


@dataclass(frozen=True, slots=True)
class Begun:
    authorization_url: str
    state: str  # for the viewer's browser, which must bring it back
    lifetime: timedelta


@dataclass(frozen=True, slots=True)
class Finished:
    tokens: IssuedTokens
    merchant: Merchant
    customer: Customer
    redirect: str
    new_account: bool


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


async def social_sign_in_providers(session: AsyncSession, merchant: Merchant, redirect: str) -> list[str]:
    """The names of the providers the merchant's viewers may sign in with now, and come back to `redirect`."""
    check_redirect(merchant, redirect)
    return [row.name for row in await repo.identity_providers(session, merchant.id) if row.active]


async def _active_provider(session: AsyncSession, merchant: Merchant, name: str) -> IdentityProvider:
    provider = await repo.identity_provider(session, merchant.id, name)
    if provider is None or not provider.active:
        raise SocialSignInRefused(SocialRefusal.UNKNOWN_PROVIDER)
    return provider


def check_redirect(merchant: Merchant, redirect: str) -> None:
    """The app's address must be on one of the merchant's allowed origins: the tokens go there, so an address an
    attacker chose would hand them the viewer's account."""
    if len(redirect) > 2000 or not merchants.serves_page(merchant, redirect):
        raise SocialSignInRefused(SocialRefusal.REDIRECT)


async def begin_social_sign_in(
    session: AsyncSession,
    oidc: OidcClient,
    merchant: Merchant,
    provider_name: str,
    redirect: str,
    *,
    callback_url: str,
) -> Begun:
    check_redirect(merchant, redirect)
    provider = await _active_provider(session, merchant, provider_name)
    endpoints = await _endpoints(oidc, provider, redirect)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(24), secrets.token_urlsafe(64)
    now = clock.now()
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
    await session.flush()
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
    if identity_providers.answers_by_form_post(provider):
        query["response_mode"] = "form_post"
    separator = "&" if "?" in endpoints.authorization else "?"
    return Begun(endpoints.authorization + separator + urlencode(query), state, LIFETIME)


async def _endpoints(oidc: OidcClient, provider: IdentityProvider, redirect: str) -> Endpoints:
    try:
        return await oidc.endpoints(identity_providers.configured(provider))
    except ProviderUnavailable as exc:
        log.warning("identity provider unavailable", provider=provider.name, reason=str(exc))
        raise SocialSignInRefused(SocialRefusal.PROVIDER_UNAVAILABLE, redirect) from None


async def finish_social_sign_in(
    session: AsyncSession,
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
    now = clock.now()
    begun = await repo.claim_social_sign_in(session, _hash(state), now)
    if begun is None:
        raise SocialSignInRefused(SocialRefusal.UNKNOWN_STATE)
    redirect = begun.redirect
    if begun.expires_at <= now:
        raise SocialSignInRefused(SocialRefusal.EXPIRED, redirect)
    if browser_state is None or not secrets.compare_digest(browser_state.encode(), state.encode()):
        raise SocialSignInRefused(SocialRefusal.OTHER_BROWSER, redirect)
    if error or not code:
        raise SocialSignInRefused(SocialRefusal.DENIED, redirect)
    merchant = await repo.merchant_by_id(session, begun.merchant_id)
    provider = await repo.identity_provider_by_id(session, begun.merchant_id, begun.provider_id)
    if merchant is None or not merchant.active or provider is None or not provider.active:
        raise SocialSignInRefused(SocialRefusal.UNKNOWN_PROVIDER, redirect)
    secret = sealer.open(provider.client_secret) if provider.client_secret else None
    identity = await _verified_identity(oidc, provider, secret, begun, code, callback_url)
    customer, new_account = await _customer_for(session, merchant, provider.name, identity, client, redirect)
    tokens = await start_session(session, settings, merchant, customer, client)
    return Finished(tokens, merchant, customer, redirect, new_account)


async def _verified_identity(
    oidc: OidcClient,
    provider: IdentityProvider,
    client_secret: str | None,
    begun: SocialSignIn,
    code: str,
    callback_url: str,
) -> Identity:
    endpoints = await _endpoints(oidc, provider, begun.redirect)
    try:
        id_token = await oidc.exchange(
            endpoints,
            client_id=provider.client_id,
            client_secret=client_secret,
            code=code[:2000],
            redirect_uri=callback_url,
            code_verifier=begun.code_verifier,
        )
        expected = Expected(provider.issuer, provider.client_id, begun.nonce, await oidc.keys(endpoints.jwks))
        try:
            return verify_id_token(id_token, expected)
        except IdTokenRefused as refused:
            if refused.reason is not IdTokenRefusal.UNKNOWN_KEY:
                raise
            # A key published since the set was kept: the provider has rotated its keys.
            fresh = await oidc.keys(endpoints.jwks, fresh=True)
            return verify_id_token(id_token, Expected(provider.issuer, provider.client_id, begun.nonce, fresh))
    except ProviderUnavailable as exc:
        log.warning("identity provider unavailable", provider=provider.name, reason=str(exc))
        raise SocialSignInRefused(SocialRefusal.PROVIDER_UNAVAILABLE, begun.redirect) from None
    except IdTokenRefused as refused:
        log.warning("id token refused", provider=provider.name, reason=refused.reason.value)
        raise SocialSignInRefused(SocialRefusal.ID_TOKEN, begun.redirect, refused.reason) from None


async def _customer_for(
    session: AsyncSession,
    merchant: Merchant,
    provider_name: str,
    identity: Identity,
    client: ClientInfo,
    redirect: str,
) -> tuple[Customer, bool]:
    # Two sign-ins of one new identity at once would both find no account; one at a time, the second finds the
    # first's.
    await hold(session, "outside identity", merchant.id, provider_name, identity.subject)
    link = await repo.external_account_by_account_id(session, merchant.id, provider_name, identity.subject)
    customer = await repo.customer_by_id(session, merchant.id, link.customer_id) if link is not None else None
    new_account = False
    if customer is None or customer.erased_at is not None:
        if identity.email is None:
            raise SocialSignInRefused(SocialRefusal.NO_EMAIL, redirect)
        await hold(session, "customer email", merchant.id, identity.email.lower())
        customer = await repo.customer_by_email(session, merchant.id, identity.email)
        if customer is not None and not identity.email_verified:
            raise SocialSignInRefused(SocialRefusal.EMAIL_UNVERIFIED, redirect)
        if customer is None:
            try:
                customer = await register_customer(
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
            new_account = True
        await link_outside_identity(session, customer, provider_name, identity.subject)
    if not customer.active:
        raise SocialSignInRefused(SocialRefusal.ACCOUNT_DEACTIVATED, redirect)
    return customer, new_account


@jobs.every(3600, "identity.forget_social_sign_ins")
async def forget_social_sign_ins(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Sign-ins begun and never finished are worth nothing after LIFETIME; they are forgotten a day later."""
    async with sessions() as session, session.begin():
        await repo.delete_social_sign_ins_before(session, clock.now() - timedelta(days=1))
