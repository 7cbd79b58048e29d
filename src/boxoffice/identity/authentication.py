"""Signing in and out: sessions, their tokens, and the login record each customer sign-in leaves."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.events import outbox
from boxoffice.identity import events
from boxoffice.identity import repository as repo
from boxoffice.identity.merchants import rehash_if_due
from boxoffice.identity.models import AuthSession, Customer, LoginRecord, Merchant
from boxoffice.identity.tokens import IssuedTokens, Issuer, Principal, default_issuer, issue_refresh_token
from boxoffice.kit import clock, passwords, throttle
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import Credential, InvalidCredentials, Unauthenticated
from boxoffice.kit.passwords import digest
from boxoffice.kit.settings import Settings
from boxoffice.restrictions.service import restriction_settings


async def start_session(
    session: AsyncSession,
    settings: Settings,
    merchant: Merchant,
    customer: Customer | None,
    client: ClientInfo,
    *,
    record_login: bool = True,
    issue: Issuer = default_issuer,
) -> IssuedTokens:
    auth_session = AuthSession(
        merchant_id=merchant.id,
        customer_id=customer.id if customer else None,
        ip_address=client.ip_address,
        user_agent=(client.user_agent or "")[:1000] or None,
        expires_at=clock.now() + timedelta(seconds=settings.refresh_token_ttl),
    )
    session.add(auth_session)
    await session.flush()
    if customer is not None and record_login:
        _record_login(session, merchant, customer, client)
        await _enforce_session_limit(session, merchant, customer)
    access, expires = await issue(session, settings, merchant, auth_session, customer)
    return IssuedTokens(access, await issue_refresh_token(session, settings, auth_session), expires)


async def _enforce_session_limit(session: AsyncSession, merchant: Merchant, customer: Customer) -> None:
    """With a merchant's concurrent-session limit, a new sign-in logs the oldest sessions out."""
    limit = (await restriction_settings(session, merchant.id)).max_concurrent_sessions
    if not limit:
        return
    now = clock.now()
    live = await repo.live_sessions(session, merchant.id, customer.id, now)
    ended = live[: max(len(live) - limit, 0)]
    for stale in ended:
        stale.revoked_at, stale.revoked_reason = now, "sessions_limit"
    await session.flush()
    if ended:
        told = events.logged_out(merchant.id, customer.id, "sessions_limit", [s.id for s in ended])
        await outbox.record(session, told)


def _record_login(session: AsyncSession, merchant: Merchant, customer: Customer, client: ClientInfo) -> None:
    session.add(
        LoginRecord(
            merchant_id=merchant.id,
            customer_id=customer.id,
            logged_in_at=clock.now(),
            ip_address=client.ip_address,
            country_code=client.country_code,
            device_type=client.device.type,
            device_os=client.device.os,
            device_model=client.device.model,
            browser=client.device.browser,
            client_id=merchant.uuid,
            referrer=(client.referrer or "")[:2000] or None,
        )
    )


def sign_in_name(typed: str | None) -> str:
    """The account a sign-in names (an e-mail), as both its rate limit and its look-up must read it: the look-up
    ignores case and the blanks around it, so a limit that didn't would let `" name"` try again where `name` may
    no longer."""
    return (typed or "").strip().lower()


async def check_sign_in_rate(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, client_ip: str | None, account: str | None
) -> None:
    """Count a sign-in attempt per address and per account (`merchant:e-mail` of `sign_in_name`, or a client id);
    RateLimited past either limit."""
    await throttle.hit(sessions, sign_in_rates(settings, client_ip, account))


def sign_in_rates(settings: Settings, client_ip: str | None, account: str | None) -> dict[str, str]:
    """The limits a sign-in attempt counts against (see `check_sign_in_rate`)."""
    rates = {f"auth:ip:{client_ip}": settings.auth_rate_per_ip}
    if account:
        rates[f"auth:account:{account}"] = settings.auth_rate_per_account
    return rates


