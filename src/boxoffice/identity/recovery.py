"""Forgotten passwords: a single-use token by e-mail, then a new password that ends every session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events import outbox
from boxoffice.identity import events
from boxoffice.identity import repository as repo
from boxoffice.identity.accounts import mail_context
from boxoffice.identity.authentication import end_all_sessions
from boxoffice.identity.models import Merchant, PasswordReset
from boxoffice.kit import clock, passwords, validation
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.passwords import digest, new_token
from boxoffice.kit.settings import Settings
from boxoffice.mail.outbox import send_email

# (token, the account's address) → the address of the page where the customer picks a new password.
ResetLink = Callable[[str, str], str]


async def request_password_reset(
    session: AsyncSession, settings: Settings, merchant: Merchant, email: str, *, link: ResetLink | None = None
) -> None:
    """Answers the same whether or not the account exists, so the call can't be used to probe for accounts. With
    `link`, the e-mail leads to the page it makes (which the caller checked is the merchant's: see
    merchants.serves_page) as well as giving the token."""
    problems = validation.Problems()
    address = validation.email(email, problems)
    problems.raise_any()
    customer = await repo.customer_by_email(session, merchant.id, address)
    if customer is None or customer.erased_at is not None or not customer.active:
        return
    token = new_token()
    session.add(
        PasswordReset(
            merchant_id=merchant.id,
            customer_id=customer.id,
            token_hash=digest(token),
            expires_at=clock.now() + timedelta(seconds=settings.password_reset_ttl),
        )
    )
    context = mail_context(merchant, customer) | {
        "token": token,
        "minutes": settings.password_reset_ttl // 60,
        "link": link(token, customer.email) if link else None,
    }
    await send_email(session, merchant.id, to=customer.email, template="password_reset", context=context)
    await outbox.record(session, events.password_reset_requested(customer))


async def reset_password(
    session: AsyncSession, token: str, *, password: str | None, password_confirmation: str | None
) -> None:
    problems = validation.Problems()
    validation.new_password(password, password_confirmation, problems)
    problems.raise_any()
    reset = await repo.password_reset_by_hash(session, digest(token)) if token else None
    if reset is None or reset.used_at is not None or reset.expires_at <= clock.now():
        raise InvalidInput({"token": "The reset token is invalid or has expired"}, "Invalid or expired token")
    customer = await repo.customer_by_id(session, reset.merchant_id, reset.customer_id)
    if customer is None or customer.erased_at is not None:
        raise InvalidInput({"token": "The reset token is invalid or has expired"}, "Invalid or expired token")
    reset.used_at = clock.now()
    customer.password_hash = await passwords.hash(password or "")
    await outbox.record(session, events.password_updated(customer, "reset"))
    await end_all_sessions(session, customer, "password_reset")
