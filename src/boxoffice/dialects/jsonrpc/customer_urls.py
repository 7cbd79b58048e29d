"""Links to the hosted pages that sign the customer in on the way (`identity.sign_in_links`: signed, good for 15
minutes and one opening): to check out an offer (`generateCheckoutUrl`), to their account
(`generateMyAccountUrl`), or either for a customer registered first when new (`prepareRemoteAuth`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from boxoffice.billing.checkout import price_for_checkout
from boxoffice.dialects.cleeng.offer_ids import price_id_of
from boxoffice.dialects.jsonrpc.calls import Call, Methods
from boxoffice.dialects.jsonrpc.customer_tokens import MAX_EMAIL
from boxoffice.dialects.jsonrpc.errors import InvalidParams
from boxoffice.dialects.jsonrpc.params import Params
from boxoffice.identity import customers, sign_in_links
from boxoffice.identity.customers import NewAccount
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import base_url

ACCOUNT = "account"


async def _link(call: Call, merchant: Merchant, customer: Customer, page: str) -> dict[str, Any]:
    token = await sign_in_links.sign_in_link_token(call.session, call.settings, merchant, customer, page)
    query = urlencode({"token": token})
    return {"url": f"{base_url.of(call.settings.public_url)}/pages/{merchant.uuid}/remote-sign-in?{query}"}


async def _checkout_page(call: Call, merchant: Merchant, flow: Params) -> str:
    """The checkout page of `flowDescription.offerId`: code 4 for an offer not on sale, or another publisher's."""
    given = flow.text("offerId", max_length=40)
    parsed = price_id_of(given)
    if parsed is None:
        raise InvalidParams(f"{flow.where}.offerId", f"Invalid arguments: {flow.where}.offerId is not an offer id")
    price, _ = await price_for_checkout(call.session, merchant.id, parsed[1])
    return f"checkout/{price.id}"


async def generate_checkout_url(call: Call) -> dict[str, Any]:
    """A link signing the customer in to the checkout of `flowDescription.offerId`. Its `url` (the publisher's page
    to come back to) is not followed: the checkout goes on to its own page of the purchase done."""
    merchant = await call.publisher()
    customer = await customers.customer_by_email(
        call.session, merchant, call.params.text("customerEmail", max_length=MAX_EMAIL)
    )
    page = await _checkout_page(call, merchant, call.params.object("flowDescription"))
    return await _link(call, merchant, customer, page)


async def generate_my_account_url(call: Call) -> dict[str, Any]:
    """A link signing the customer in to their account page (which shows every module: `modules` chooses none)."""
    merchant = await call.publisher()
    customer = await customers.customer_by_email(
        call.session, merchant, call.params.text("customerEmail", max_length=MAX_EMAIL)
    )
    call.params.texts("modules", max_items=20, max_length=50)
    return await _link(call, merchant, customer, ACCOUNT)


async def prepare_remote_auth(call: Call) -> dict[str, Any]:
    """A link signing the customer of `customerData` in (registered first when the publisher has no account with
    that address) to the checkout of `flowDescription.offerId`, or to their account when it names no offer."""
    merchant = await call.publisher()
    data = call.params.object("customerData")
    email = data.text("email", max_length=MAX_EMAIL)
    country_code = data.text("country", required=False, max_length=2) or None
    locale = data.text("locale", required=False, max_length=16) or None
    flow = call.params.object("flowDescription", required=False)
    page = await _checkout_page(call, merchant, flow) if flow.has("offerId") else ACCOUNT
    account = NewAccount(email=email, country_code=country_code.upper() if country_code else None, locale=locale)
    customer = await customers.customer_or_new(call.session, merchant, account, call.client)
    return await _link(call, merchant, customer, page)


METHODS: Methods = {
    "generateCheckoutUrl": generate_checkout_url,
    "generateMyAccountUrl": generate_my_account_url,
    "prepareRemoteAuth": prepare_remote_auth,
}
