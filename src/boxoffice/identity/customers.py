"""A merchant's view of its customers: list, read, create on their behalf, act as one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import repository as repo
from boxoffice.identity.accounts import register_customer
from boxoffice.identity.authentication import start_session
from boxoffice.identity.models import Customer, Merchant
from boxoffice.identity.tokens import IssuedTokens
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import NotFound
from boxoffice.kit.settings import Settings


async def list_customers(
    session: AsyncSession, merchant: Merchant, *, search: str | None, page: int, limit: int
) -> tuple[int, Sequence[Customer]]:
    return await repo.customers_page(session, merchant.id, search=search, offset=page * limit, limit=limit)


async def get_customer(session: AsyncSession, merchant: Merchant, customer_id: int) -> Customer:
    customer = await repo.customer_by_id(session, merchant.id, customer_id)
    if customer is None or customer.erased_at is not None:
        raise NotFound("Customer not found")
    return customer


async def create_customer(
    session: AsyncSession,
    merchant: Merchant,
    *,
    email: str | None,
    full_name: str | None,
    metadata: dict[str, object] | None,
    client: ClientInfo,
) -> Customer:
    """A passwordless account the merchant opens, e.g. for a customer it authenticates itself."""
    return await register_customer(
        session,
        merchant,
        email=email,
        full_name=full_name or email,
        password=None,
        password_confirmation=None,
        metadata=metadata,
        client=client,
        source="merchant",
    )


async def impersonate(
    session: AsyncSession, settings: Settings, merchant: Merchant, customer_id: int, client: ClientInfo
) -> tuple[IssuedTokens, Customer]:
    customer = await get_customer(session, merchant, customer_id)
    # The merchant acting as a customer is not the customer signing in: no login record.
    tokens = await start_session(session, settings, merchant, customer, client, record_login=False)
    return tokens, customer
