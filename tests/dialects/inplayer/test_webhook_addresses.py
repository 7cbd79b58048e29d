"""With the operator's default settings, webhooks never reach this machine or a private network: endpoints
aimed there are refused when saved, and an endpoint whose host later points there is refused when dialled."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from boxoffice.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, assert_error, fetch_rows, sign_up
from tests.dialects.inplayer.webhook_helpers import add_webhook, sending
from tests.webhooks.receiver import receiving


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:192.168.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
async def test_an_endpoint_aimed_at_a_private_address_is_refused(server: Server, merchant: Merchant, url: str) -> None:
    body = assert_error(await server.http.post("/webhooks", data={"url": url}, headers=merchant.auth), 422, "url")
    assert "can't be sent there" in body["errors"]["url"]
    assert (await server.http.get("/webhooks", headers=merchant.auth)).json() == []


async def test_a_host_that_points_somewhere_private_later_is_refused_when_dialled(
    server: Server, merchant: Merchant
) -> None:
    hook = await add_webhook(server, merchant, "https://hooks.publisher.example.com/boxoffice")
    async with receiving() as receiver, sending(server) as sender:
        # As if the name had been re-pointed at this machine after the endpoint was saved.
        async with server.app.state.sessions() as session, session.begin():
            await session.execute(
                update(WebhookEndpoint)
                .where(WebhookEndpoint.merchant_id == merchant.id, WebhookEndpoint.id == hook["id"])
                .values(url=receiver.url("/ok"))
            )
        await sign_up(server, merchant, "second@example.com")
        await sender.run_until_idle()
    assert receiver.requests == []
    [delivery] = await fetch_rows(server, WebhookDelivery, merchant.id)
    assert delivery.status == "pending" and delivery.last_error is not None
    assert delivery.last_error == "refused: 127.0.0.1 is a private, loopback or link-local address"
