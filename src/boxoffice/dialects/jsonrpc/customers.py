"""Customers: reading them, registering them, their e-mail and password, and where an address is
(`getLocaleDataFromIp`). Signing them in is `customer_tokens`; the hosted pages' signed links are `customer_urls`."""

from __future__ import annotations

from typing import Any

from boxoffice.dialects.jsonrpc import customer_tokens, customer_urls
from boxoffice.dialects.jsonrpc.calls import Call, Methods
from boxoffice.dialects.jsonrpc.customer_tokens import FACEBOOK, MAX_EMAIL, MAX_PASSWORD
from boxoffice.dialects.jsonrpc.errors import InvalidParams
from boxoffice.dialects.jsonrpc.params import Params
from boxoffice.dialects.jsonrpc.tokens import customer_token
from boxoffice.identity import customer_credentials, customers, recovery
from boxoffice.identity.customers import NewAccount
from boxoffice.identity.models import Customer
from boxoffice.kit import base_url, client_info, clock, currencies, throttle
from boxoffice.kit.geography import country

# The currency shown where an address or a country names none (Cleeng's own default).
FALLBACK_CURRENCY = "USD"


def currency_of(country_code: str | None) -> str | None:
    """The legal tender of a country today (CLDR's), None where none is known."""
    return currencies.of_country(country_code, clock.now().date()) if country_code else None


def customer_object(customer: Customer) -> dict[str, Any]:
    """A customer as `getCustomer` shows it."""
    first, _, last = (customer.full_name or "").partition(" ")
    return {
        "id": str(customer.id),
        "email": customer.email,
        "displayName": customer.full_name or customer.email,
        "firstName": first,
        "lastName": last.strip(),
        "currency": currency_of(customer.country_code),
        "locale": customer.locale,
        "country": customer.country_code,
    }


async def get_customer(call: Call) -> dict[str, Any]:
    return customer_object(await call.customer())


async def get_customer_email(call: Call) -> dict[str, Any]:
    """The address of the customer a token names, which must be the publisher's."""
    await call.publisher()
    return {"email": (await call.customer()).email}


def new_account(data: Params, *, required: bool) -> NewAccount:
    """`customerData`: `email`, `locale`, `country` and `currency` (required to register), and optionally
    `password` (none: a passwordless account), `facebookId`, `registrationDate` and `externalId`. The currency is
    checked but not kept: a customer is shown their country's (`customer_object`)."""
    email = data.text("email", max_length=MAX_EMAIL)
    locale = data.text("locale", required=required, max_length=16) or None
    country_code = data.text("country", required=required, max_length=2) or None
    currency = data.text("currency", required=required, max_length=3) or None
    if currency is not None and not currencies.is_known(currency.upper()):
        raise InvalidParams(f"{data.where}.currency", f"Invalid arguments: {data.where}.currency is not a currency")
    facebook_id = data.optional_text("facebookId", max_length=200)
    return NewAccount(
        email=email,
        password=data.optional_text("password", max_length=MAX_PASSWORD),
        country_code=country_code.upper() if country_code else None,
        locale=locale,
        external_id=data.optional_text("externalId", max_length=200),
        outside_identity=(FACEBOOK, facebook_id) if facebook_id else None,
        registered_at=data.timestamp("registrationDate", required=False),
    )


async def register_customer(call: Call) -> dict[str, Any]:
    """Register a customer with the publisher, signed in at once: code 13 when the address has an account."""
    merchant = await call.publisher()
    account = new_account(call.params.object("customerData"), required=True)
    customer = await customers.open_account(call.session, merchant, account, call.client)
    return await customer_token(call, merchant, customer)


async def update_customer_email(call: Call) -> dict[str, Any]:
    """A new sign-in address for the customer, vouched for by the publisher (code 13 when it is taken)."""
    merchant = await call.publisher()
    email = call.params.text("customerEmail", max_length=MAX_EMAIL)
    new_email = call.params.text("newEmail", max_length=MAX_EMAIL)
    await customers.change_customer_email(call.session, merchant, email, new_email)
    return {"success": True}


async def request_password_reset(call: Call) -> dict[str, Any]:
    """E-mail the customer a reset token and a link to the hosted pages' new-password page; the same answer
    whether or not the address has an account."""
    merchant = await call.publisher()
    email = call.params.text("customerEmail", max_length=MAX_EMAIL)
    # Per account only: the merchant's back end asks for all its customers from its own few addresses.
    await throttle.count(
        call.session, {f"reset:account:{merchant.uuid}:{email.lower()}": call.settings.reset_rate_per_account}
    )
    pages = f"{base_url.of(call.settings.public_url)}/pages/{merchant.uuid}"
    await recovery.request_password_reset(
        call.session, call.settings, merchant, email, link=lambda token, _: f"{pages}/new-password?token={token}"
    )
    return {"success": True}


async def update_customer_password(call: Call) -> dict[str, Any]:
    """A new password with the token a reset e-mail gave (code 16 for a token that is not this customer's)."""
    merchant = await call.publisher()
    email = call.params.text("customerEmail", max_length=MAX_EMAIL)
    token = call.params.text("resetPasswordToken", max_length=200)
    password = call.params.text("newPassword", max_length=MAX_PASSWORD)
    await customer_credentials.reset_password_of(call.session, merchant, email, token, password)
    return {"success": True}


async def get_locale_data_from_ip(call: Call) -> dict[str, Any]:
    """Where an address is: its country, that country's currency, a locale and the address itself."""
    await call.publisher()
    address = client_info.parse_address(call.params.text("ipAddress", max_length=64))
    if address is None:
        raise InvalidParams("ipAddress", "Invalid arguments: ipAddress is not an IP address")
    code = client_info.country_of(str(address)) or ""
    return {
        "country": country(code).alpha2 or "",
        "currency": currency_of(code) or FALLBACK_CURRENCY,
        "locale": f"en_{code or 'US'}",
        "ipAddress": str(address),
    }


METHODS: Methods = (
    {
        "getCustomer": get_customer,
        "getCustomerEmail": get_customer_email,
        "registerCustomer": register_customer,
        "updateCustomerEmail": update_customer_email,
        "requestPasswordReset": request_password_reset,
        "updateCustomerPassword": update_customer_password,
        "getLocaleDataFromIp": get_locale_data_from_ip,
    }
    | customer_tokens.METHODS
    | customer_urls.METHODS
)
