"""A merchant's view of its customers: list, read, create on their behalf, act as one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events import outbox
from boxoffice.identity import events
from boxoffice.identity import repository as repo
from boxoffice.identity.accounts import forget_customer, register_customer
from boxoffice.identity.app_data import set_app_data
from boxoffice.identity.authentication import start_session
from boxoffice.identity.models import AuthSession, Customer, LoginRecord, Merchant
from boxoffice.identity.outside_identities import link_outside_identity
from boxoffice.identity.refusals import AccountDeactivated, AccountExists
from boxoffice.identity.tokens import IssuedTokens, Issuer, default_issuer
from boxoffice.kit import clock, validation
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import Conflict, InvalidInput, Missing, NotFound
from boxoffice.kit.settings import Settings
from boxoffice.kit.validation import whole_number


async def list_customers(
    session: AsyncSession, merchant: Merchant, *, search: str | None, page: int, limit: int
) -> tuple[int, Sequence[Customer]]:
    return await repo.customers_page(session, merchant.id, search=search, offset=page * limit, limit=limit)


async def find_customers(
    session: AsyncSession, merchant: Merchant, text: str, *, page: int, limit: int
) -> tuple[int, Sequence[Customer]]:
    """The merchant's customers whose e-mail or name holds `text`, or whose id it is, newest first."""
    needle = text.replace("\x00", "").strip()[:200]  # no column holds a NUL: the database refuses to read one
    return await repo.customers_page(
        session,
        merchant.id,
        search=needle or None,
        offset=max(page, 0) * limit,
        limit=limit,
        or_id=whole_number(needle),
    )


@dataclass(frozen=True, slots=True)
class Activity:
    """How a customer comes in: their sessions still in force (oldest first), their latest sign-ins."""

    sessions: Sequence[AuthSession]
    logins: Sequence[LoginRecord]


async def activity_of(session: AsyncSession, merchant: Merchant, customer: Customer, *, logins: int) -> Activity:
    return Activity(
        await repo.live_sessions(session, merchant.id, customer.id, clock.now()),
        await repo.recent_logins(session, merchant.id, customer.id, logins),
    )


async def erase_customer(
    session: AsyncSession, merchant: Merchant, customer_id: int, *, confirmation: str | None
) -> Customer:
    """The merchant erases a customer's personal data on their behalf (the books stay). `confirmation` is the
    customer's e-mail address typed again: an erasure can't be undone, so none is made by a slip of the mouse."""
    customer = await get_customer(session, merchant, customer_id)
    if (confirmation or "").strip().lower() != customer.email.lower():
        raise InvalidInput({"confirmation": "Type the customer's e-mail address exactly to confirm the erasure"})
    await forget_customer(session, merchant, customer)
    return customer


async def get_customer(
    session: AsyncSession, merchant: Merchant, customer_id: int, *, to_change: bool = False
) -> Customer:
    """The merchant's customer; `to_change`: as it is now, and no other transaction changes it until this ends."""
    customer = await repo.customer_by_id(session, merchant.id, customer_id, lock=to_change)
    if customer is None or customer.erased_at is not None:
        raise NotFound("Customer not found", what=Missing.CUSTOMER)
    return customer


async def customer_to_sign_in(session: AsyncSession, merchant: Merchant, email: str) -> Customer:
    """The customer `customer_by_email` finds, to be signed in on the merchant's word: AccountDeactivated when
    their account is deactivated."""
    customer = await customer_by_email(session, merchant, email)
    if not customer.active:
        raise AccountDeactivated()
    return customer


async def customer_by_email(session: AsyncSession, merchant: Merchant, email: str) -> Customer:
    """The merchant's customer with this address (in any case); NotFound (CUSTOMER) when it has none."""
    customer = await repo.customer_by_email(session, merchant.id, email.strip()) if email.strip() else None
    if customer is None or customer.erased_at is not None:
        raise NotFound("Customer not found", what=Missing.CUSTOMER)
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


@dataclass(frozen=True, slots=True)
class NewAccount:
    """An account the merchant's back end opens for a customer: a password only when the customer chose one, and
    an outside identity (provider, account id) to sign in by instead."""

    email: str
    password: str | None = None
    country_code: str | None = None
    locale: str | None = None
    external_id: str | None = None
    outside_identity: tuple[str, str] | None = None
    registered_at: datetime | None = None  # when another platform had registered them, if it did


