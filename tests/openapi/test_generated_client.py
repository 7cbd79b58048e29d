"""A Python client generated from the `/openapi.json` a running Boxoffice serves (openapi-python-client, at test
time, into a temporary folder, from loopback only) makes a merchant's first calls and reads their answers as the
document's models: signs up and in, reads its account and keys and the access types, puts an item on sale with a
price and reads both back, one by one and in the list of items.

What the generator could not make of the document is printed; an error of it fails the test, and so does an
operation used here whose body or answer it left out (no `body` to pass, or a `parsed` answer of None)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openapi_python_client import generate
from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.parser.errors import ErrorLevel

from tests.openapi.conftest import LiveApi

PACKAGE = "boxoffice_client"
PASSWORD = "generated-pass-1"
EMAIL = "first.calls@example.com"


@pytest.fixture
def client(live_api: LiveApi, tmp_path: Path) -> Iterator[ModuleType]:
    """The client generated from the served document, importable as `boxoffice_client` for this test only."""
    config = Config.from_sources(
        # No formatting hooks: what is generated is imported, not read. A loaded machine may take this long to
        # build the document.
        ConfigFile(post_hooks=[], package_name_override=PACKAGE, project_name_override=PACKAGE, http_timeout=60),
        MetaType.NONE,
        f"{live_api.base_url}/openapi.json",
        "utf-8",
        overwrite=True,
        output_path=tmp_path / PACKAGE,
    )
    problems = generate(config=config)
    for problem in problems:
        print(f"openapi-python-client {problem.level.value}: {problem.header}: {problem.detail}")
    errors = [problem for problem in problems if problem.level is ErrorLevel.ERROR]
    assert not errors, [f"{problem.header}: {problem.detail}" for problem in errors]
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def operation(tag: str, name: str) -> Any:
    """One operation's module of the generated client: `sync_detailed(client=..., ...)`."""
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")


def model(name: str) -> Any:
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


def answered(response: Any, status: int = 200) -> Any:
    """The parsed answer of a call that must succeed; a failure shows what the server said."""
    assert response.status_code == status, (response.status_code, response.content)
    assert response.parsed is not None, f"the generated client could not read {response.content!r}"
    return response.parsed


def read(answer: Any, name: str) -> Any:
    """A field of an answer: an attribute of a typed model, an entry of one the document leaves open."""
    return getattr(answer, name) if hasattr(answer, name) else answer[name]


def signed_up_merchant(client: ModuleType, live_api: LiveApi) -> tuple[str, str, str]:
    """A new merchant's e-mail, uuid and access token, through the client."""
    sign_up = operation("accounts", "sign_up_accounts_post")
    with client.Client(base_url=live_api.base_url) as anonymous:
        signed_up = answered(
            sign_up.sync_detailed(
                client=anonymous,
                body=model("SignUpAccountsPostJsonBody")(
                    type_=model("SignUpAccountsPostJsonBodyType")("merchant"),
                    full_name="Generated Publisher",
                    email=EMAIL,
                    password=PASSWORD,
                    password_confirmation=PASSWORD,
                ),
            )
        )
        assert signed_up.account.email == EMAIL and signed_up.access_token
        signed_in = answered(
            operation("accounts", "authenticate_accounts_authenticate_post").sync_detailed(
                client=anonymous,
                body=model("AuthenticateAccountsAuthenticatePostJsonBody")(
                    grant_type=model("AuthenticateAccountsAuthenticatePostJsonBodyGrantType")("password"),
                    username=EMAIL,
                    password=PASSWORD,
                ),
            )
        )
    assert signed_in.account.uuid == signed_up.account.uuid and signed_in.access_token != signed_up.access_token
    return EMAIL, signed_in.account.uuid, signed_in.access_token


def test_a_merchant_makes_its_first_calls_through_the_generated_client(live_api: LiveApi, client: ModuleType) -> None:
    email, uuid, token = signed_up_merchant(client, live_api)
    with client.AuthenticatedClient(base_url=live_api.base_url, token=token) as merchant:
        account = answered(operation("accounts", "get_account_accounts_get").sync_detailed(client=merchant))
        assert (read(account, "email"), read(account, "uuid")) == (email, uuid)
        keys = answered(operation("accounts", "merchant_keys_accounts_keys_get").sync_detailed(client=merchant))
        assert read(keys, "uuid") == uuid
        kinds = answered(operation("items", "list_access_types_v2_access_types_get").sync_detailed(client=merchant))
        rental = next(
            kind
            for kind in kinds
            if (read(kind, "name"), read(kind, "quantity"), read(kind, "period")) == ("ppv", 24, "hour")
        )

        item = answered(
            operation("items", "create_item_v2_items_post").sync_detailed(
                client=merchant,
                body=model("CreateItemV2ItemsPostJsonBody")(
                    title="Generated Film", item_type="html_asset", access_control_type_id=1, content="<p>Film</p>"
                ),
            ),
            201,
        )
        assert (item.title, item.merchant_uuid, item.is_active) == ("Generated Film", uuid, True)
        fee = answered(
            operation("items", "create_access_fee_v2_items_item_id_access_fees_post").sync_detailed(
                item.id,
                client=merchant,
                body=model("CreateAccessFeeV2ItemsItemIdAccessFeesPostJsonBody")(
                    amount=4.99, access_type_id=read(rental, "id"), currency="EUR", description="Rent for a day"
                ),
            ),
            201,
        )
        assert (fee.item_id, fee.amount, fee.currency, fee.access_type.id) == (item.id, 4.99, "EUR", read(rental, "id"))
        again = answered(operation("items", "get_item_v2_items_item_id_get").sync_detailed(item.id, client=merchant))
        assert again.title == "Generated Film"
        fees = answered(
            operation("items", "list_access_fees_v2_items_item_id_access_fees_get").sync_detailed(
                item.id, client=merchant
            )
        )
        assert [(listed.id, listed.amount) for listed in fees] == [(fee.id, 4.99)]
        listed_items = answered(operation("items", "list_items_v2_items_get").sync_detailed(client=merchant))
        assert [(listed.id, listed.title) for listed in listed_items.collection] == [(item.id, "Generated Film")]


