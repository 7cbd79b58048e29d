"""Links to the hosted pages from JSON-RPC: to check out an offer, to the customer's account, and `prepareRemoteAuth`'s,
which registers a customer it does not know first. Each link signs its customer in on the way."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from boxoffice.identity.models import Customer
from tests.conftest import Server
from tests.dialects.inplayer.conftest import count_rows, fetch_rows, make_merchant, sign_up
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher, publisher_of
from tests.dialects.mediastore.test_offers import Shop, shop

__all__ = ["shop"]  # the offers' fixture, used here too


def opened_at(url: str, publisher: Publisher) -> str:
    """The link's path and query, once it is found to lead to the publisher's sign-in link page with a token."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "http",
        "testserver",
        f"/pages/{publisher.merchant.uuid}/remote-sign-in",
    )
    [token] = parse_qs(parts.query)["token"]
    assert token
    return f"{parts.path}?{parts.query}"


async def test_a_checkout_link_signs_the_customer_in_to_the_offers_checkout(
    server: Server, rpc: JsonRpc, publisher: Publisher, shop: Shop
) -> None:
    viewer = await sign_up(server, publisher.merchant)
    given = {"publisherToken": publisher.token, "customerEmail": viewer.email}
    result = await rpc.call(
        "generateCheckoutUrl", **given, flowDescription={"offerId": shop.pass_id, "url": "https://x.example/"}
    )
    assert set(result) == {"url"}
    opened = await server.http.get(opened_at(result["url"], publisher), follow_redirects=True)
    assert opened.status_code == 200, opened.text
    assert opened.url.path == f"/pages/{publisher.merchant.uuid}/checkout/{shop.pass_fee['id']}"
    assert "Cup final" in opened.text and "Sign out" in opened.text  # signed in: the checkout asks for no account


async def test_checkout_links_are_refused_for_unknown_customers_and_offers(
    server: Server, rpc: JsonRpc, publisher: Publisher, shop: Shop
) -> None:
    viewer = await sign_up(server, publisher.merchant)
    given = {"publisherToken": publisher.token, "customerEmail": viewer.email}
    flow = {"offerId": shop.pass_id}
    await rpc.refused(10, "generateCheckoutUrl", **given | {"customerEmail": "ghost@example.com"}, flowDescription=flow)
    await rpc.refused(4, "generateCheckoutUrl", **given, flowDescription={"offerId": "P999999999_EU"})
    for bad in (None, "S1", {"offerId": "nonsense"}, {"offerId": None}, {"url": "https://x.example/"}):
        await rpc.refused(11, "generateCheckoutUrl", **given, flowDescription=bad)
    other = await publisher_of(server, await make_merchant(server, "owner@other.example.com"))
    await rpc.refused(10, "generateCheckoutUrl", **given | {"publisherToken": other.token}, flowDescription=flow)
    await sign_up(server, other.merchant, viewer.email)
    await rpc.refused(4, "generateCheckoutUrl", **given | {"publisherToken": other.token}, flowDescription=flow)


async def test_an_account_link(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    viewer = await sign_up(server, publisher.merchant)
    given = {"publisherToken": publisher.token, "customerEmail": viewer.email}
    result = await rpc.call("generateMyAccountUrl", **given, modules=["subscriptions", "paymentInfo"])
    opened = await server.http.get(opened_at(result["url"], publisher), follow_redirects=True)
    assert opened.status_code == 200 and opened.url.path == f"/pages/{publisher.merchant.uuid}/account"
    assert viewer.email in opened.text
    assert (await rpc.call("generateMyAccountUrl", **given))["url"] != result["url"]
    await rpc.refused(11, "generateMyAccountUrl", **given, modules="subscriptions" * 10)
    await rpc.refused(11, "generateMyAccountUrl", **given, modules=[{"name": "x"}])
    await rpc.refused(10, "generateMyAccountUrl", **given | {"customerEmail": "ghost@example.com"})
    await rpc.refused(3, "generateMyAccountUrl", **given | {"publisherToken": "nope"})


async def test_prepare_remote_auth_registers_a_new_customer_first(
    server: Server, rpc: JsonRpc, publisher: Publisher, shop: Shop
) -> None:
    data = {"email": "new@example.com", "country": "DE", "locale": "de_DE", "currency": "EUR"}
    given = {"publisherToken": publisher.token, "customerData": data}
    result = await rpc.call(
        "prepareRemoteAuth", **given, flowDescription={"offerId": shop.monthly_id, "url": "https://x.example/"}
    )
    [row] = await fetch_rows(server, Customer, publisher.merchant.id)
    assert (row.email, row.country_code, row.locale, row.password_hash) == ("new@example.com", "DE", "de_DE", None)
    again = await rpc.call("prepareRemoteAuth", **given | {"customerData": {"email": "NEW@example.com"}})
    assert await count_rows(server, Customer, publisher.merchant.id) == 1
    opened = await server.http.get(opened_at(again["url"], publisher), follow_redirects=True)
    assert opened.url.path == f"/pages/{publisher.merchant.uuid}/account" and "new@example.com" in opened.text
    checkout = await server.http.get(opened_at(result["url"], publisher), follow_redirects=True)
    assert checkout.url.path == f"/pages/{publisher.merchant.uuid}/checkout/{shop.monthly_fee['id']}"
    for bad in ({"email": "not an address"}, {"email": "ann@example.com", "country": "XX"}, {"country": "DE"}, None):
        await rpc.refused(11, "prepareRemoteAuth", **given | {"customerData": bad})
    await rpc.refused(
        4,
        "prepareRemoteAuth",
        **given | {"customerData": {"email": "ann@example.com"}},
        flowDescription={"offerId": "S999999999_EU"},
    )
    assert await count_rows(server, Customer, publisher.merchant.id) == 1
