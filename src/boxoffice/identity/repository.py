"""Every identity query. Tenant-owned rows are always looked up with their merchant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity.models import (
    AuthSession,
    Customer,
    ExternalAccount,
    Favorite,
    FeatureFlag,
    IdentityProvider,
    LoginRecord,
    Merchant,
    PasswordReset,
    PinCode,
    Profile,
    RefreshToken,
    RegisterField,
    RegistrationRecord,
    SocialSignIn,
    WatchProgress,
)
from boxoffice.kit.db import page_of

# Looking a merchant up by its public uuid is how every request finds its tenant in the first place.
_CROSS = {"cross_tenant": True}


async def merchant_by_uuid(session: AsyncSession, uuid: str) -> Merchant | None:
    return await session.scalar(select(Merchant).where(Merchant.uuid == uuid))


async def merchant_ids(session: AsyncSession) -> list[int]:
    """Every merchant, for operator tasks that visit each tenant in turn."""
    return list(await session.scalars(select(Merchant.id).order_by(Merchant.id)))


async def merchant_by_publisher_token_digest(session: AsyncSession, digest: str) -> Merchant | None:
    return await session.scalar(select(Merchant).where(Merchant.publisher_token_digest == digest))


async def merchant_by_id(session: AsyncSession, merchant_id: int) -> Merchant | None:
    return await session.scalar(select(Merchant).where(Merchant.id == merchant_id))


async def merchant_by_email(session: AsyncSession, email: str) -> Merchant | None:
    return await session.scalar(select(Merchant).where(func.lower(Merchant.email) == email.lower()))


async def customer_by_email(session: AsyncSession, merchant_id: int, email: str) -> Customer | None:
    return await session.scalar(
        select(Customer).where(Customer.merchant_id == merchant_id, func.lower(Customer.email) == email.lower())
    )


async def customer_by_id(
    session: AsyncSession, merchant_id: int, customer_id: int, *, lock: bool = False
) -> Customer | None:
    """`lock`: read anew and locked until the transaction ends (on PostgreSQL), for a change made from what is read."""
    query = select(Customer).where(Customer.merchant_id == merchant_id, Customer.id == customer_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def customer_emails(session: AsyncSession, merchant_id: int, ids: Sequence[int]) -> dict[int, str]:
    """The e-mail addresses of a page's customers, by id, in one query."""
    rows = await session.execute(
        select(Customer.id, Customer.email).where(Customer.merchant_id == merchant_id, Customer.id.in_(set(ids)))
    )
    return {customer_id: email for customer_id, email in rows.all()}


async def customers_page(
    session: AsyncSession,
    merchant_id: int,
    *,
    search: str | None,
    offset: int,
    limit: int,
    or_id: int | None = None,
) -> tuple[int, Sequence[Customer]]:
    """Customers whose e-mail or name holds `search`, or (given `or_id`) the customer of that id."""
    query = select(Customer).where(Customer.merchant_id == merchant_id, Customer.erased_at.is_(None))
    if search:
        # The search text is literal: `%` and `_` in it are escaped, not wildcards.
        needle = search.lower()
        matches = [
            func.lower(Customer.email).contains(needle, autoescape=True),
            func.lower(Customer.full_name).contains(needle, autoescape=True),
        ]
        if or_id is not None:
            matches.append(Customer.id == or_id)
        query = query.where(or_(*matches))
    return await page_of(session, query.order_by(Customer.id.desc()), offset=offset, limit=limit)


async def auth_session(session: AsyncSession, merchant_id: int, session_id: int) -> AuthSession | None:
    return await session.scalar(
        select(AuthSession).where(AuthSession.merchant_id == merchant_id, AuthSession.id == session_id)
    )


