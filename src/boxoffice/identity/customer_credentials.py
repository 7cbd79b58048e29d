"""A customer's password as the merchant's back end checks and changes it for them: a sign-in, counted against the
sign-in limits, that tells a deactivated account apart (once the password proved who asks), and a reset whose token
must be one of this merchant's, for the account named."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import authentication, recovery
from boxoffice.identity import repository as repo
from boxoffice.identity.models import Customer, Merchant
from boxoffice.identity.refusals import AccountDeactivated, ResetTokenRefused
from boxoffice.identity.tokens import IssuedTokens, Issuer, default_issuer
from boxoffice.kit import passwords, throttle, validation
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import DomainError, InvalidCredentials, InvalidInput, RateLimited
from boxoffice.kit.passwords import digest
from boxoffice.kit.settings import Settings


async def sign_in_by_password(
    session: AsyncSession,
    settings: Settings,
    merchant: Merchant,
    email: str,
    password: str,
    client: ClientInfo,
    *,
    issue: Issuer = default_issuer,
) -> tuple[IssuedTokens, Customer]:
    """`authentication.sign_in`, counted against the account's sign-in limit in this session's transaction, whose
    refusal keeps the count; AccountDeactivated rather than InvalidCredentials when the password is right but the
    account deactivated. Not against the limit per address: the merchant's back end signs all its customers in
    from its own few, while the account's limit still stops anyone guessing one customer's password."""
    name = authentication.sign_in_name(email)
    account = f"auth:account:{merchant.uuid}:{name}"
    rates = {account: authentication.sign_in_rates(settings, client.ip_address, f"{merchant.uuid}:{name}")[account]}
    try:
        await throttle.count(session, rates)
        return await authentication.sign_in(session, settings, merchant, name, password, client, issue=issue)
    except InvalidCredentials as refused:
        customer = await repo.customer_by_email(session, merchant.id, name)
        if (
            customer is not None
            and customer.erased_at is None
            and not customer.active
            and await passwords.verify(customer.password_hash, password)
        ):
            raise _counted(AccountDeactivated()) from None
        raise _counted(refused) from None
    except RateLimited as refused:
        raise _counted(refused) from None


def _counted(refused: DomainError) -> DomainError:
    refused.keep_changes = True  # the attempt stays counted though the request is refused
    return refused


async def reset_password_of(
    session: AsyncSession, merchant: Merchant, email: str, token: str, password: str | None
) -> None:
    """`recovery.reset_password` for the merchant's customer with this address: ResetTokenRefused for a token that
    is not theirs (another account's or merchant's, unknown, used or expired)."""
    problems = validation.Problems()
    validation.new_password(password, password, problems)
    problems.raise_any()
    reset = await repo.password_reset_by_hash(session, digest(token)) if token else None
    customer = await repo.customer_by_id(session, merchant.id, reset.customer_id) if reset is not None else None
    if reset is None or reset.merchant_id != merchant.id or customer is None:
        raise ResetTokenRefused()
    if customer.email.lower() != email.strip().lower():
        raise ResetTokenRefused()
    try:
        await recovery.reset_password(session, token, password=password, password_confirmation=password)
    except InvalidInput as refused:
        if "token" in refused.errors:
            raise ResetTokenRefused() from None
        raise
