"""The customer's account: `POST /customers` (register), `GET`/`PATCH /customers/{customerId}`, and the password
reset pair `PUT`/`PATCH /customers/passwords`."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Path
from pydantic import with_config
from typing_extensions import TypedDict

from boxoffice.dialects.cleeng.body import Fields, Shaped, Text, declare
from boxoffice.dialects.mediastore import tokens
from boxoffice.dialects.mediastore.auths import PUBLISHER_ID, SignedIn, signed_in
from boxoffice.dialects.mediastore.deps import AppSettings, Client, CurrentCustomer, Session, own
from boxoffice.dialects.mediastore.envelope import CLOSED, Answer, Nothing, answer
from boxoffice.dialects.mediastore.errors import ALREADY_EXISTS, INVALID_BODY, Refused
from boxoffice.dialects.mediastore.publishers import merchant_of_publisher
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.identity import accounts, app_data, authentication, merchants, recovery
from boxoffice.identity.models import Customer
from boxoffice.kit.errors import Conflict, InvalidCredentials, InvalidInput

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
CustomerId = Path(ge=1, le=2**53)
# The SDK's register form shows this text for an address it must not accept.
BAD_EMAIL = "Email verification failed."
NAME_LENGTH = 100
RESET_PARAMETERS = ("resetPasswordToken", "email")
EMAIL = Text("email", "The customer's e-mail address", max_length=320)
PASSWORD = Text("password", "The new account's password")
FIRST_NAME = Text("firstName", "The customer's first name", max_length=NAME_LENGTH)
LAST_NAME = Text("lastName", "The customer's last name")
EXTERNAL_ID = Text("externalId", "The app's own id for the customer; null clears it")
EXTERNAL_DATA = Shaped(
    "externalData",
    "The app's own data about the customer, kept as it is given; null clears it",
    {"type": ["object", "null"]},
)
COUNTRY = Text("country", "Where the customer lives: an ISO 3166 country code", max_length=3)
LOCALE = Text("locale", "The customer's locale, such as `en_US`", max_length=16)
REGISTER = declare(EMAIL, PASSWORD, PUBLISHER_ID, FIRST_NAME, LAST_NAME, COUNTRY, LOCALE, EXTERNAL_ID, EXTERNAL_DATA)
CUSTOMER_EMAIL = Text("customerEmail", "The address to send the reset link to")
RESET_URL = Text(
    "resetUrl", "A page on one of the publisher's allowed origins that the e-mail links to", max_length=2048
)
REQUEST_RESET = declare(PUBLISHER_ID, CUSTOMER_EMAIL, RESET_URL)
RESET_TOKEN = Text("resetPasswordToken", "The token the reset e-mail gave")
NEW_PASSWORD = Text("newPassword", "The new password")
NEW_PASSWORD_AGAIN = Text("newPasswordConfirmation", "The new password again (the new password when left out)")
RESET = declare(PUBLISHER_ID, RESET_TOKEN, NEW_PASSWORD, NEW_PASSWORD_AGAIN)
CONFIRMATION_PASSWORD = Text("confirmationPassword", "The current password, needed to change the e-mail address")
UPDATE = declare(FIRST_NAME, LAST_NAME, EMAIL, CONFIRMATION_PASSWORD, EXTERNAL_ID, EXTERNAL_DATA)


@with_config(CLOSED)
class CustomerAccount(TypedDict):
    id: int
    email: str
    firstName: str
    lastName: str
    country: str
    regDate: str | None  # "YYYY-MM-DD HH:MM:SS"
    lastLoginDate: str | None
    lastUserIp: str | None
    externalId: str
    externalData: dict[str, Any]


def _names(customer: Customer) -> tuple[str, str]:
    first, _, last = customer.full_name.strip().partition(" ")
    return first, last.strip()


def _when(moment: Any) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _render(account: accounts.Account) -> CustomerAccount:
    customer, login = account.customer, account.last_login
    first, last = _names(customer)
    return {
        "id": customer.id,
        "email": customer.email,
        "firstName": first,
        "lastName": last,
        "country": customer.country_code or "",
        "regDate": _when(customer.created_at),
        "lastLoginDate": _when(login.logged_in_at) if login else None,
        "lastUserIp": login.ip_address if login else None,
        "externalId": customer.external_id or "",
        "externalData": customer.external_data or {},
    }


def _app_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The app's fields the body names (a field it leaves out is left as it is)."""
    fields: dict[str, Any] = {}
    if EXTERNAL_ID.name in body:
        fields["external_id"] = EXTERNAL_ID.read(body)
    if EXTERNAL_DATA.name in body:
        fields["external_data"] = EXTERNAL_DATA.read(body)
    return fields


