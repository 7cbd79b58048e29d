"""What an app keeps on a customer beyond the account itself: where they live and read, its own id for them and
its own JSON about them; and changing the e-mail address the customer signs in with."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events import outbox
from boxoffice.identity import events
from boxoffice.identity import repository as repo
from boxoffice.identity.models import Customer
from boxoffice.kit import passwords, validation
from boxoffice.kit.errors import Conflict, InvalidCredentials
from boxoffice.kit.geography import alpha2_of

UNSET: Any = object()
# The app's JSON, as compact JSON text: enough for an OTT app's watch history and favourites, and what the
# apps built against hosted platforms already keep within.
MAX_EXTERNAL_DATA = 4000
MAX_EXTERNAL_ID = 200


def _external_data(value: object, problems: validation.Problems) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.add("external_data", "The external data is a JSON object")
        return None
    if len(json.dumps(value, separators=(",", ":"), ensure_ascii=False)) > MAX_EXTERNAL_DATA:
        problems.add("external_data", f"The external data may not be longer than {MAX_EXTERNAL_DATA} characters")
    return value


async def set_app_data(
    session: AsyncSession,
    customer: Customer,
    *,
    country_code: str | None = UNSET,
    locale: str | None = UNSET,
    external_id: str | None = UNSET,
    external_data: object = UNSET,
    announce: bool = True,
) -> Customer:
    """Set what is given (None clears it); a bad value refuses the whole change. A change is announced as
    `customer.updated`, except while the account is being made (`announce=False`)."""
    problems = validation.Problems()
    changes: dict[str, Any] = {}
    if country_code is not UNSET:
        code = alpha2_of(country_code) if country_code else None
        if country_code and code is None:
            problems.add("country", "The country is an ISO 3166 code such as GB")
        changes["country_code"] = code
    if locale is not UNSET:
        if locale is not None and (len(locale) > 16 or not locale.replace("_", "").replace("-", "").isalnum()):
            problems.add("locale", "The locale is a language tag such as en_US")
        changes["locale"] = locale or None
    if external_id is not UNSET:
        if external_id is not None and len(external_id) > MAX_EXTERNAL_ID:
            problems.add("external_id", f"The external id may not be longer than {MAX_EXTERNAL_ID} characters")
        changes["external_id"] = external_id or None
    if external_data is not UNSET:
        changes["external_data"] = _external_data(external_data, problems)
    problems.raise_any()
    changed = [name for name, value in changes.items() if getattr(customer, name) != value]
    for name in changed:
        setattr(customer, name, changes[name])
    await session.flush()
    if changed and announce:
        await outbox.record(session, events.updated(customer, changed))
    return customer


async def change_email(session: AsyncSession, customer: Customer, *, email: str | None, password: str | None) -> None:
    """A new sign-in address, confirmed with the customer's password."""
    problems = validation.Problems()
    address = validation.email(email, problems)
    if not password:
        problems.add("current_password", "The password is required to change the e-mail address")
    problems.raise_any()
    if not await passwords.verify(customer.password_hash, password or ""):
        raise InvalidCredentials("The password is not correct")
    if address.lower() == customer.email.lower():
        return
    taken = await repo.customer_by_email(session, customer.merchant_id, address)
    if taken is not None:
        raise Conflict("Another account uses this e-mail address")
    customer.email = address
    await session.flush()
    await outbox.record(session, events.updated(customer, ["email"]))
