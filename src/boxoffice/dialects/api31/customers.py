"""Customers as the publisher's back end manages them: `GET`/`PATCH`/`DELETE /customers/{customerId}` and
`POST /customers/request_password_reset`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Request
from typing_extensions import TypedDict

from boxoffice.billing import erasure
from boxoffice.dialects.api31.answers import Answer, Done, Wrapped, envelope, require_match, tagged, wrapped
from boxoffice.dialects.api31.deps import AppSettings, Id, Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.cleeng.body import Fields, Shaped, Text, WebAddress, Whole, declare
from boxoffice.identity import accounts, customers, recovery
from boxoffice.identity.customers import CustomerChange
from boxoffice.kit import clock, currencies

router = APIRouter(route_class=Api31Route, tags=["api31"])

FIRST_NAME = Text("firstName", "The customer's first name", max_length=100)
LAST_NAME = Text("lastName", "The customer's last name", max_length=150)
EMAIL = Text("email", "The address the customer signs in with", max_length=320)
COUNTRY = Text("country", "Where the customer lives: an ISO 3166 alpha-2 code", max_length=2)
CURRENCY = Text("currency", "An ISO 4217 code, checked: a customer is shown their country's", max_length=3)
LOCALE = Text("locale", "The customer's locale, such as `en_US`", max_length=16)
EXTERNAL_ID = Text("externalId", "The publisher's own id for the customer", max_length=200)
EXTERNAL_DATA = Shaped("externalData", "The publisher's own JSON about the customer", {"type": ["object", "null"]})
UPDATE = declare(FIRST_NAME, LAST_NAME, EMAIL, COUNTRY, CURRENCY, LOCALE, EXTERNAL_ID, EXTERNAL_DATA)
RESET_URL = WebAddress("resetUrl", "The publisher's page the e-mail links to, given the token", required=True)
CUSTOMER_ID = Whole("customerId", "The customer's id (or `customerEmail`)")
CUSTOMER_EMAIL = Text("customerEmail", "The customer's address (or `customerId`)", max_length=320)
REQUEST_RESET = declare(RESET_URL, CUSTOMER_ID, CUSTOMER_EMAIL)
RESET_PARAMETERS = ("resetPasswordToken", "email")


class CustomerData(TypedDict):
    id: int
    email: str
    firstName: str
    lastName: str
    country: str | None
    currency: str | None
    locale: str | None
    regDate: str
    lastLoginDate: str | None
    lastUserIp: str | None
    externalId: str | None
    externalData: dict[str, Any] | None


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _render(account: accounts.Account) -> CustomerData:
    customer, login = account.customer, account.last_login
    first, _, last = customer.full_name.strip().partition(" ")
    return {
        "id": customer.id,
        "email": customer.email,
        "firstName": first,
        "lastName": last.strip(),
        "country": customer.country_code,
        "currency": currencies.of_country(customer.country_code, clock.now().date()) if customer.country_code else None,
        "locale": customer.locale,
        "regDate": _when(customer.created_at) or "",
        "lastLoginDate": _when(login.logged_in_at) if login else None,
        "lastUserIp": login.ip_address if login else None,
        "externalId": customer.external_id,
        "externalData": customer.external_data,
    }


async def _current(
    session: Session, publisher: Publisher, customer_id: int, *, to_change: bool = False
) -> CustomerData:
    customer = await customers.get_customer(session, publisher, customer_id, to_change=to_change)
    return _render(await accounts.account_of(session, customer))


@router.get("/customers/{customer_id}")
async def read_customer(
    request: Request, session: Session, publisher: Publisher, customer_id: Id
) -> Answer[Wrapped[CustomerData]]:
    """A customer of the publisher, with an `ETag` for a conditional `PATCH` (`If-Match`)."""
    return tagged(request, envelope(await _current(session, publisher, customer_id)))


def _change(body: Fields) -> CustomerChange:
    currency = CURRENCY.read(body)
    if currency is not None and not currencies.is_known(currency.upper()):
        raise Refused(422, "currency is not an ISO 4217 currency code")
    data = EXTERNAL_DATA.read(body)
    if data is not None and not isinstance(data, dict):
        raise Refused(400, "Invalid parameter externalData: an object")
    return CustomerChange(
        first_name=FIRST_NAME.read(body),
        last_name=LAST_NAME.read(body),
        email=EMAIL.read(body),
        country_code=COUNTRY.read(body),
        locale=LOCALE.read(body),
        external_id=EXTERNAL_ID.read(body),
        external_data=data,
    )


@router.patch("/customers/{customer_id}")
async def update_customer(
    request: Request,
    session: Session,
    publisher: Publisher,
    body: Annotated[Fields, Depends(UPDATE)],
    customer_id: Id,
) -> Answer[Wrapped[CustomerData]]:
    """Change a customer's name, address, country, locale or the publisher's data about them; what the body leaves
    out (or sends as null) is left as it is. With `If-Match`, only if the customer is as last read (else 412)."""
    change = _change(body)

    async def current() -> Wrapped[CustomerData]:
        return envelope(await _current(session, publisher, customer_id, to_change=True))

    await require_match(request, session, ("customer", customer_id), current)
    await customers.change_customer(session, publisher, customer_id, change)
    return tagged(request, envelope(await _current(session, publisher, customer_id)))


@router.delete("/customers/{customer_id}")
async def delete_customer(session: Session, publisher: Publisher, customer_id: Id) -> Answer[Wrapped[Done]]:
    """Erase a customer's personal data (the books stay); each subscription still charging is cancelled at the end
    of its period."""
    customer = await customers.get_customer(session, publisher, customer_id)
    await erasure.erase_customer(session, publisher, customer_id, confirmation=customer.email)
    return wrapped(Done(), "Customer deleted")


@router.post("/customers/request_password_reset")
async def request_password_reset(
    session: Session, settings: AppSettings, publisher: Publisher, body: Annotated[Fields, Depends(REQUEST_RESET)]
) -> Answer[Wrapped[Done]]:
    """E-mail a customer a link to the publisher's `resetUrl` carrying `resetPasswordToken` and `email`; the
    customer is named by `customerId` (404 when it is none of the publisher's) or `customerEmail`."""
    page = RESET_URL.given(body)
    customer_id, email = CUSTOMER_ID.read(body), CUSTOMER_EMAIL.read(body)
    if customer_id is None and not email:
        raise Refused(422, "customerId or customerEmail is required")
    if customer_id is not None:
        email = (await customers.get_customer(session, publisher, customer_id)).email
    await recovery.request_password_reset(
        session, settings, publisher, email or "", link=lambda token, address: _reset_link(page, token, address)
    )
    return wrapped(Done(), "Password reset requested")


def _reset_link(page: str, token: str, email: str) -> str:
    """The page, with the token and address in its query (replacing any it had), before any fragment."""
    parts = urlsplit(page)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in RESET_PARAMETERS]
    return urlunsplit(parts._replace(query=urlencode([*kept, ("resetPasswordToken", token), ("email", email)])))
