"""Cleeng's in-app payments through MediaStore: an order paid in a store, its receipt verified with the store
(Apple's signed transaction against the root the test trusts; Google Play, Amazon and Roku on local servers
speaking their wire formats), access opened once, and refusals in MediaStore's envelope."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from boxoffice.billing.models import Order, Payment
from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.conftest import count_rows, fetch_rows
from tests.dialects.mediastore.conftest import Customer, Publisher, call, data, refused, register
from tests.dialects.mediastore.test_connectors import has_access
from tests.dialects.mediastore.test_offers import Shop, shop
from tests.dialects.mediastore.test_orders import order
from tests.stores.apple_chain import AppleChain, make_chain
from tests.stores.fake_amazon_roku import FakeAmazonRoku, running_amazon_roku
from tests.stores.fake_google_play import FakeGooglePlay, running_google_play

__all__ = ["shop"]
BUNDLE, PACKAGE = "com.example.cup", "com.example.cup.android"


@pytest.fixture(scope="module")
def chain() -> AppleChain:
    return make_chain()


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeGooglePlay, FakeAmazonRoku]]:
    with running_google_play() as google, running_amazon_roku() as amazon_roku:
        yield google, amazon_roku


@pytest.fixture
def settings(
    settings: Settings, chain: AppleChain, fakes: tuple[FakeGooglePlay, FakeAmazonRoku], tmp_path: Path
) -> Settings:
    root = tmp_path / "root.cer"
    root.write_bytes(chain.root_der)
    google, amazon_roku = fakes
    return settings.model_copy(
        update={
            "apple_root_certificates": [str(root)],
            "google_play_api_base": google.url + "/",
            "amazon_rvs_base": amazon_roku.url,
            "roku_api_base": amazon_roku.url,
            "outbound_allow_private": True,
        }
    )


async def sell_in_stores(server: Server, publisher: Publisher, shop: Shop, fakes: Any) -> None:
    google, amazon_roku = fakes
    auth = publisher.merchant.auth
    apps = {
        "apple": {"app_id": BUNDLE, "environment": "sandbox"},
        "google-play": {"app_id": PACKAGE, "credentials": google.service_account()},
        "amazon": {
            "app_id": "amzn1.application.cup",
            "environment": "sandbox",
            "credentials": amazon_roku.amazon_secret,
        },
        "roku": {"app_id": "777", "credentials": amazon_roku.roku_key},
    }
    for store, form in apps.items():
        assert (
            await server.http.put(f"/v2/external-payments/{store}/settings", headers=auth, data=form)
        ).status_code == 200
        mapped = await server.http.put(
            f"/v2/external-payments/{store}/products/cup.week",
            headers=auth,
            data={"access_fee_id": shop.pass_fee["id"]},
        )
        assert mapped.status_code == 200, mapped.text


async def test_an_order_paid_in_each_store_opens_the_offer(
    server: Server, publisher: Publisher, shop: Shop, chain: AppleChain, fakes: Any
) -> None:
    google, amazon_roku = fakes
    await sell_in_stores(server, publisher, shop, fakes)
    now_ms = clock.unix(clock.now()) * 1000
    google.product(PACKAGE, "cup.week", "cup-token", order="GPA.9", bought_ms=now_ms)
    amazon_roku.amazon_receipt("amzn1.account.CUP", "cup-receipt", "cup.week", bought_ms=now_ms)
    amazon_roku.roku_transaction("cup-roku-tx", "cup.week", bought=clock.now().isoformat())
    apple = chain.sign({
        "transactionId": "7001", "originalTransactionId": "7001", "bundleId": BUNDLE, "productId": "cup.week",
        "purchaseDate": now_ms, "signedDate": now_ms, "type": "Non-Consumable", "environment": "Sandbox",
    })  # fmt: skip
    paid = {
        "/android/payment": {"purchaseToken": "cup-token", "productId": "cup.week"},
        "/apple/payment": {"transactionJws": apple},
        "/amazon/payment": {"receiptId": "cup-receipt", "userId": "amzn1.account.CUP"},
        "/roku/payment": {"transactionId": "cup-roku-tx"},
    }
    for number, (path, receipt) in enumerate(paid.items()):
        customer = await register(server, publisher, f"fan{number}@example.com")
        made = await order(server, customer, shop.pass_id)
        assert not await has_access(server, customer, shop.pass_id)
        body = {"orderId": made["id"], "receipt": receipt}
        answered = data(await call(server, "POST", path, body, headers=customer.auth))
        assert (answered["orderId"], answered["status"], answered["offerType"]) == (made["id"], "captured", "P"), path
        assert await has_access(server, customer, shop.pass_id), path
        again = data(await call(server, "POST", path, body, headers=customer.auth))
        assert again["id"] == answered["id"], path
    gateways = sorted(p.gateway for p in await fetch_rows(server, Payment, publisher.merchant.id))
    assert gateways == ["amazon", "apple", "google_play", "roku"]
    assert {o.status for o in await fetch_rows(server, Order, publisher.merchant.id)} == {"paid"}


async def test_store_payments_refuse_bad_receipts_and_others_orders_in_mediastores_words(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer, fakes: Any
) -> None:
    await sell_in_stores(server, publisher, shop, fakes)
    made = await order(server, customer, shop.pass_id)
    cases = [
        ({"orderId": made["id"]}, 400, "REQ0001"),
        ({"orderId": made["id"], "receipt": {}}, 400, "REQ0001"),
        ({"orderId": made["id"], "receipt": {"purchaseToken": 7}}, 400, "REQ0001"),
        ({"orderId": made["id"], "receipt": {"purchaseToken": "unknown-to-google"}}, 422, None),
        ({"receipt": {"purchaseToken": "t"}}, 400, "REQ0001"),
    ]
    for body, status, code in cases:
        refused(await call(server, "POST", "/android/payment", body, headers=customer.auth), status, code)
    stranger = await register(server, publisher, "stranger@example.com")
    theirs = {"orderId": made["id"], "receipt": {"transactionJws": "a.b.c"}}
    refused(await call(server, "POST", "/apple/payment", theirs, headers=stranger.auth), 404)
    amazon = {"orderId": made["id"], "receipt": {"receiptId": "r"}}
    refused(await call(server, "POST", "/amazon/payment", amazon, headers=customer.auth), 400, "REQ0001")
    refused(
        await call(server, "POST", "/roku/payment", {"orderId": made["id"], "receipt": {"transactionId": "x"}}), 401
    )
    assert await count_rows(server, Payment, publisher.merchant.id) == 0
    assert not await has_access(server, customer, shop.pass_id)
