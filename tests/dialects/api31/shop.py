"""A publisher's offers for API 3.1's tests, made through the InPlayer merchant API, a viewer who buys them with
the sandbox gateway, and a payment method of the publisher's own connector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Viewer, sign_up
from tests.dialects.inplayer.test_payments import card_form


def offer_id(letter: str, fee: dict[str, Any], country: str = "EU") -> str:
    return f"{letter}{fee['id']:09d}_{country}"


@dataclass
class Shop:
    pass_fee: dict[str, Any]  # a week's pass to a match
    monthly_fee: dict[str, Any]  # a monthly subscription to a season
    rental_fee: dict[str, Any]  # a day's rental of a film

    @property
    def pass_id(self) -> str:
        return offer_id("P", self.pass_fee)

    @property
    def monthly_id(self) -> str:
        return offer_id("S", self.monthly_fee)

    @property
    def rental_id(self) -> str:
        return offer_id("R", self.rental_fee)


@pytest.fixture
async def shop(server: Server, api: Api31) -> Shop:
    merchant = api.publisher.merchant
    match = await add_item(server, merchant, title="Cup final")
    week = await add_fee(server, merchant, match["id"], access_type_id="3", amount="12.30", description="A week")
    season = await add_item(server, merchant, title="Season")
    monthly = await add_fee(server, merchant, season["id"], access_type_id="7", amount="9.99", description="Monthly")
    film = await add_item(server, merchant, title="Film")
    day = await add_fee(server, merchant, film["id"], access_type_id="1", amount="3.50", description="A day")
    return Shop(week, monthly, day)


async def buy(server: Server, viewer: Viewer, fee: dict[str, Any]) -> None:
    paid = await server.http.post("/payments", headers=viewer.auth, data=card_form(fee["id"]))
    assert paid.status_code == 200, paid.text


async def subscribe(server: Server, viewer: Viewer, fee: dict[str, Any]) -> None:
    form = card_form(fee["id"], return_url="https://app.example.com/plans")
    started = await server.http.post("/subscriptions", headers=viewer.auth, data=form)
    assert started.status_code == 200, started.text


async def customer(server: Server, api: Api31, email: str = "viewer@example.com") -> Viewer:
    return await sign_up(server, api.publisher.merchant, email)


METHOD = {
    "source": "web",
    "methodName": "card",
    "paymentGateway": "acme-pay",
    "feeRate": 0.029,
    "isExternalPayment": True,
    "handler": "acme-connector",
    "gatewayParameters": {"merchantAccount": "ACME"},
    "paymentSupport": {"recurring": True},
    "paymentAmountAccuracy": 2,
    "autoTerminate": True,
}


async def external_method(api: Api31, **changes: Any) -> dict[str, Any]:
    return ok(await api.post("/payment_methods", METHOD | changes), 201)  # type: ignore[no-any-return]
