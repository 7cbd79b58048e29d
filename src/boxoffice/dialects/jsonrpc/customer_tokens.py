"""Signing a customer in from the publisher's back end: a customer token (`tokens.customer_token`) for the customer
with an e-mail address (the back end vouches for them), a password, a Facebook account or a transaction."""

from __future__ import annotations

from typing import Any

from boxoffice.billing.payers import payer_of
from boxoffice.dialects.cleeng.transactions import payment_id_of
from boxoffice.dialects.jsonrpc.calls import Call, Methods
from boxoffice.dialects.jsonrpc.errors import InvalidParams
from boxoffice.dialects.jsonrpc.tokens import customer_token, issue, token_of
from boxoffice.identity import authentication, customer_credentials, customers, outside_identities

MAX_EMAIL = 320
MAX_PASSWORD = 200
# The outside provider a Facebook account id is kept under.
FACEBOOK = "facebook"


async def generate_customer_token(call: Call) -> dict[str, Any]:
    """A token for the customer with this e-mail: the publisher's back end vouches for them."""
    merchant = await call.publisher()
    email = call.params.text("customerEmail", max_length=MAX_EMAIL)
    customer = await customers.customer_to_sign_in(call.session, merchant, email)
    return await customer_token(call, merchant, customer)


async def generate_customer_token_from_password(call: Call) -> dict[str, Any]:
    """A token for the customer whose e-mail and password these are, counted as a sign-in attempt (code 14 past
    the limits), code 15 for wrong ones and 12 for a deactivated account."""
    merchant = await call.publisher()
    email = authentication.sign_in_name(call.params.text("customerEmail", max_length=MAX_EMAIL))
    password = call.params.text("password", max_length=MAX_PASSWORD)
    issued, _ = await customer_credentials.sign_in_by_password(
        call.session, call.settings, merchant, email, password, call.client, issue=issue
    )
    return token_of(issued)


async def generate_customer_token_from_facebook(call: Call) -> dict[str, Any]:
    """A token for the customer registered with this Facebook account id (`registerCustomer`'s `facebookId`)."""
    merchant = await call.publisher()
    facebook_id = call.params.text("facebookId", max_length=outside_identities.MAX_ACCOUNT_ID)
    customer = await outside_identities.customer_by_outside_identity(call.session, merchant, FACEBOOK, facebook_id)
    return await customer_token(call, merchant, customer)


async def generate_customer_token_from_transaction_id(call: Call) -> dict[str, Any]:
    """A token for the customer who made this transaction (`T000000042`)."""
    merchant = await call.publisher()
    payment_id = payment_id_of(call.params.text("transactionId", max_length=40))
    if payment_id is None:
        raise InvalidParams("transactionId", "Invalid arguments: transactionId is not a transaction id")
    customer = await payer_of(call.session, merchant, payment_id)
    return await customer_token(call, merchant, customer)


METHODS: Methods = {
    "generateCustomerToken": generate_customer_token,
    "generateCustomerTokenFromPassword": generate_customer_token_from_password,
    "generateCustomerTokenFromFacebook": generate_customer_token_from_facebook,
    "generateCustomerTokenFromTransactionId": generate_customer_token_from_transaction_id,
}
