"""Age verification by PIN: a six-digit code e-mailed to the account holder, validated once."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import repository as repo
from boxoffice.identity.accounts import mail_context
from boxoffice.identity.models import Customer, Merchant, PinCode
from boxoffice.kit import clock, passwords
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.settings import Settings
from boxoffice.mail.outbox import send_email

MAX_ATTEMPTS = 5


async def send_pin_code(session: AsyncSession, settings: Settings, merchant: Merchant, customer: Customer) -> None:
    pin = f"{secrets.randbelow(1_000_000):06d}"
    session.add(
        PinCode(
            merchant_id=merchant.id,
            customer_id=customer.id,
            code_hash=await passwords.hash(pin),
            expires_at=clock.now() + timedelta(seconds=settings.pin_code_ttl),
        )
    )
    context = mail_context(merchant, customer) | {"pin": pin, "minutes": settings.pin_code_ttl // 60}
    await send_email(session, merchant.id, to=customer.email, template="pin_code", context=context)


async def validate_pin_code(session: AsyncSession, customer: Customer, pin: str | None) -> None:
    if not pin or not pin.strip().isdigit():
        raise InvalidInput({"pin_code": "The PIN code must be digits"})
    latest = await repo.latest_pin(session, customer.merchant_id, customer.id)
    if latest is None or latest.validated_at is not None or latest.expires_at <= clock.now():
        raise InvalidInput({"pin_code": "No valid PIN code was sent; ask for a new one"}, "Invalid PIN code")
    # Counted before the PIN is checked, by one conditional increment in the database: of attempts made at once,
    # no more than MAX_ATTEMPTS get past it, and each waits for the one before it to end (the row stays locked).
    if await repo.count_pin_attempt(session, customer.merchant_id, latest.id, MAX_ATTEMPTS) is None:
        await session.refresh(latest)
        if latest.validated_at is not None:  # by an attempt that ended while this one waited
            raise InvalidInput({"pin_code": "No valid PIN code was sent; ask for a new one"}, "Invalid PIN code")
        raise InvalidInput({"pin_code": "Too many wrong attempts; ask for a new PIN code"}, "Invalid PIN code")
    if not await passwords.verify(latest.code_hash, pin.strip()):
        refused = InvalidInput({"pin_code": "The PIN code is incorrect"}, "Invalid PIN code")
        refused.keep_changes = True  # the failed attempt must count
        raise refused
    latest.validated_at = clock.now()


async def is_age_verified(session: AsyncSession, customer: Customer) -> bool:
    latest = await repo.latest_pin(session, customer.merchant_id, customer.id)
    return latest is not None and latest.validated_at is not None