@router.post("/customers")
async def register(
    session: Session, settings: AppSettings, client: Client, body: Annotated[Fields, Depends(REGISTER)]
) -> Answer[SignedIn]:
    """Register a customer with the publisher, signed in at once: a JWT, a refresh token and the customer's id."""
    merchant = await merchant_of_publisher(session, PUBLISHER_ID.read(body))
    password = PASSWORD.read(body)
    name = " ".join(n for n in (FIRST_NAME.read(body), LAST_NAME.read(body)) if n)
    try:
        customer = await accounts.register_customer(
            session,
            merchant,
            email=EMAIL.read(body),
            full_name=name,
            password=password,
            password_confirmation=password,
            metadata=None,
            client=client,
            require_name=False,
            register_fields_later=True,  # MediaStore's sign-up has no way to send them: capture asks for them
        )
    except InvalidInput as error:
        message = BAD_EMAIL if "email" in error.errors else " ".join(error.errors.values())
        raise Refused(422, message, INVALID_BODY) from None
    except Conflict:
        raise Refused(422, "Customer already exists.", ALREADY_EXISTS) from None
    await app_data.set_app_data(
        session,
        customer,
        country_code=COUNTRY.read(body),
        locale=LOCALE.read(body),
        announce=False,
        **_app_fields(body),
    )
    issued = await authentication.start_session(session, settings, merchant, customer, client, issue=tokens.issue)
    return answer(signed_in(issued, customer.id))


# Before `/customers/{customer_id}`, which would otherwise take `passwords` for an id.
@router.put("/customers/passwords")
async def request_password_reset(
    session: Session, settings: AppSettings, body: Annotated[Fields, Depends(REQUEST_RESET)]
) -> Answer[Nothing]:
    """Send a password-reset e-mail.

    Answers alike whether or not the address has an account. With a `resetUrl` (a page on one of the
    publisher's allowed origins), the e-mail links to it with `resetPasswordToken` and `email`, as Cleeng's does."""
    merchant = await merchant_of_publisher(session, PUBLISHER_ID.read(body))
    page = RESET_URL.read(body) or None  # the SDK sends "" when none is configured
    if page is not None and not merchants.serves_page(merchant, page):
        message = "Invalid param resetUrl: an absolute http(s) URL on one of the publisher's allowed origins"
        raise Refused(422, message, INVALID_BODY)
    link = partial(_reset_link, page) if page else None
    await recovery.request_password_reset(session, settings, merchant, CUSTOMER_EMAIL.read(body) or "", link=link)
    return answer(Nothing())


def _reset_link(page: str, token: str, email: str) -> str:
    """The page, with the token and address in its query (replacing any it had), before any fragment."""
    parts = urlsplit(page)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in RESET_PARAMETERS]
    query = urlencode([*kept, ("resetPasswordToken", token), ("email", email)])
    return urlunsplit(parts._replace(query=query))


@router.patch("/customers/passwords")
async def reset_password(session: Session, body: Annotated[Fields, Depends(RESET)]) -> Answer[Nothing]:
    """Set a new password with the token of a reset e-mail."""
    await merchant_of_publisher(session, PUBLISHER_ID.read(body))
    await recovery.reset_password(
        session,
        RESET_TOKEN.read(body) or "",
        password=NEW_PASSWORD.read(body),
        password_confirmation=NEW_PASSWORD_AGAIN.read(body) or NEW_PASSWORD.read(body),
    )
    return answer(Nothing())


@router.get("/customers/{customer_id}")
async def read_customer(
    session: Session, customer: CurrentCustomer, customer_id: int = CustomerId
) -> Answer[CustomerAccount]:
    """The customer's account: the JWT's own customer only."""
    return answer(_render(await accounts.account_of(session, own(customer, customer_id))))


@router.patch("/customers/{customer_id}")
async def update_customer(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(UPDATE)], customer_id: int = CustomerId
) -> Answer[CustomerAccount]:
    """Change the customer's name, e-mail address (with `confirmationPassword`) or the app's data about them;
    what the body leaves out is left as it is."""
    own(customer, customer_id)
    first, last = _names(customer)
    given_first, given_last = FIRST_NAME.read(body), LAST_NAME.read(body)
    if given_first is not None or given_last is not None:
        name = " ".join(n.strip() for n in (given_first or first, given_last or last) if n and n.strip())
        await accounts.update_account(session, customer, full_name=name or customer.full_name)
    email = EMAIL.read(body)
    if email is not None:
        try:
            await app_data.change_email(session, customer, email=email, password=CONFIRMATION_PASSWORD.read(body))
        except InvalidCredentials:
            raise Refused(422, "Invalid param confirmationPassword", INVALID_BODY) from None
        except InvalidInput as error:
            raise Refused(422, " ".join(error.errors.values()), INVALID_BODY) from None
        except Conflict:
            raise Refused(422, "Customer with this email already exists", ALREADY_EXISTS) from None
    fields = _app_fields(body)
    if fields:
        await app_data.set_app_data(session, customer, **fields)
    return answer(_render(await accounts.account_of(session, customer)))