def test_a_publisher_back_end_drives_api_3_1_through_the_generated_client(
    live_api: LiveApi, client: ModuleType
) -> None:
    """API 3.1 as a back end generated from the document calls it, the publisher token as its API key: a customer
    read and changed, a subscription offer made and read, a subscription the publisher bills itself registered,
    renewed, found by its external id and cancelled, and a webhook endpoint subscribed to a topic."""
    callers = live_api.callers
    with client.AuthenticatedClient(
        base_url=live_api.base_url, token=callers.publisher_token, prefix="", auth_header_name="X-Publisher-Token"
    ) as publisher:
        shown = answered(
            operation("api31", "read_customer_3_1_customers_customer_id_get").sync_detailed(
                callers.customer_id, client=publisher
            )
        )
        assert (shown.success, shown.data.id, shown.data.email) == (True, callers.customer_id, callers.customer_email)
        changed = answered(
            operation("api31", "update_customer_3_1_customers_customer_id_patch").sync_detailed(
                callers.customer_id,
                client=publisher,
                body=model("UpdateCustomer31CustomersCustomerIdPatchBody")(
                    first_name="Gena", last_name="Rated", country="NL"
                ),
            )
        )
        assert (changed.data.first_name, changed.data.last_name, changed.data.currency) == ("Gena", "Rated", "EUR")

        offer = answered(
            operation("api31", "create_offer_3_1_offers_post").sync_detailed(
                client=publisher,
                body=model("CreateOffer31OffersPostBody")(
                    type_=model("CreateOffer31OffersPostBodyType")("subscription"),
                    title="Generated Monthly",
                    price=9.99,
                    currency="EUR",
                    period="month",
                ),
            ),
            201,
        )
        assert (offer.title, offer.price.amount, offer.price.currency, offer.active) == (
            "Generated Monthly",
            9.99,
            "EUR",
            True,
        )
        again = answered(
            operation("api31", "read_offer_3_1_offers_offer_id_get").sync_detailed(offer.id, client=publisher)
        )
        assert again.id == offer.id

        method = answered(
            operation("api31", "create_payment_method_3_1_payment_methods_post").sync_detailed(
                client=publisher,
                body=model("CreatePaymentMethod31PaymentMethodsPostBody")(
                    method_name="roku", payment_gateway="roku-store"
                ),
            ),
            201,
        )
        assert (method.method_name, method.is_external_payment) == ("roku", True)
        subscription = answered(
            operation("api31", "create_subscription_3_1_subscriptions_post").sync_detailed(
                client=publisher,
                body=model("CreateSubscription31SubscriptionsPostBody")(
                    customer_id=callers.customer_id,
                    offer_id=offer.id,
                    payment_method_id=method.id,
                    external_id="billing-42",
                ),
            ),
            201,
        )
        assert (subscription.customer_id, subscription.offer_id, str(subscription.status)) == (
            callers.customer_id,
            offer.long_id,
            "active",
        )
        later = subscription.expires_at + 30 * 86400
        renewed = answered(
            operation("api31", "renew_subscription_3_1_subscriptions_subscription_id_renew_post").sync_detailed(
                subscription.id,
                client=publisher,
                body=model("RenewSubscription31SubscriptionsSubscriptionIdRenewPostBody")(expires_at=later),
            )
        )
        assert renewed.expires_at == later
        listed = answered(
            operation("api31", "list_subscriptions_3_1_subscriptions_get").sync_detailed(
                client=publisher, external_id="billing-42"
            )
        )
        assert [(item.id, item.expires_at) for item in listed.items] == [(subscription.id, later)]
        cancelled = answered(
            operation("api31", "cancel_subscription_3_1_subscriptions_subscription_id_cancel_post").sync_detailed(
                subscription.id,
                client=publisher,
                body=model("CancelSubscription31SubscriptionsSubscriptionIdCancelPostBody")(),
            )
        )
        assert (cancelled.id, str(cancelled.status)) == (subscription.id, "cancelled")

        receiver = "https://93.184.216.34/cleeng-hooks"  # a public address: no private one is posted to
        endpoints = answered(
            operation("api31", "subscribe_to_topic_3_1_webhook_subscriptions_topic_put").sync_detailed(
                "subscriptionCanceled",
                client=publisher,
                body=[model("SubscribeToTopic31WebhookSubscriptionsTopicPutBodyItem")(url=receiver)],
            )
        )
        assert [(endpoint.url, endpoint.enabled) for endpoint in endpoints] == [(receiver, True)]
