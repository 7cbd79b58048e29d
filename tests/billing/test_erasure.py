"""An erased customer is never charged again: erasing, by the customer or by their merchant, cancels each
subscription still charging at its period's end (what was paid for runs out as bought), and the renewal engine
then has nothing to renew."""

from __future__ import annotations

import pytest

from boxoffice.billing.models import Subscription, SubscriptionStatus
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, fetch_rows, make_merchant, sign_up
from tests.dialects.inplayer.test_subscriptions import monthly_fee, subscribe
from tests.web.dashboard.desk import owner


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def test_erasing_an_account_cancels_its_subscriptions(server: Server, merchant: Merchant) -> None:
    _, fee = await monthly_fee(server, merchant)
    vera = await sign_up(server, merchant, "vera@example.com")
    otto = await sign_up(server, merchant, "otto@example.com")
    for viewer in (vera, otto):
        assert (await subscribe(server, viewer, fee)).status_code == 200
    erased = await server.http.request(
        "DELETE", "/accounts/erase", headers=vera.auth, data={"password": vera.password, "branding_id": "undefined"}
    )
    assert erased.status_code == 200, erased.text
    statuses = {s.customer_id: s.status for s in await fetch_rows(server, Subscription, merchant.id)}
    assert statuses == {vera.id: SubscriptionStatus.CANCELED, otto.id: SubscriptionStatus.ACTIVE}

    boss = await owner(server, merchant)
    by_merchant = await boss.post(
        f"/dashboard/customers/{otto.id}/erase", {"confirmation": "otto@example.com"}, form_on="/dashboard/customers"
    )
    assert by_merchant.status_code == 303, by_merchant.text
    statuses = {s.customer_id: s.status for s in await fetch_rows(server, Subscription, merchant.id)}
    assert statuses == {vera.id: SubscriptionStatus.CANCELED, otto.id: SubscriptionStatus.CANCELED}
