"""With Stripe as the merchant's gateway, the pages take a card in Stripe's own element: the page loads Stripe.js
with the merchant's publishable key (its policy lets exactly Stripe in), and only the PaymentMethod Stripe.js made
comes back. Stripe's script can't run here; the server's side is tried against a local Stripe, the token made there
as Stripe.js makes it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from boxoffice.kit.sealing import new_key
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Merchant, make_merchant
from tests.gateways.fake_stripe import FakeStripe
from tests.web.pages.visitor import Visitor

SECRET_KEY, PUBLISHABLE_KEY = "sk_test_" + "a1B2c3D4" * 3, "pk_test_" + "e5F6g7H8" * 3


@pytest.fixture
def stripe() -> Iterator[FakeStripe]:
    with FakeStripe() as fake:
        yield fake


@pytest.fixture
def settings(settings: Settings, stripe: FakeStripe) -> Settings:
    return settings.model_copy(update={"stripe_api_base": stripe.base_url, "encryption_keys": [new_key()]})


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


def collected(stripe: FakeStripe, number: str = "4242424242424242") -> str:
    """A PaymentMethod as Stripe.js makes one in the payer's browser: its id is all the page posts."""
    made = httpx.post(
        f"{stripe.base_url}/v1/payment_methods",
        headers={"Authorization": f"Bearer {SECRET_KEY}"},
        data={
            "type": "card",
            "card[number]": number,
            "card[exp_month]": "12",
            "card[exp_year]": "2031",
            "card[cvc]": "1",
        },
    )
    assert made.status_code == 200, made.text
    token: str = made.json()["id"]
    return token


async def test_stripes_element_takes_the_card_and_only_its_token_is_posted(
    server: Server, merchant: Merchant, stripe: FakeStripe
) -> None:
    fee = await add_fee(server, merchant, (await add_item(server, merchant, title="The Film"))["id"])
    visitor = Visitor(server, merchant)
    await visitor.sign_up()
    # The sandbox takes typed cards: no element, nothing of Stripe's let in.
    typed = await visitor.get(f"checkout/{fee['id']}")
    assert 'name="number"' in typed.text and "js.stripe.com" not in typed.headers["content-security-policy"]
    sandboxed = await visitor.post(f"checkout/{fee['id']}", {"card_name": "Vera", "payment_method_token": "pm_123"})
    assert sandboxed.status_code == 422 and "takes a card&#39;s number" in sandboxed.text

    gateway = {"gateway": "stripe", "stripe_secret_key": SECRET_KEY, "stripe_publishable_key": PUBLISHABLE_KEY}
    assert (await server.http.put("/payments/gateway", headers=merchant.auth, data=gateway)).status_code == 200
    page = await visitor.get(f"checkout/{fee['id']}")
    assert f'data-stripe-key="{PUBLISHABLE_KEY}"' in page.text and 'name="number"' not in page.text
    assert '<script src="https://js.stripe.com/v3/"></script>' in page.text
    policy = page.headers["content-security-policy"]
    assert (
        "script-src 'self' 'nonce-" in policy and "https://js.stripe.com" in policy.split("script-src")[1].split(";")[0]
    )
    assert "frame-src https://js.stripe.com https://hooks.stripe.com" in policy
    assert SECRET_KEY not in page.text

    unknown = await visitor.post(f"checkout/{fee['id']}", {"card_name": "Vera", "payment_method_token": "pm_unknown1"})
    assert unknown.status_code == 422 and "could not be read" in unknown.text
    paid = await visitor.post(
        f"checkout/{fee['id']}", {"card_name": "Vera", "payment_method_token": collected(stripe), "attempt": "one"}
    )
    assert paid.status_code == 303, paid.text
    done = await visitor.get(paid.headers["location"][len(visitor.path("")) :])
    assert "You can now watch The Film." in done.text
    account = await visitor.get("account")
    assert "Card ending in 4242" in account.text and 'data-stripe-key="' in account.text