async def open_account(session: AsyncSession, merchant: Merchant, account: NewAccount, client: ClientInfo) -> Customer:
    """Open an account on the customer's behalf; AccountExists when the address is taken."""
    try:
        customer = await register_customer(
            session,
            merchant,
            email=account.email,
            full_name=None,
            password=account.password,
            password_confirmation=account.password,
            metadata=None,
            client=client,
            source="merchant",
            require_name=False,
            register_fields_later=True,  # nothing answers them here: capture asks for them afterwards
        )
    except Conflict as taken:
        raise AccountExists() from taken
    await set_app_data(
        session,
        customer,
        country_code=account.country_code,
        locale=account.locale,
        external_id=account.external_id,
        announce=False,
    )
    if account.outside_identity is not None:
        await link_outside_identity(session, customer, *account.outside_identity)
    if account.registered_at is not None and account.registered_at <= clock.now():
        customer.created_at = account.registered_at
        await session.flush()
    return customer


async def customer_or_new(
    session: AsyncSession, merchant: Merchant, account: NewAccount, client: ClientInfo
) -> Customer:
    """The merchant's customer with this address, the account opened first when there is none."""
    found = await repo.customer_by_email(session, merchant.id, account.email.strip()) if account.email.strip() else None
    if found is not None and found.erased_at is None:
        return found
    return await open_account(session, merchant, account, client)


async def change_customer_email(session: AsyncSession, merchant: Merchant, email: str, new_email: str) -> Customer:
    """The merchant changes a customer's sign-in address, vouching for the customer (no password asked);
    AccountExists when another account has it."""
    customer = await customer_by_email(session, merchant, email)
    problems = validation.Problems()
    address = validation.email(new_email, problems)
    problems.raise_any()
    if address.lower() == customer.email.lower():
        return customer
    if await repo.customer_by_email(session, merchant.id, address) is not None:
        raise AccountExists("Another account uses this e-mail address")
    customer.email = address
    await session.flush()
    await outbox.record(session, events.updated(customer, ["email"]))
    return customer


async def impersonate(
    session: AsyncSession, settings: Settings, merchant: Merchant, customer_id: int, client: ClientInfo
) -> tuple[IssuedTokens, Customer]:
    customer = await get_customer(session, merchant, customer_id)
    # The merchant acting as a customer is not the customer signing in: no login record.
    tokens = await start_session(session, settings, merchant, customer, client, record_login=False)
    return tokens, customer


@dataclass(frozen=True, slots=True)
class CustomerChange:
    """What a merchant's back end changes of a customer; a field left None is left as it is (`external_id` and
    `external_data` are cleared by `clear`)."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    country_code: str | None = None
    locale: str | None = None
    external_id: str | None = None
    external_data: dict[str, object] | None = None
    clear: frozenset[str] = frozenset()


async def change_customer(
    session: AsyncSession, merchant: Merchant, customer_id: int, change: CustomerChange
) -> Customer:
    """The merchant changes its customer's name, sign-in address, country, locale or the app's data about them, on
    the customer's behalf (no password asked); a bad value refuses the whole change."""
    customer = await get_customer(session, merchant, customer_id)
    if change.first_name is not None or change.last_name is not None:
        first, _, last = customer.full_name.strip().partition(" ")
        parts = (
            first if change.first_name is None else change.first_name,
            last if change.last_name is None else change.last_name,
        )
        problems = validation.Problems()
        customer.full_name = validation.full_name(
            " ".join(p.strip() for p in parts if p.strip()), problems, required=False
        )
        problems.raise_any()
    if change.email is not None:
        await change_customer_email(session, merchant, customer.email, change.email)
    app_data: dict[str, Any] = {}
    for name in ("country_code", "locale", "external_id", "external_data"):
        value = getattr(change, name)
        if value is not None or name in change.clear:
            app_data[name] = value
    if app_data or change.first_name is not None or change.last_name is not None:
        await set_app_data(session, customer, **app_data)  # announces the change as `customer.updated`
    return customer


async def sign_in_on_publishers_word(
    session: AsyncSession,
    settings: Settings,
    merchant: Merchant,
    email: str,
    client: ClientInfo,
    *,
    issue: Issuer = default_issuer,
) -> IssuedTokens:
    """A new session for the merchant's customer with this address, whom the merchant's back end has signed in
    itself (single sign-on): NotFound (CUSTOMER) for an address no customer has, AccountDeactivated for a
    deactivated account."""
    customer = await customer_to_sign_in(session, merchant, email)
    return await start_session(session, settings, merchant, customer, client, issue=issue)