async def sign_in(
    session: AsyncSession,
    settings: Settings,
    merchant: Merchant,
    email: str,
    password: str,
    client: ClientInfo,
    *,
    issue: Issuer = default_issuer,
) -> tuple[IssuedTokens, Customer]:
    """Sign a customer in by the e-mail `sign_in_name` gives and their password."""
    customer = await repo.customer_by_email(session, merchant.id, email)
    if customer is None or customer.erased_at is not None:
        raise InvalidCredentials()
    if not await passwords.verify(customer.password_hash, password):
        raise InvalidCredentials()
    if not customer.active:
        raise InvalidCredentials("Account is deactivated")
    if customer.password_hash and passwords.needs_rehash(customer.password_hash):
        customer.password_hash = await passwords.hash(password)
    return await start_session(session, settings, merchant, customer, client, issue=issue), customer


async def sign_in_to_realm(
    session: AsyncSession, settings: Settings, merchant: Merchant, email: str, password: str, client: ClientInfo
) -> tuple[IssuedTokens, Customer | None]:
    """Sign in under a merchant's client id, whose realm holds its customers and the merchant's own account: as
    the customer, or, when no customer answers to these credentials and the address (as `sign_in_name` gives it)
    is the merchant's own, as the merchant (no customer then)."""
    try:
        return await sign_in(session, settings, merchant, email, password, client)
    except InvalidCredentials:
        if email != merchant.email.lower() or not merchant.active:
            raise
        if not await passwords.verify(merchant.password_hash, password):
            raise
        await rehash_if_due(merchant, password)
    return await start_session(session, settings, merchant, None, client), None


async def refresh_session(
    session: AsyncSession,
    settings: Settings,
    refresh_token: str,
    merchant: Merchant | None,
    *,
    issue: Issuer = default_issuer,
) -> tuple[IssuedTokens, Merchant, Customer | None]:
    """Trade a refresh token for new tokens. Each refresh token works once; a reused one ends its session,
    since only a stolen copy would be presented twice."""
    stored = await repo.refresh_token_by_hash(session, digest(refresh_token)) if refresh_token else None
    if stored is None or (merchant is not None and stored.merchant_id != merchant.id):
        raise Unauthenticated("Invalid refresh token", credential=Credential.REFRESH)
    auth_session = await repo.auth_session(session, stored.merchant_id, stored.session_id)
    now = clock.now()
    if auth_session is None or auth_session.revoked_at is not None or auth_session.expires_at <= now:
        raise Unauthenticated("Invalid refresh token", credential=Credential.REFRESH)
    if stored.used_at is not None:
        reason = "refresh_token_reused"
        auth_session.revoked_at, auth_session.revoked_reason = now, reason
        await session.flush()
        if auth_session.customer_id is not None:  # the viewer's app is told, as of every session Boxoffice ends
            told = events.logged_out(auth_session.merchant_id, auth_session.customer_id, reason, [auth_session.id])
            await outbox.record(session, told)
        refused = Unauthenticated("Invalid refresh token", credential=Credential.REFRESH)
        refused.keep_changes = True
        raise refused
    if stored.expires_at <= now:
        raise Unauthenticated("Invalid refresh token", credential=Credential.REFRESH)
    stored.used_at = now
    # A session in use stays alive: each refresh pushes its end out again.
    auth_session.expires_at = now + timedelta(seconds=settings.refresh_token_ttl)
    owner = await repo.merchant_by_id(session, stored.merchant_id)
    assert owner is not None
    customer = None
    if auth_session.customer_id is not None:
        customer = await repo.customer_by_id(session, owner.id, auth_session.customer_id)
        if customer is None or customer.erased_at is not None or not customer.active:
            raise Unauthenticated("Invalid refresh token", credential=Credential.REFRESH)
    access, expires = await issue(session, settings, owner, auth_session, customer)
    issued = IssuedTokens(access, await issue_refresh_token(session, settings, auth_session), expires)
    return issued, owner, customer


async def sign_out(session: AsyncSession, principal: Principal) -> None:
    auth_session = await repo.auth_session(session, principal.merchant_id, principal.session_id)
    if auth_session is not None and auth_session.revoked_at is None:
        auth_session.revoked_at, auth_session.revoked_reason = clock.now(), "logout"
        await session.flush()


async def end_all_sessions(session: AsyncSession, customer: Customer, reason: str) -> None:
    """Sign the customer out everywhere (a new password, erasure), and tell the apps that were signed in."""
    ended = await repo.revoke_sessions(session, customer.merchant_id, customer.id, reason, clock.now())
    if ended:
        await outbox.record(session, events.logged_out(customer.merchant_id, customer.id, reason, ended))
