"""An Idempotency-Key whose server process was killed mid-request: held while the dead process's lease lasts, then
taken over by the retry, which answers with the payment as it was settled (by the janitor, or by the retry asking
the gateway again under the payment's own key), never charging twice. Real `boxoffice serve` processes, a real
SIGKILL, and Stripe played by a local fake that does the charge and then never answers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from boxoffice.billing import janitor
from boxoffice.billing.models import Payment
from boxoffice.kit import clock
from boxoffice.kit.idempotency import IdempotencyRecord
from boxoffice.kit.sealing import new_key
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, fetch_rows
from tests.dialects.inplayer.test_gateway_settings import use_stripe
from tests.dialects.inplayer.test_payments import books_hold, card_form, priced_item
from tests.gateways.fake_stripe import FakeStripe
from tests.served import served

# Short, so that the test waits little for it to run out; long enough that the checks made while it lasts are
# done well within what is left of it after the kill (at least two thirds of it: it is renewed three times a lease).
LEASE = 6.0
SUBMITTED = {"code": 200, "message": "Submitted for payment"}


@pytest.fixture
def settings(settings: Settings, stripe: FakeStripe) -> Settings:
    return settings.model_copy(
        update={
            "stripe_api_base": stripe.base_url,
            "encryption_keys": [new_key()],
            "idempotency_lease_seconds": LEASE,
        }
    )


def environment(settings: Settings) -> dict[str, str]:
    return {
        "BOXOFFICE_STRIPE_API_BASE": settings.stripe_api_base or "",
        "BOXOFFICE_ENCRYPTION_KEYS": ",".join(settings.encryption_keys),
        "BOXOFFICE_IDEMPOTENCY_LEASE_SECONDS": str(LEASE),
    }


async def pay_at(http: httpx.AsyncClient, viewer: Viewer, fee_id: int, key: str) -> httpx.Response:
    return await http.post("/payments", headers=viewer.auth | {"Idempotency-Key": key}, data=card_form(fee_id))


async def wait_out_the_leases(server: Server) -> None:
    """Until the last lease on a key has run out: the time a dead process's claims are held, which is what is
    being tested, so it is waited for rather than stood in for."""
    async with server.app.state.sessions() as session:
        last = await session.scalar(select(func.max(IdempotencyRecord.lease_until)))
    assert last is not None
    await asyncio.sleep((last - clock.now()).total_seconds() + 0.1)


async def test_a_key_held_by_a_killed_process_is_taken_over_and_answered_with_the_settled_payment(
    server: Server, merchant: Merchant, viewer: Viewer, stripe: FakeStripe
) -> None:
    await use_stripe(server, merchant)
    _, by_janitor = await priced_item(server, merchant)
    _, by_retry = await priced_item(server, merchant)
    keys = {by_janitor: "buy-1", by_retry: "buy-2"}
    stripe.hang_next("/v1/payment_intents", times=len(keys))
    env = environment(server.settings)
    async with served(server.settings, **env) as doomed, served(server.settings, **env) as survivor:
        in_flight = [asyncio.create_task(pay_at(doomed.http, viewer, fee, key)) for fee, key in keys.items()]
        for _ in keys:  # both charged at Stripe, their answers never to come
            assert await asyncio.to_thread(stripe.hung.acquire, True, 60)
        await doomed.kill()
        for request in in_flight:
            with pytest.raises(httpx.TransportError):
                await request
        # The dead process's claims hold until their leases run out, as a live one's would.
        for fee, key in keys.items():
            assert_error(await pay_at(survivor.http, viewer, fee, key), 409)
        await wait_out_the_leases(server)
        # One retry finds its payment still pending: it asks Stripe again under the payment's key, and is told of
        # the charge already made.
        retried = await pay_at(survivor.http, viewer, by_retry, "buy-2")
        assert retried.status_code == 200 and retried.json() == SUBMITTED, retried.text
        # The janitor settles the other; its retry answers with that.
        stale = clock.now() + janitor.STALE_AFTER + timedelta(seconds=1)
        assert await janitor.reconcile(server.app.state.sessions, server.app.state.gateways, stale) == 1
        answered = await pay_at(survivor.http, viewer, by_janitor, "buy-1")
        assert answered.status_code == 200 and answered.json() == SUBMITTED, answered.text
        again = await pay_at(survivor.http, viewer, by_janitor, "buy-1")
        assert again.json() == SUBMITTED and again.headers["Idempotent-Replayed"] == "true"
    charges = [r.idempotency_key for r in stripe.requests if (r.method, r.path) == ("POST", "/v1/payment_intents")]
    assert len(stripe.intents) == len(set(charges)) == 2  # asked three times, under two keys: charged twice
    assert [p.status for p in await fetch_rows(server, Payment, merchant.id)] == ["succeeded", "succeeded"]
    assert await books_hold(server, merchant) == {"EUR": 2 * 499}
