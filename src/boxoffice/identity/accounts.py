"""A customer's own account: registration, reading and changing it, its password, erasure and export."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events import outbox
from boxoffice.identity import events
from boxoffice.identity import repository as repo
from boxoffice.identity.authentication import end_all_sessions
from boxoffice.identity.models import (
    Customer,
    ExternalAccount,
    Favorite,
    LoginRecord,
    Merchant,
    PasswordReset,
    PinCode,
    Profile,
    RegistrationRecord,
    WatchProgress,
)
from boxoffice.identity.register_fields import check_registration
from boxoffice.identity.tokens import Principal
from boxoffice.kit import clock, passwords, validation
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import Conflict, InvalidCredentials, InvalidInput, NotFound, Unauthenticated
from boxoffice.mail.outbox import Attachment, send_email

UNSET: Any = object()


def mail_context(merchant: Merchant, customer: Customer) -> dict[str, Any]:
    return {"brand_name": merchant.full_name, "full_name": customer.full_name, "email": customer.email}


async def register_customer(
    session: AsyncSession,
    merchant: Merchant,
    *,
    email: str | None,
    full_name: str | None,
    password: str | None,
    password_confirmation: str | None,
    metadata: dict[str, object] | None,
    client: ClientInfo,
    source: str = "signup",
    require_name: bool = True,
    register_fields_later: bool = False,
) -> Customer:
    """Sign a viewer up with a merchant. Passwordless when the merchant creates the account itself. Some APIs
    sign up with an e-mail address alone (`require_name=False`), and some have no way to answer the merchant's
    register fields (`register_fields_later`: they are asked afterwards, through capture)."""
    problems = validation.Problems()
    address = validation.email(email, problems)
    name = validation.full_name(full_name, problems, required=require_name)
    if password is not None or source == "signup":
        validation.new_password(password, password_confirmation, problems)
    answers = validation.metadata(metadata, problems)
    fields = await repo.register_fields(session, merchant.id)
    answers = check_registration(fields, answers, problems, later=register_fields_later)
    problems.raise_any()
    if await repo.customer_by_email(session, merchant.id, address):
        raise Conflict("Account already exists")
    customer = Customer(
        merchant_id=merchant.id,
        uuid=str(uuid.uuid4()),
        email=address,
        full_name=name,
        password_hash=await passwords.hash(password) if password else None,
        attributes=answers,
        referrer=(client.referrer or "")[:2000] or None,
        register_source=source,
    )
    session.add(customer)
    await session.flush()
    session.add(
        RegistrationRecord(
            merchant_id=merchant.id,
            customer_id=customer.id,
            registered_at=clock.now(),
            source=source,
            ip_address=client.ip_address,
            country_code=client.country_code,
            device_type=client.device.type,
            device_os=client.device.os,
            device_model=client.device.model,
            referrer=customer.referrer,
        )
    )
    session.add(Profile(merchant_id=merchant.id, customer_id=customer.id, name=name, is_default=True, adult=True))
    await outbox.record(session, events.registered(customer))
    await send_email(session, merchant.id, to=address, template="welcome", context=mail_context(merchant, customer))
    return customer


async def customer_of(session: AsyncSession, principal: Principal) -> Customer:
    """The account a customer token acts for."""
    if principal.customer_id is None:
        raise NotFound("Account not found")
    customer = await repo.customer_by_id(session, principal.merchant_id, principal.customer_id)
    if customer is None or customer.erased_at is not None:
        raise Unauthenticated()
    return customer


@dataclass(frozen=True, slots=True)
class Account:
    """A customer's account as it is shown: with their last sign-in (when, and from what address), None before
    the first."""

    customer: Customer
    last_login: LoginRecord | None


async def account_of(session: AsyncSession, customer: Customer) -> Account:
    return Account(customer, await repo.last_login(session, customer.merchant_id, customer.id))


async def update_account(
    session: AsyncSession,
    customer: Customer,
    *,
    full_name: str | None = None,
    metadata: dict[str, object] | None = None,
    date_of_birth: str | None = UNSET,
) -> Customer:
    problems = validation.Problems()
    name = validation.full_name(full_name, problems, required=True) if full_name is not None else None
    answers = validation.metadata(metadata, problems) if metadata is not None else None
    if answers is not None:
        fields = await repo.register_fields(session, customer.merchant_id)
        answers = check_registration(fields, customer.attributes | answers, problems)
    change_birth = date_of_birth is not UNSET
    birth = validation.birth_date(date_of_birth, problems, clock.now().date()) if change_birth else None
    problems.raise_any()
    changed: list[str] = []
    if name is not None and name != customer.full_name:
        customer.full_name = name
        changed.append("full_name")
    if answers is not None and answers != customer.attributes:
        customer.attributes = answers
        changed.append("metadata")
    if change_birth and birth != customer.date_of_birth:
        customer.date_of_birth = birth
        changed.append("date_of_birth")
    await session.flush()
    if changed:  # the same values sent again change nothing, and so tell of nothing
        await outbox.record(session, events.updated(customer, changed))
    return customer


async def change_password(
    session: AsyncSession,
    customer: Customer,
    *,
    old_password: str | None,
    password: str | None,
    password_confirmation: str | None,
) -> None:
    """A new password ends every session, this one included: whoever knew the old one is signed out."""
    problems = validation.Problems()
    if not old_password:
        problems.add("old_password", "The old password is required")
    validation.new_password(password, password_confirmation, problems)
    problems.raise_any()
    if not await passwords.verify(customer.password_hash, old_password or ""):
        raise InvalidInput({"old_password": "The old password is incorrect"}, "Invalid credentials")
    customer.password_hash = await passwords.hash(password or "")
    await outbox.record(session, events.password_updated(customer, "changed"))
    await end_all_sessions(session, customer, "password_changed")


async def erase_account(session: AsyncSession, merchant: Merchant, customer: Customer, password: str | None) -> None:
    """Remove the person, keep the books: personal data goes, the anonymous account row stays for
    financial records that point at it."""
    if not await passwords.verify(customer.password_hash, password or ""):
        raise InvalidCredentials("Invalid password")
    await forget_customer(session, merchant, customer)


async def forget_customer(session: AsyncSession, merchant: Merchant, customer: Customer) -> None:
    """What erasing an account does, whoever asked for it (the customer, or their merchant on their behalf)."""
    for model in (Favorite, WatchProgress, Profile, ExternalAccount, PinCode, PasswordReset):
        await repo.delete_customer_rows(session, model, merchant.id, customer.id)
    await repo.anonymise_records(session, merchant.id, customer.id)
    await end_all_sessions(session, customer, "account_erased")
    customer.email = f"erased-{customer.uuid}@erased.invalid"
    customer.full_name = ""
    customer.password_hash = None
    customer.attributes = {}
    customer.date_of_birth = None
    customer.referrer = None
    customer.active = False
    customer.erased_at = clock.now()
    await session.flush()
    await outbox.record(session, *events.erased(customer))


async def export_account_data(
    session: AsyncSession, merchant: Merchant, customer: Customer, password: str | None
) -> None:
    """E-mail the customer a JSON archive of everything kept about them."""
    if password and not await passwords.verify(customer.password_hash, password):
        raise InvalidCredentials("Invalid password")
    archive = await account_archive(session, customer)
    await send_email(
        session,
        merchant.id,
        to=customer.email,
        template="data_export",
        context=mail_context(merchant, customer),
        attachments=[
            Attachment("account-data.json", "application/json", json.dumps(archive, indent=2, default=str).encode())
        ],
    )


def _row(obj: object, *fields: str) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


async def account_archive(session: AsyncSession, customer: Customer) -> dict[str, Any]:
    async def rows(model: Any, *fields: str) -> list[dict[str, Any]]:
        found = await repo.customer_rows(session, model, customer.merchant_id, customer.id)
        return [_row(obj, *fields) for obj in found]

    return {
        "account": _row(
            customer,
            "uuid",
            "email",
            "full_name",
            "attributes",
            "date_of_birth",
            "referrer",
            "register_source",
            "created_at",
            "updated_at",
        ),
        "profiles": await rows(Profile, "name", "avatar_url", "is_default", "adult", "created_at"),
        "favorites": await rows(Favorite, "media_id", "created_at"),
        "watch_history": await rows(WatchProgress, "media_id", "progress", "created_at", "updated_at"),
        "logins": await rows(
            LoginRecord,
            "logged_in_at",
            "ip_address",
            "country_code",
            "device_type",
            "device_os",
            "device_model",
            "browser",
            "referrer",
        ),
        "registration": await rows(
            RegistrationRecord,
            "registered_at",
            "source",
            "ip_address",
            "country_code",
            "device_type",
            "device_os",
            "referrer",
        ),
        "external_accounts": await rows(ExternalAccount, "integration", "item_id", "data", "created_at"),
    }
