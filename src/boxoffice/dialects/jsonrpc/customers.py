"""Customers: reading them, registering them, and signing them in from the publisher's back end
(`generateCustomerToken…`), with their e-mail, password and the hosted pages' signed links."""

from __future__ import annotations

from typing import Any

from boxoffice.dialects.jsonrpc.calls import Call, Methods
from boxoffice.dialects.jsonrpc.tokens import customer_token
from boxoffice.identity import customers
from boxoffice.identity.models import Customer

MAX_EMAIL = 320


def customer_object(customer: Customer) -> dict[str, Any]:
    """A customer as `getCustomer` shows it."""
    first, _, last = (customer.full_name or "").partition(" ")
    return {
        "id": str(customer.id),
        "email": customer.email,
        "displayName": customer.full_name or customer.email,
        "firstName": first,
        "lastName": last,
        "currency": None,
        "locale": customer.locale,
        "country": customer.country_code,
    }


async def get_customer(call: Call) -> dict[str, Any]:
    return customer_object(await call.customer())


async def generate_customer_token(call: Call) -> dict[str, Any]:
    """A token for the customer with this e-mail: the publisher's back end vouches for them."""
    merchant = await call.publisher()
    email = call.params.text("customerEmail", max_length=MAX_EMAIL)
    customer = await customers.customer_by_email(call.session, merchant, email)
    return await customer_token(call, merchant, customer)


METHODS: Methods = {
    "getCustomer": get_customer,
    "generateCustomerToken": generate_customer_token,
}
