"""The customer's account: `POST /customers` (register), `GET`/`PATCH /customers/{customerId}`, and the password
reset pair `PUT`/`PATCH /customers/passwords`."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Path

from boxoffice.dialects.mediastore import tokens
from boxoffice.dialects.mediastore.auths import tokens_of
from boxoffice.dialects.mediastore.body import number, string
from boxoffice.dialects.mediastore.deps import AppSettings, Body, Client, CurrentCustomer, Session, own
from boxoffice.dialects.mediastore.envelope import answer
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


def _names(customer: Customer) -> tuple[str, str]:
    first, _, last = customer.full_name.strip().partition(" ")
    return first, last.strip()


def _when(moment: Any) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _render(account: accounts.Account) -> dict[str, Any]:
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
    if "externalId" in body:
        fields["external_id"] = string(body, "externalId")
    if "externalData" in body:
        fields["external_data"] = body["externalData"]
    return fields


@router.post("/customers")
async def register(session: Session, settings: AppSettings, client: Client, body: Body) -> Any:
    merchant = await merchant_of_publisher(session, number(body, "publisherId"))
    password = string(body, "password")
    name = " ".join(n for n in (string(body, "firstName", max_length=NAME_LENGTH), string(body, "lastName")) if n)
    try:
        customer = await accounts.register_customer(
            session,
            merchant,
            email=string(body, "email", max_length=320),
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
        country_code=string(body, "country", max_length=3),
        locale=string(body, "locale", max_length=16),
        announce=False,
        **_app_fields(body),
    )
    issued = await authentication.start_session(session, settings, merchant, customer, client, issue=tokens.issue)
    return answer(tokens_of(issued) | {"customerId": customer.id})


# Before `/customers/{customer_id}`, which would otherwise take `passwords` for an id.
@router.put("/customers/passwords")
async def request_password_reset(session: Session, settings: AppSettings, body: Body) -> Any:
    """Answers alike whether or not the address has an account. With a `resetUrl` (a page on one of the
    publisher's allowed origins), the e-mail links to it with `resetPasswordToken` and `email`, as Cleeng's does."""
    merchant = await merchant_of_publisher(session, number(body, "publisherId"))
    page = string(body, "resetUrl", max_length=2048) or None  # the SDK sends "" when none is configured
    if page is not None and not merchants.serves_page(merchant, page):
        message = "Invalid param resetUrl: an absolute http(s) URL on one of the publisher's allowed origins"
        raise Refused(422, message, INVALID_BODY)
    link = partial(_reset_link, page) if page else None
    await recovery.request_password_reset(session, settings, merchant, string(body, "customerEmail") or "", link=link)
    return answer({})


def _reset_link(page: str, token: str, email: str) -> str:
    """The page, with the token and address in its query (replacing any it had), before any fragment."""
    parts = urlsplit(page)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in RESET_PARAMETERS]
    query = urlencode([*kept, ("resetPasswordToken", token), ("email", email)])
    return urlunsplit(parts._replace(query=query))


@router.patch("/customers/passwords")
async def reset_password(session: Session, body: Body) -> Any:
    await merchant_of_publisher(session, number(body, "publisherId"))
    await recovery.reset_password(
        session,
        string(body, "resetPasswordToken") or "",
        password=string(body, "newPassword"),
        password_confirmation=string(body, "newPasswordConfirmation") or string(body, "newPassword"),
    )
    return answer({})


@router.get("/customers/{customer_id}")
async def read_customer(session: Session, customer: CurrentCustomer, customer_id: int = CustomerId) -> Any:
    return answer(_render(await accounts.account_of(session, own(customer, customer_id))))


@router.patch("/customers/{customer_id}")
async def update_customer(
    session: Session, customer: CurrentCustomer, body: Body, customer_id: int = CustomerId
) -> Any:
    own(customer, customer_id)
    first, last = _names(customer)
    given_first, given_last = string(body, "firstName", max_length=NAME_LENGTH), string(body, "lastName")
    if given_first is not None or given_last is not None:
        name = " ".join(n.strip() for n in (given_first or first, given_last or last) if n and n.strip())
        await accounts.update_account(session, customer, full_name=name or customer.full_name)
    email = string(body, "email", max_length=320)
    if email is not None:
        try:
            await app_data.change_email(session, customer, email=email, password=string(body, "confirmationPassword"))
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
