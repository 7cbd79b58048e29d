"""A customer's identity with an outside provider (a social network's account id), kept as their link to that
integration, so that the merchant's back end may sign them in by it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import repository as repo
from boxoffice.identity.external_accounts import sync_external_account
from boxoffice.identity.models import Customer, Merchant
from boxoffice.identity.refusals import AccountDeactivated, AccountExists
from boxoffice.kit.errors import InvalidInput, Missing, NotFound

MAX_ACCOUNT_ID = 200


def _account_id(account_id: str) -> str:
    cleaned = account_id.strip()
    if not cleaned or len(cleaned) > MAX_ACCOUNT_ID or not cleaned.isprintable():
        raise InvalidInput({"account_id": "The outside account id is not valid"})
    return cleaned


async def link_outside_identity(
    session: AsyncSession, customer: Customer, provider: str, account_id: str, issuer: str | None = None
) -> None:
    """Record that the customer is `account_id` with `provider` (as `issuer` vouched, for a social sign-in);
    AccountExists when another account of the merchant already is. A link another issuer vouched for is stale
    (the provider was pointed elsewhere since) and gives the id up."""
    cleaned = _account_id(account_id)
    held = await repo.external_account_by_account_id(session, customer.merchant_id, provider, cleaned)
    if held is not None and held.customer_id != customer.id:
        if held.issuer == issuer:
            raise AccountExists("Another account has this outside identity")
        held.account_id, held.issuer = None, None
        await session.flush()
    link = await sync_external_account(session, customer, provider, None)
    link.account_id, link.issuer = cleaned, issuer
    await session.flush()


async def outside_identity_of(
    session: AsyncSession, customer: Customer, provider: str, issuer: str | None = None
) -> str | None:
    """The account id the customer is linked to with `provider`, as `issuer` vouched; None when none is."""
    link = await repo.external_account(session, customer.merchant_id, customer.id, provider)
    return link.account_id if link is not None and link.issuer == issuer else None


async def customer_by_outside_identity(
    session: AsyncSession, merchant: Merchant, provider: str, account_id: str, issuer: str | None = None
) -> Customer:
    """The merchant's customer who is `account_id` with `provider` (as `issuer` vouched): NotFound (CUSTOMER)
    when none is, AccountDeactivated when theirs is deactivated."""
    link = await repo.external_account_by_account_id(session, merchant.id, provider, _account_id(account_id))
    if link is not None and link.issuer != issuer:
        link = None
    customer = await repo.customer_by_id(session, merchant.id, link.customer_id) if link is not None else None
    if customer is None or customer.erased_at is not None:
        raise NotFound("Customer not found", what=Missing.CUSTOMER)
    if not customer.active:
        raise AccountDeactivated()
    return customer


async def outside_identities_of(session: AsyncSession, customer: Customer) -> list[tuple[str, str]]:
    """The outside identities the customer signs in by: (provider, their account id there)."""
    return await repo.outside_identities(session, customer.merchant_id, customer.id)
