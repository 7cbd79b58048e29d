"""In-app purchases through InPlayer's `validateReceipt`: Apple's signed transactions verified against a root the
test trusts (as Apple's is in production), Google Play's purchases asked of a local server speaking Google's
API; access, the ledger with the store's fee, replays, other apps' and other accounts' receipts."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from boxoffice.access.models import Entitlement
from boxoffice.billing import ledger
from boxoffice.billing.models import LedgerEntry, Payment, Subscription
from boxoffice.billing.store_notifications import poll_store_subscriptions
from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.conftest import (
    Merchant,
    Viewer,
    assert_error,
    count_rows,
    fetch_rows,
    make_merchant,
    sign_in,
    sign_up,
)
from tests.dialects.inplayer.test_payments import priced_item
from tests.dialects.inplayer.test_subscriptions import monthly_fee, renew
from tests.stores.apple_chain import AppleChain, make_chain
from tests.stores.fake_amazon_roku import FakeAmazonRoku, running_amazon_roku
from tests.stores.fake_google_play import FakeGooglePlay, running_google_play

BUNDLE = "com.example.cinema"
PUSHER = "pubsub@boxoffice-test.iam.gserviceaccount.com"  # the account the fake's pushes are signed as
MALLORY = "mallory@evil.iam.gserviceaccount.com"  # any Google account can sign a push for any address
PACKAGE = "com.example.cinema.android"


@pytest.fixture(scope="module")
def chain() -> AppleChain:
    return make_chain()


@pytest.fixture(scope="module")
def google() -> Iterator[FakeGooglePlay]:
    with running_google_play() as running:
        yield running


@pytest.fixture(scope="module")
def amazon_roku() -> Iterator[FakeAmazonRoku]:
    with running_amazon_roku() as running:
        yield running


@pytest.fixture
def settings(
    settings: Settings, chain: AppleChain, google: FakeGooglePlay, amazon_roku: FakeAmazonRoku, tmp_path: Path
) -> Settings:
    root = tmp_path / "test-root.cer"
    root.write_bytes(chain.root_der)
    return settings.model_copy(
        update={
            "apple_root_certificates": [str(root)],
            "google_play_api_base": google.url + "/",
            "amazon_rvs_base": amazon_roku.url,
            "roku_api_base": amazon_roku.url,
            "outbound_allow_private": True,
        }
    )


def ms(moment: Any) -> int:
    return clock.unix(moment) * 1000


def apple_transaction(chain: AppleChain, product_id: str, transaction_id: str, **given: Any) -> str:
    now = clock.now()
    payload = {
        "transactionId": transaction_id,
        "originalTransactionId": given.pop("original", transaction_id),
        "bundleId": BUNDLE,
        "productId": product_id,
        "purchaseDate": ms(now),
        "originalPurchaseDate": ms(now),
        "signedDate": ms(now),
        "type": "Non-Consumable",
        "environment": "Sandbox",
        "inAppOwnershipType": "PURCHASED",
        "price": 4990,
        "currency": "EUR",
    } | given
    return chain.sign(payload)


async def set_up_store(server: Server, merchant: Merchant, store: str, **form: str) -> None:
    response = await server.http.put(f"/v2/external-payments/{store}/settings", headers=merchant.auth, data=form)
    assert response.status_code == 200, response.text


async def map_product(server: Server, merchant: Merchant, store: str, product: str, fee_id: int) -> dict[str, Any]:
    response = await server.http.put(
        f"/v2/external-payments/{store}/products/{product}", headers=merchant.auth, data={"access_fee_id": fee_id}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def validate(server: Server, viewer: Viewer, store: str, **form: Any) -> Any:
    return await server.http.post(f"/v2/external-payments/{store}/validate", headers=viewer.auth, data=form)


async def has_access(server: Server, viewer: Viewer, item_id: int) -> bool:
    response = await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)
    assert response.status_code in (200, 402), response.text
    return response.status_code == 200


async def books(server: Server, merchant: Merchant) -> dict[str, int]:
    """The ledger balances; by account, what it holds."""
    async with server.app.state.sessions() as session:
        assert await ledger.unbalanced_transactions(session, merchant.id) == []
    held: dict[str, int] = {}
    for entry in await fetch_rows(server, LedgerEntry, merchant.id):
        held[entry.account] = held.get(entry.account, 0) + entry.amount
    return held


async def test_an_apple_purchase_signed_by_the_trusted_chain_grants_access_once(
    server: Server, merchant: Merchant, viewer: Viewer, chain: AppleChain
) -> None:
    await set_up_store(server, merchant, "apple", app_id=BUNDLE, environment="sandbox", fee_rate="3000")
    item_id, fee_id = await priced_item(server, merchant, amount="4.99", currency="EUR")
    mapped = await map_product(server, merchant, "apple", "film.rent", fee_id)
    assert mapped == {"store": "apple", "product_name": "film.rent", "item_id": item_id, "access_fee_id": fee_id}
    assert not await has_access(server, viewer, item_id)

    receipt = apple_transaction(chain, "film.rent", "2000000001")
    done = await validate(server, viewer, "apple", receipt=receipt, product_name="film.rent")
    assert done.status_code == 200, done.text
    assert done.json()["code"] == 200
    assert await has_access(server, viewer, item_id)
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert (payment.gateway, payment.amount, payment.fee, payment.status) == ("apple", 499, 150, "succeeded")
    # The sale at its price, the store's 30 % apart: clearing holds what Apple owes the merchant.
    assert await books(server, merchant) == {"revenue": -499, "gateway_clearing": 349, "store_fees": 150}

    # The same receipt again (the app retrying), by price this time: nothing more is granted or booked.
    again = await validate(server, viewer, "apple", receipt=receipt, item_id=item_id, access_fee_id=fee_id)
    assert again.status_code == 200, again.text
    assert await count_rows(server, Payment, merchant.id) == 1
    assert await count_rows(server, Entitlement, merchant.id) == 1
    # Another account sending it is refused.
    other = await sign_up(server, merchant, email="other@example.com")
    assert_error(await validate(server, other, "apple", receipt=receipt, product_name="film.rent"), 409, "receipt")
    assert not await has_access(server, other, item_id)


async def test_an_apple_receipt_of_another_root_app_product_or_environment_is_refused(
    server: Server, merchant: Merchant, viewer: Viewer, chain: AppleChain
) -> None:
    await set_up_store(server, merchant, "apple", app_id=BUNDLE, environment="sandbox")
    item_id, fee_id = await priced_item(server, merchant, amount="4.99", currency="EUR")
    await map_product(server, merchant, "apple", "film.rent", fee_id)
    foreign = make_chain("Someone Else")
    cases = [
        (apple_transaction(foreign, "film.rent", "1"), "signature"),
        (apple_transaction(chain, "film.rent", "2", bundleId="com.other.app"), "another app"),
        (apple_transaction(chain, "film.rent", "3", environment="Production"), "environment"),
        (apple_transaction(chain, "other.product", "4"), "buys no access fee"),
        (apple_transaction(chain, "film.rent", "5")[:-10] + "AAAAAAAAAA", "signature"),
        ("not-a-jws", "not one of this store"),
    ]
    # A free trial's transaction opens access and books nothing: the store charged nothing.
    trial = apple_transaction(chain, "film.rent", "7", offerDiscountType="FREE_TRIAL", offerType=1)
    assert (await validate(server, viewer, "apple", receipt=trial, product_name="film.rent")).status_code == 200
    [free] = await fetch_rows(server, Payment, merchant.id)
    assert (free.amount, free.fee) == (0, 0) and await books(server, merchant) == {}
    for receipt, words in cases:
        refused = assert_error(await validate(server, viewer, "apple", receipt=receipt, product_name="film.rent"), 422)
        assert words in refused["message"], refused
    assert_error(await validate(server, viewer, "apple", receipt="x", product_name="unmapped"), 422, "receipt")
    good = apple_transaction(chain, "film.rent", "6")
    other_item = await validate(server, viewer, "apple", receipt=good, item_id=item_id + 1000, access_fee_id=fee_id)
    assert_error(other_item, 422, "receipt")
    assert_error(await validate(server, viewer, "nokia", receipt="x", product_name="film.rent"), 422, "store")
    assert_error(await validate(server, viewer, "apple", product_name="film.rent"), 422)
    assert await count_rows(server, Payment, merchant.id) == 1  # the trial's


async def test_two_validations_of_one_receipt_at_once_record_one_payment(
    server: Server, merchant: Merchant, viewer: Viewer, chain: AppleChain
) -> None:
    await set_up_store(server, merchant, "apple", app_id=BUNDLE, environment="sandbox")
    _, fee_id = await priced_item(server, merchant, amount="4.99", currency="EUR")
    await map_product(server, merchant, "apple", "film.rent", fee_id)
    receipt = apple_transaction(chain, "film.rent", "2000000009")
    answers = await asyncio.gather(
        *(validate(server, viewer, "apple", receipt=receipt, product_name="film.rent") for _ in range(2))
    )
    assert [answer.status_code for answer in answers] == [200, 200]
    assert await count_rows(server, Payment, merchant.id) == 1


async def test_a_google_play_subscription_grants_access_until_googles_expiry_and_then_ends(
    server: Server, merchant: Merchant, viewer: Viewer, google: FakeGooglePlay, frozen: clock.FrozenClock
) -> None:
    await set_up_store(server, merchant, "google-play", app_id=PACKAGE, credentials=google.service_account())
    item_id, fee_id = await monthly_fee(server, merchant, amount="9.99", currency="EUR")
    await map_product(server, merchant, "google-play", "monthly.pass", fee_id)
    now = clock.now()
    expiry = now + timedelta(days=30)
    token = f"google-token-{clock.unix(now)}"
    google.subscription(
        PACKAGE, token, "monthly.pass", order="GPA.3312-1111-2222-33333", start=f"{now.isoformat()}Z",
        expiry=f"{expiry.isoformat()}Z",
    )  # fmt: skip
    done = await validate(server, viewer, "google-play", receipt=token, product_name="monthly.pass")
    assert done.status_code == 200, done.text
    assert ("monthly.pass", token) in google.acknowledged
    [subscription] = await fetch_rows(server, Subscription, merchant.id)
    assert (subscription.gateway, subscription.status, subscription.current_period_end) == (
        "google_play",
        "active",
        expiry.replace(microsecond=0),
    )
    assert await has_access(server, viewer, item_id)
    assert await books(server, merchant) == {"revenue": -999, "gateway_clearing": 849, "store_fees": 150}
    # It is never charged here: at Google's expiry, with no renewal told, it ends.
    frozen.advance(days=30, seconds=1)
    await renew(server)
    signed_in = await sign_in(server, merchant, viewer.email, viewer.password)
    later = replace(viewer, token=signed_in.json()["access_token"])
    assert not await has_access(server, later, item_id)
    [ended] = await fetch_rows(server, Subscription, merchant.id)
    assert ended.status == "ended"
    assert await count_rows(server, Payment, merchant.id) == 1


async def test_a_google_token_unknown_to_google_or_not_paid_grants_nothing(
    server: Server, merchant: Merchant, viewer: Viewer, google: FakeGooglePlay
) -> None:
    await set_up_store(server, merchant, "google-play", app_id=PACKAGE, credentials=google.service_account())
    item_id, fee_id = await priced_item(server, merchant, amount="2.99", currency="EUR")
    await map_product(server, merchant, "google-play", "film.buy", fee_id)
    unknown = await validate(server, viewer, "google-play", receipt="no-such-token", product_name="film.buy")
    assert "knows no such purchase" in assert_error(unknown, 422, "receipt")["message"]
    google.product(PACKAGE, "film.buy", "pending-token", order="GPA.1", bought_ms=ms(clock.now()), state=2)
    pending = await validate(server, viewer, "google-play", receipt="pending-token", product_name="film.buy")
    assert_error(pending, 402, "receipt")
    assert await count_rows(server, Payment, merchant.id) == 0
    google.product(PACKAGE, "film.buy", "paid-token", order="GPA.2", bought_ms=ms(clock.now()))
    paid = await validate(server, viewer, "google-play", receipt="paid-token", product_name="film.buy")
    assert paid.status_code == 200, paid.text
    assert await has_access(server, viewer, item_id)


async def test_the_merchant_sets_stores_up_with_clear_errors_and_refunds_stay_the_stores(
    server: Server, merchant: Merchant, viewer: Viewer, chain: AppleChain
) -> None:
    auth = merchant.auth
    bad = await server.http.put("/v2/external-payments/apple/settings", headers=auth, data={"environment": "prod"})
    assert_error(bad, 422, "app_id", "environment")
    production = await server.http.put("/v2/external-payments/apple/settings", headers=auth, data={"app_id": BUNDLE})
    assert_error(production, 422, "apple_app_id")
    not_json = await server.http.put(
        "/v2/external-payments/google-play/settings", headers=auth, data={"app_id": PACKAGE, "credentials": "{"}
    )
    assert_error(not_json, 422, "credentials")
    assert_error(await server.http.put("/v2/external-payments/apple/products/x", headers=auth, data={}), 422)
    assert_error(
        await server.http.put("/v2/external-payments/apple/products/x", headers=auth, data={"access_fee_id": 999999}),
        404,
    )
    await set_up_store(server, merchant, "apple", app_id=BUNDLE, apple_app_id="1234567", fee_rate="1500")
    listed = (await server.http.get("/v2/external-payments/settings", headers=auth)).json()
    assert listed == {"collection": [{
        "store": "apple", "app_id": BUNDLE, "apple_app_id": 1234567, "environment": "production",
        "credentials_set": False, "fee_rate": 1500, "notification_account": None,
    }]}  # fmt: skip
    assert_error(await server.http.get("/v2/external-payments/settings", headers=viewer.auth), 403)

    # A store's payment is refunded by the store, never through the merchant's API.
    await set_up_store(server, merchant, "apple", environment="sandbox")
    _, fee_id = await priced_item(server, merchant, amount="4.99", currency="EUR")
    await map_product(server, merchant, "apple", "film.rent", fee_id)
    receipt = apple_transaction(chain, "film.rent", "2000000077")
    assert (await validate(server, viewer, "apple", receipt=receipt, product_name="film.rent")).status_code == 200
    [payment] = await fetch_rows(server, Payment, merchant.id)
    refund = await server.http.post(
        "/v2/payments/refunds", headers=auth, data={"transaction_token": f"C-{payment.id}-AP"}
    )
    assert "refunded by the store" in assert_error(refund, 409)["message"]
    assert await books(server, merchant) == {"revenue": -499, "gateway_clearing": 424, "store_fees": 75}
    removed = await server.http.delete("/v2/external-payments/apple/products/film.rent", headers=auth)
    assert removed.status_code == 200
    assert (await server.http.get("/v2/external-payments/products", headers=auth)).json() == {"collection": []}


async def test_google_plays_renewal_notification_extends_access_and_its_refund_notification_ends_it(
    server: Server, merchant: Merchant, viewer: Viewer, google: FakeGooglePlay, frozen: clock.FrozenClock
) -> None:
    server.app.state.settings = server.settings.model_copy(update={"google_certs_url": f"{google.url}/oauth2/v1/certs"})
    await set_up_store(
        server,
        merchant,
        "google-play",
        app_id=PACKAGE,
        credentials=google.service_account(),
        notification_account=PUSHER,
    )
    item_id, fee_id = await monthly_fee(server, merchant, amount="9.99", currency="EUR")
    await map_product(server, merchant, "google-play", "monthly.pass", fee_id)
    now = clock.now()
    token, first = f"renewing-{uuid.uuid4()}", f"GPA.{uuid.uuid4()}"  # the fake outlives the test: ids of its own
    expiry = now + timedelta(days=30)
    google.subscription(
        PACKAGE, token, "monthly.pass", order=first, start=f"{now.isoformat()}Z", expiry=f"{expiry.isoformat()}Z"
    )
    assert (
        await validate(server, viewer, "google-play", receipt=token, product_name="monthly.pass")
    ).status_code == 200

    # Google renews it and tells, by Pub/Sub, only the token: the worker asks Google how it stands.
    renewed = expiry + timedelta(days=30)
    google.subscription(
        PACKAGE, token, "monthly.pass", order=f"{first}..0", start=f"{now.isoformat()}Z",
        expiry=f"{renewed.isoformat()}Z", acknowledged=True,
    )  # fmt: skip
    path = f"/webhooks/stores/google-play/{merchant.uuid}"
    audience = f"http://testserver{path}"
    notification = {
        "version": "1.0", "packageName": PACKAGE, "eventTimeMillis": str(ms(now)),
        "subscriptionNotification": {"version": "1.0", "notificationType": 2, "purchaseToken": token,
                                     "subscriptionId": "monthly.pass"},
    }  # fmt: skip
    for _ in range(2):  # Pub/Sub delivers at least once: the same notification twice renews once
        pushed = await server.http.post(
            path, json=google.push(notification), headers={"Authorization": f"Bearer {google.push_token(audience)}"}
        )
        assert pushed.json() == {"received": True, "queued": True}, pushed.text
        await server.run_jobs()
    [subscription] = await fetch_rows(server, Subscription, merchant.id)
    assert subscription.current_period_end == renewed.replace(microsecond=0)
    assert [p.kind for p in await fetch_rows(server, Payment, merchant.id)] == ["subscription", "renewal"]
    frozen.advance(days=45)
    await renew(server)
    signed_in = await sign_in(server, merchant, viewer.email, viewer.password)
    later = replace(viewer, token=signed_in.json()["access_token"])
    assert await has_access(server, later, item_id)

    # A voided-purchase notification Google does not stand behind (it lists no such refund) changes nothing.
    untrue = {
        "version": "1.0", "packageName": PACKAGE, "eventTimeMillis": str(ms(clock.now())),
        "voidedPurchaseNotification": {"purchaseToken": token, "orderId": f"{first}..0", "productType": 1},
    }  # fmt: skip
    pushed = await server.http.post(
        path, json=google.push(untrue), headers={"Authorization": f"Bearer {google.push_token(audience)}"}
    )
    assert pushed.json()["queued"] is True
    await server.run_jobs()
    assert await has_access(server, later, item_id)

    # Google refunds the renewal: the subscription ends and access with it.
    google.void(PACKAGE, token, f"{first}..0")
    voided = {
        "version": "1.0", "packageName": PACKAGE, "eventTimeMillis": str(ms(clock.now())),
        "voidedPurchaseNotification": {"purchaseToken": token, "orderId": f"{first}..0", "productType": 1,
                                       "refundType": 1},
    }  # fmt: skip
    for _ in range(2):
        pushed = await server.http.post(
            path, json=google.push(voided), headers={"Authorization": f"Bearer {google.push_token(audience)}"}
        )
        assert pushed.status_code == 200, pushed.text
        await server.run_jobs()
    assert not await has_access(server, later, item_id)
    [ended] = await fetch_rows(server, Subscription, merchant.id)
    assert ended.status == "ended"
    # Two sales of 9.99, the second given back with its fee.
    assert await books(server, merchant) == {
        "revenue": -1998, "refunds": 999, "gateway_clearing": 849, "store_fees": 150,
    }  # fmt: skip


async def test_a_push_not_signed_by_google_for_this_address_queues_nothing(
    server: Server, merchant: Merchant, google: FakeGooglePlay
) -> None:
    server.app.state.settings = server.settings.model_copy(update={"google_certs_url": f"{google.url}/oauth2/v1/certs"})
    await set_up_store(
        server,
        merchant,
        "google-play",
        app_id=PACKAGE,
        credentials=google.service_account(),
        notification_account=PUSHER,
    )
    path = f"/webhooks/stores/google-play/{merchant.uuid}"
    notice = {"packageName": PACKAGE, "subscriptionNotification": {"notificationType": 2, "purchaseToken": "t"}}
    forger = FakeGooglePlay()
    for headers in (
        {},
        {"Authorization": f"Bearer {forger.push_token(f'http://testserver{path}')}"},
        {"Authorization": f"Bearer {google.push_token('https://elsewhere.example.com/push')}"},
        # Signed by Google, for this address, but for an account of someone else's: anyone can make one.
        {"Authorization": f"Bearer {google.push_token(f'http://testserver{path}', email=MALLORY)}"},
    ):
        refused = await server.http.post(path, json=google.push(notice), headers=headers)
        assert refused.status_code == 403, refused.text
    good = {"Authorization": f"Bearer {google.push_token(f'http://testserver{path}')}"}
    other_app = await server.http.post(path, json=google.push(notice | {"packageName": "com.other"}), headers=good)
    assert other_app.json() == {"received": True, "queued": False}
    garbage = await server.http.post(path, content=b"{not json", headers=good)
    assert garbage.status_code == 400
    unknown = await server.http.post(f"/webhooks/stores/google-play/{'0' * 32}", json=google.push(notice), headers=good)
    assert unknown.status_code == 404
    assert await server.run_jobs() == 0


async def test_amazon_and_roku_purchases_are_asked_of_their_stores_with_the_merchants_keys(
    server: Server, merchant: Merchant, viewer: Viewer, amazon_roku: FakeAmazonRoku
) -> None:
    item_id, fee_id = await priced_item(server, merchant, amount="4.99", currency="EUR")
    await set_up_store(server, merchant, "amazon", app_id="amzn1.application.cinema", environment="sandbox",
                       credentials=amazon_roku.amazon_secret)  # fmt: skip
    await set_up_store(server, merchant, "roku", app_id="12345", credentials=amazon_roku.roku_key)
    await map_product(server, merchant, "amazon", "film.amazon", fee_id)
    await map_product(server, merchant, "roku", "film.roku", fee_id)
    bought = ms(clock.now())
    amazon_roku.amazon_receipt("amzn1.account.VERA", "q1YqVrJSSs7P", "film.amazon", bought_ms=bought)
    amazon_roku.amazon_receipt("amzn1.account.VERA", "cancelled-1", "film.amazon", bought_ms=bought,
                               cancelled_ms=bought)  # fmt: skip
    amazon = {"product_name": "film.amazon", "amazon_user_id": "amzn1.account.VERA"}
    refused = [
        (await validate(server, viewer, "amazon", receipt="unknown", **amazon), 422),
        (await validate(server, viewer, "amazon", receipt="q1YqVrJSSs7P", product_name="film.amazon"), 422),
        (await validate(server, viewer, "amazon", receipt="cancelled-1", **amazon), 402),
        (await validate(server, viewer, "roku", receipt="no-such-transaction", product_name="film.roku"), 422),
    ]
    for response, status in refused:
        assert_error(response, status, "receipt")
    assert await count_rows(server, Payment, merchant.id) == 0
    assert (await validate(server, viewer, "amazon", receipt="q1YqVrJSSs7P", **amazon)).status_code == 200
    assert await has_access(server, viewer, item_id)
    amazon_roku.roku_transaction("roku-tx-1", "film.roku", bought=clock.now().isoformat())
    roku = await validate(server, viewer, "roku", receipt="roku-tx-1", product_name="film.roku")
    assert roku.status_code == 200, roku.text
    assert sorted(p.gateway for p in await fetch_rows(server, Payment, merchant.id)) == ["amazon", "roku"]
    await books(server, merchant)


def apple_notification(chain: AppleChain, kind: str, transaction: str) -> dict[str, str]:
    """An App Store Server Notification (V2), as Apple posts it: `signedPayload`, signed as transactions are."""
    now = ms(clock.now())
    payload = {
        "notificationType": kind, "notificationUUID": f"uuid-{kind}-{now}", "version": "2.0", "signedDate": now,
        "data": {"bundleId": BUNDLE, "environment": "Sandbox", "signedTransactionInfo": transaction},
    }  # fmt: skip
    return {"signedPayload": chain.sign(payload)}


async def test_apples_renewal_and_refund_notifications_extend_and_then_end_a_subscription(
    server: Server, merchant: Merchant, viewer: Viewer, chain: AppleChain, frozen: clock.FrozenClock
) -> None:
    await set_up_store(server, merchant, "apple", app_id=BUNDLE, environment="sandbox")
    item_id, fee_id = await monthly_fee(server, merchant, amount="9.99", currency="EUR")
    await map_product(server, merchant, "apple", "monthly.apple", fee_id)
    now = clock.now()
    first = {"type": "Auto-Renewable Subscription", "expiresDate": ms(now + timedelta(days=30))}
    receipt = apple_transaction(chain, "monthly.apple", "3000000001", **first)
    assert (await validate(server, viewer, "apple", receipt=receipt, product_name="monthly.apple")).status_code == 200

    renewed_until = now + timedelta(days=60)
    renewal = {"type": "Auto-Renewable Subscription", "expiresDate": ms(renewed_until), "original": "3000000001"}
    renewal_jws = apple_transaction(chain, "monthly.apple", "3000000002", **renewal)
    path = f"/webhooks/stores/apple/{merchant.uuid}"
    for _ in range(2):  # Apple retries until answered: the same notification twice renews once
        told = await server.http.post(path, json=apple_notification(chain, "DID_RENEW", renewal_jws))
        assert told.json() == {"received": True, "queued": True}, told.text
        await server.run_jobs()
    [subscription] = await fetch_rows(server, Subscription, merchant.id)
    assert subscription.current_period_end == renewed_until.replace(microsecond=0)
    assert [p.kind for p in await fetch_rows(server, Payment, merchant.id)] == ["subscription", "renewal"]

    # Not Apple's, or another app's: refused, nothing queued.
    foreign = make_chain("Someone Else")
    assert (await server.http.post(path, json=apple_notification(foreign, "REFUND", renewal_jws))).status_code == 403
    assert (await server.http.post(path, json={"signedPayload": 12})).status_code == 400
    assert await server.run_jobs() == 0

    refunded = apple_transaction(chain, "monthly.apple", "3000000002", **renewal, revocationDate=ms(clock.now()))
    for _ in range(2):
        told = await server.http.post(path, json=apple_notification(chain, "REFUND", refunded))
        assert told.status_code == 200, told.text
        await server.run_jobs()
    [ended] = await fetch_rows(server, Subscription, merchant.id)
    assert ended.status == "ended"
    assert not await has_access(server, viewer, item_id)
    assert await books(server, merchant) == {
        "revenue": -1998, "refunds": 999, "gateway_clearing": 849, "store_fees": 150,
    }  # fmt: skip


async def test_an_app_is_one_merchants_and_a_store_subscription_is_changed_only_in_the_store(
    server: Server, merchant: Merchant, viewer: Viewer, google: FakeGooglePlay
) -> None:
    other = await make_merchant(server, "other@publisher.example.com")
    await set_up_store(server, merchant, "apple", app_id=BUNDLE, environment="sandbox")
    taken = await server.http.put(
        "/v2/external-payments/apple/settings", headers=other.auth, data={"app_id": BUNDLE, "environment": "sandbox"}
    )
    assert_error(taken, 422, "app_id")
    bad_key = json.loads(google.service_account()) | {"private_key": "not a key"}
    refused = await server.http.put(
        "/v2/external-payments/google-play/settings",
        headers=merchant.auth,
        data={"app_id": PACKAGE, "credentials": json.dumps(bad_key)},
    )
    assert_error(refused, 422, "credentials")

    await set_up_store(server, merchant, "google-play", app_id=PACKAGE, credentials=google.service_account())
    item_id, fee_id = await monthly_fee(server, merchant, amount="9.99", currency="EUR")
    await map_product(server, merchant, "google-play", "monthly.pass", fee_id)
    now = clock.now()
    google.subscription(
        PACKAGE, "held-token", "monthly.pass", order="GPA.8", start=f"{now.isoformat()}Z",
        expiry=f"{(now + timedelta(days=30)).isoformat()}Z",
    )  # fmt: skip
    done = await validate(server, viewer, "google-play", receipt="held-token", product_name="monthly.pass")
    assert done.json()["transaction_token"].endswith("-GP")
    [subscription] = await fetch_rows(server, Subscription, merchant.id)
    cancel = await server.http.get(f"/subscriptions/cancel/{subscription.cancel_token}", headers=viewer.auth)
    assert "app store" in assert_error(cancel, 409)["message"]
    [still] = await fetch_rows(server, Subscription, merchant.id)
    assert still.status == "active" and await has_access(server, viewer, item_id)


async def test_amazon_and_roku_subscriptions_are_polled_near_their_end_and_renewed_as_their_stores_say(
    server: Server, merchant: Merchant, viewer: Viewer, amazon_roku: FakeAmazonRoku, frozen: clock.FrozenClock
) -> None:
    await set_up_store(server, merchant, "amazon", app_id="amzn1.application.polled", environment="sandbox",
                       credentials=amazon_roku.amazon_secret)  # fmt: skip
    await set_up_store(server, merchant, "roku", app_id="polled-channel", credentials=amazon_roku.roku_key)
    _, fee_id = await monthly_fee(server, merchant, amount="9.99", currency="EUR")
    await map_product(server, merchant, "amazon", "monthly.amazon", fee_id)
    other = await sign_up(server, merchant, email="roku.viewer@example.com")
    _, other_fee = await monthly_fee(server, merchant, amount="4.99", currency="EUR")
    await map_product(server, merchant, "roku", "monthly.roku", other_fee)
    now = clock.now()
    receipt, transaction, user = f"amzn-{uuid.uuid4()}", f"roku-{uuid.uuid4()}", "amzn1.account.POLLED"
    amazon_roku.amazon_receipt(user, receipt, "monthly.amazon", bought_ms=ms(now),
                               renewal_ms=ms(now + timedelta(days=30)))  # fmt: skip
    amazon_roku.roku_transaction(transaction, "monthly.roku", bought=now.isoformat(),
                                 expires=(now + timedelta(days=30)).isoformat())  # fmt: skip
    bought = await validate(
        server, viewer, "amazon", receipt=receipt, product_name="monthly.amazon", amazon_user_id=user
    )
    assert bought.status_code == 200, bought.text
    assert (await validate(server, other, "roku", receipt=transaction, product_name="monthly.roku")).status_code == 200

    # Not yet within a day of the end: nothing is asked. Then each store renews, and the poll finds it.
    await poll_store_subscriptions(server.app.state.sessions, server.app.state.settings)
    assert await count_rows(server, Payment, merchant.id) == 2
    amazon_roku.amazon_receipt(user, receipt, "monthly.amazon", bought_ms=ms(now),
                               renewal_ms=ms(now + timedelta(days=60)))  # fmt: skip
    amazon_roku.roku_transaction(transaction, "monthly.roku", bought=now.isoformat(),
                                 expires=(now + timedelta(days=60)).isoformat())  # fmt: skip
    frozen.advance(days=29, hours=12)
    for _ in range(2):  # polled twice, recorded once
        await poll_store_subscriptions(server.app.state.sessions, server.app.state.settings)
    payments = await fetch_rows(server, Payment, merchant.id)
    assert sorted((p.gateway, p.kind) for p in payments) == [
        ("amazon", "renewal"), ("amazon", "subscription"), ("roku", "renewal"), ("roku", "subscription"),
    ]  # fmt: skip
    assert {s.current_period_end for s in await fetch_rows(server, Subscription, merchant.id)} == {
        (now + timedelta(days=60)).replace(microsecond=0)
    }
    await books(server, merchant)