async def refresh_token_by_hash(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    # The hash is unguessable and unique across tenants; the tenant is read off the row it finds.
    query = select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    return await session.scalar(query, execution_options=_CROSS)


async def revoke_sessions(
    session: AsyncSession, merchant_id: int, customer_id: int, reason: str, now: datetime
) -> list[int]:
    """End the customer's sessions still open; the ids of those it ended."""
    ended = await session.scalars(
        update(AuthSession)
        .where(
            AuthSession.merchant_id == merchant_id,
            AuthSession.customer_id == customer_id,
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=now, revoked_reason=reason)
        .returning(AuthSession.id)
    )
    return sorted(ended.all())


async def revoke_merchant_sessions(session: AsyncSession, merchant_id: int, reason: str, now: datetime) -> int:
    """End the merchant's own sessions still open (its API tokens, not its customers'); how many it ended."""
    ended = await session.scalars(
        update(AuthSession)
        .where(
            AuthSession.merchant_id == merchant_id,
            AuthSession.customer_id.is_(None),
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=now, revoked_reason=reason)
        .returning(AuthSession.id)
    )
    return len(ended.all())


async def password_reset_by_hash(session: AsyncSession, token_hash: str) -> PasswordReset | None:
    query = select(PasswordReset).where(PasswordReset.token_hash == token_hash).with_for_update()
    return await session.scalar(query, execution_options=_CROSS)


async def latest_pin(session: AsyncSession, merchant_id: int, customer_id: int) -> PinCode | None:
    return await session.scalar(
        select(PinCode)
        .where(PinCode.merchant_id == merchant_id, PinCode.customer_id == customer_id)
        .order_by(PinCode.id.desc())
        .limit(1)
    )


async def count_pin_attempt(session: AsyncSession, merchant_id: int, pin_id: int, limit: int) -> int | None:
    """One more attempt at a PIN not yet used nor tried `limit` times, counted by the database itself: the count
    with it, or None when the PIN is past that. The row stays locked until the transaction ends."""
    counted = await session.execute(
        update(PinCode)
        .where(
            PinCode.merchant_id == merchant_id,
            PinCode.id == pin_id,
            PinCode.validated_at.is_(None),
            PinCode.attempts < limit,
        )
        .values(attempts=PinCode.attempts + 1)
        .returning(PinCode.attempts)
        .execution_options(synchronize_session=False)
    )
    return counted.scalar_one_or_none()


async def register_fields(session: AsyncSession, merchant_id: int) -> Sequence[RegisterField]:
    rows = await session.scalars(
        select(RegisterField)
        .where(RegisterField.merchant_id == merchant_id)
        .order_by(RegisterField.position, RegisterField.id)
    )
    return rows.all()


async def register_field(session: AsyncSession, merchant_id: int, field_id: int) -> RegisterField | None:
    return await session.scalar(
        select(RegisterField).where(RegisterField.merchant_id == merchant_id, RegisterField.id == field_id)
    )


async def register_field_by_name(session: AsyncSession, merchant_id: int, name: str) -> RegisterField | None:
    return await session.scalar(
        select(RegisterField).where(RegisterField.merchant_id == merchant_id, RegisterField.name == name)
    )


async def profiles(session: AsyncSession, merchant_id: int, customer_id: int) -> Sequence[Profile]:
    rows = await session.scalars(
        select(Profile)
        .where(Profile.merchant_id == merchant_id, Profile.customer_id == customer_id)
        .order_by(Profile.id)
    )
    return rows.all()


async def profile(session: AsyncSession, merchant_id: int, customer_id: int, profile_id: int) -> Profile | None:
    return await session.scalar(
        select(Profile).where(
            Profile.merchant_id == merchant_id, Profile.customer_id == customer_id, Profile.id == profile_id
        )
    )


async def favorite(session: AsyncSession, merchant_id: int, customer_id: int, media_id: str) -> Favorite | None:
    return await session.scalar(
        select(Favorite).where(
            Favorite.merchant_id == merchant_id,
            Favorite.customer_id == customer_id,
            Favorite.media_id == media_id,
        )
    )


async def favorites_after(
    session: AsyncSession, merchant_id: int, customer_id: int, after_id: int | None, limit: int
) -> Sequence[Favorite]:
    query = select(Favorite).where(Favorite.merchant_id == merchant_id, Favorite.customer_id == customer_id)
    if after_id is not None:
        query = query.where(Favorite.id < after_id)
    return (await session.scalars(query.order_by(Favorite.id.desc()).limit(limit))).all()


async def watch_progress(
    session: AsyncSession, merchant_id: int, customer_id: int, media_id: str
) -> WatchProgress | None:
    return await session.scalar(
        select(WatchProgress).where(
            WatchProgress.merchant_id == merchant_id,
            WatchProgress.customer_id == customer_id,
            WatchProgress.media_id == media_id,
        )
    )


async def watch_history_after(
    session: AsyncSession,
    merchant_id: int,
    customer_id: int,
    *,
    finished_from: float | None,
    finished_below: float | None,
    after_id: int | None,
    limit: int,
) -> Sequence[WatchProgress]:
    query = select(WatchProgress).where(
        WatchProgress.merchant_id == merchant_id, WatchProgress.customer_id == customer_id
    )
    if finished_from is not None:
        query = query.where(WatchProgress.progress >= finished_from)
    if finished_below is not None:
        query = query.where(WatchProgress.progress < finished_below)
    if after_id is not None:
        query = query.where(WatchProgress.id < after_id)
    return (await session.scalars(query.order_by(WatchProgress.id.desc()).limit(limit))).all()


async def feature_flags(session: AsyncSession, merchant_id: int) -> Sequence[FeatureFlag]:
    rows = await session.scalars(
        select(FeatureFlag).where(FeatureFlag.merchant_id == merchant_id).order_by(FeatureFlag.name)
    )
    return rows.all()


async def feature_flag(session: AsyncSession, merchant_id: int, name: str) -> FeatureFlag | None:
    return await session.scalar(
        select(FeatureFlag).where(FeatureFlag.merchant_id == merchant_id, FeatureFlag.name == name)
    )


async def external_account(
    session: AsyncSession, merchant_id: int, customer_id: int, integration: str
) -> ExternalAccount | None:
    return await session.scalar(
        select(ExternalAccount).where(
            ExternalAccount.merchant_id == merchant_id,
            ExternalAccount.customer_id == customer_id,
            ExternalAccount.integration == integration,
        )
    )


async def external_account_by_account_id(
    session: AsyncSession, merchant_id: int, integration: str, account_id: str
) -> ExternalAccount | None:
    """The merchant's link to `integration` that names the outside account `account_id`."""
    return await session.scalar(
        select(ExternalAccount).where(
            ExternalAccount.merchant_id == merchant_id,
            ExternalAccount.integration == integration,
            ExternalAccount.account_id == account_id,
        )
    )


async def open_held_session(
    session: AsyncSession, merchant_id: int, session_id: int, held: str, opened: str, now: datetime
) -> int | None:
    """Mark a session held for a sign-in link as opened, once: the customer it was held for, or None when it is
    unknown, already opened or expired (two openings at once: the row's lock lets only one find it still held)."""
    found = await session.scalars(
        update(AuthSession)
        .where(
            AuthSession.merchant_id == merchant_id,
            AuthSession.id == session_id,
            AuthSession.revoked_reason == held,
            AuthSession.expires_at > now,
        )
        .values(revoked_reason=opened)
        .returning(AuthSession.customer_id)
    )
    return found.first()


async def customer_rows(
    session: AsyncSession,
    model: type[LoginRecord]
    | type[RegistrationRecord]
    | type[Favorite]
    | type[WatchProgress]
    | type[Profile]
    | type[ExternalAccount],
    merchant_id: int,
    customer_id: int,
) -> Sequence[object]:
    """Every row of one kind a customer owns: for data exports and erasure."""
    rows = await session.scalars(
        select(model).where(model.merchant_id == merchant_id, model.customer_id == customer_id)
    )
    return rows.all()


async def delete_customer_rows(
    session: AsyncSession,
    model: type[Favorite]
    | type[WatchProgress]
    | type[Profile]
    | type[ExternalAccount]
    | type[PinCode]
    | type[PasswordReset],
    merchant_id: int,
    customer_id: int,
) -> None:
    await session.execute(delete(model).where(model.merchant_id == merchant_id, model.customer_id == customer_id))


async def anonymise_records(session: AsyncSession, merchant_id: int, customer_id: int) -> None:
    """Login and registration records stay for the merchant's statistics, without address or referrer."""
    for model in (LoginRecord, RegistrationRecord):
        await session.execute(
            update(model)
            .where(model.merchant_id == merchant_id, model.customer_id == customer_id)
            .values(ip_address=None, referrer=None)
        )


async def live_sessions(
    session: AsyncSession, merchant_id: int, customer_id: int, now: datetime
) -> Sequence[AuthSession]:
    """A customer's sessions still in force, oldest first."""
    rows = await session.scalars(
        select(AuthSession)
        .where(
            AuthSession.merchant_id == merchant_id,
            AuthSession.customer_id == customer_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now,
        )
        .order_by(AuthSession.created_at, AuthSession.id)
    )
    return rows.all()


async def recent_logins(session: AsyncSession, merchant_id: int, customer_id: int, limit: int) -> Sequence[LoginRecord]:
    """A customer's latest sign-ins, newest first."""
    found = await session.scalars(
        select(LoginRecord)
        .where(LoginRecord.merchant_id == merchant_id, LoginRecord.customer_id == customer_id)
        .order_by(LoginRecord.logged_in_at.desc(), LoginRecord.id.desc())
        .limit(limit)
    )
    return found.all()


async def last_login(session: AsyncSession, merchant_id: int, customer_id: int) -> LoginRecord | None:
    found = await session.scalars(
        select(LoginRecord)
        .where(LoginRecord.merchant_id == merchant_id, LoginRecord.customer_id == customer_id)
        .order_by(LoginRecord.logged_in_at.desc(), LoginRecord.id.desc())
        .limit(1)
    )
    return found.first()


async def allowed_origins_everywhere(session: AsyncSession) -> set[str]:
    """Every active merchant's allowed web origins (the merchants table is no tenant's)."""
    found = await session.scalars(select(Merchant.allowed_origins).where(Merchant.active.is_(True)))
    return {origin for origins in found.all() for origin in origins or ()}


async def identity_providers(session: AsyncSession, merchant_id: int) -> list[IdentityProvider]:
    found = await session.scalars(
        select(IdentityProvider).where(IdentityProvider.merchant_id == merchant_id).order_by(IdentityProvider.name)
    )
    return list(found)


async def identity_provider(session: AsyncSession, merchant_id: int, name: str) -> IdentityProvider | None:
    return await session.scalar(
        select(IdentityProvider).where(IdentityProvider.merchant_id == merchant_id, IdentityProvider.name == name)
    )


async def identity_provider_by_id(session: AsyncSession, merchant_id: int, provider_id: int) -> IdentityProvider | None:
    return await session.scalar(
        select(IdentityProvider).where(IdentityProvider.merchant_id == merchant_id, IdentityProvider.id == provider_id)
    )


async def delete_identity_provider(session: AsyncSession, provider: IdentityProvider) -> None:
    await session.delete(provider)
    await session.flush()


async def claim_social_sign_in(session: AsyncSession, state_hash: str, now: datetime) -> SocialSignIn | None:
    """The sign-in a state names, marked finished by this one claim: None when it is unknown or was claimed
    before (two callbacks at once: the update lets only one find it unfinished)."""
    # The hash is unguessable and unique across tenants; the tenant is read off the row it finds.
    claimed = await session.scalars(
        update(SocialSignIn)
        .where(SocialSignIn.state_hash == state_hash, SocialSignIn.finished_at.is_(None))
        .values(finished_at=now)
        .returning(SocialSignIn.id),
        execution_options=_CROSS,
    )
    found = claimed.first()
    if found is None:
        return None
    return await session.scalar(select(SocialSignIn).where(SocialSignIn.id == found), execution_options=_CROSS)


async def delete_social_sign_ins_before(session: AsyncSession, before: datetime) -> None:
    """Forget sign-ins that expired before `before`, of every merchant (the janitor's sweep)."""
    await session.execute(delete(SocialSignIn).where(SocialSignIn.expires_at < before), execution_options=_CROSS)


async def outside_identities(session: AsyncSession, merchant_id: int, customer_id: int) -> list[tuple[str, str]]:
    """The customer's outside identities: (integration, account id), in the order they were linked."""
    found = await session.execute(
        select(ExternalAccount.integration, ExternalAccount.account_id)
        .where(
            ExternalAccount.merchant_id == merchant_id,
            ExternalAccount.customer_id == customer_id,
            ExternalAccount.account_id.is_not(None),
        )
        .order_by(ExternalAccount.id)
    )
    return [(integration, str(account_id)) for integration, account_id in found.all()]
