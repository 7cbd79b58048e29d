"""The payment gateway at the dashboard: Stripe chosen with its secrets, which are never shown again in full (not
even when the form is refused), kept when left empty; bad keys refused with nothing written; the sandbox chosen
back; closed to roles without the settings."""

from __future__ import annotations

import pytest

from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, make_merchant
from tests.web.dashboard.desk import invite, owner

GATEWAY = "/dashboard/developers/gateway"
SECRET_KEY = "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc"
WEBHOOK_SECRET = "whsec_" + "Zm9vYmFyYmF6cXV4cXV1eA"
STRIPE = {
    "gateway": "stripe",
    "stripe_secret_key": SECRET_KEY,
    "stripe_webhook_secret": WEBHOOK_SECRET,
    "stripe_publishable_key": "pk_test_TYooMQauvdEDq54NiTphI7jx",
}


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def chosen(server: Server, merchant: Merchant) -> str:
    answer = await server.http.get("/payments/gateway", headers=merchant.auth)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["gateway"])


async def test_stripe_is_chosen_with_its_secrets_masked(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    shown = (await boss.get(GATEWAY)).text
    assert "data-gateway>sandbox<" in shown and f"/webhooks/gateways/stripe/{merchant.uuid}" in shown

    keyless = await boss.post(GATEWAY, {"gateway": "stripe"})
    assert keyless.status_code == 422 and "Stripe needs the account&#39;s secret key" in keyless.text
    bad = await boss.post(GATEWAY, STRIPE | {"stripe_secret_key": "sk_nope_" + SECRET_KEY[-8:]})
    assert bad.status_code == 422 and "starts with sk_test_" in bad.text and SECRET_KEY[-8:] not in bad.text
    half = await boss.post(GATEWAY, STRIPE | {"stripe_webhook_secret": "nope"})
    assert half.status_code == 422 and SECRET_KEY not in half.text  # a refused form never echoes a secret
    assert await chosen(server, merchant) == "sandbox"

    saved = await boss.post(GATEWAY, STRIPE)
    assert saved.headers["location"] == f"{GATEWAY}?told=saved"
    shown = (await boss.get(GATEWAY)).text
    assert "data-gateway>stripe<" in shown and f"sk_test_****{SECRET_KEY[-4:]}" in shown
    assert SECRET_KEY not in shown and WEBHOOK_SECRET not in shown and "data-webhook-secret>set<" in shown
    assert await chosen(server, merchant) == "stripe"

    kept = await boss.post(GATEWAY, {"gateway": "stripe", "stripe_secret_key": "", "stripe_webhook_secret": ""})
    assert kept.status_code == 303
    assert f"sk_test_****{SECRET_KEY[-4:]}" in (await boss.get(GATEWAY)).text
    assert (await boss.post(GATEWAY, {"gateway": "sandbox"})).status_code == 303
    assert await chosen(server, merchant) == "sandbox"
    log = (await boss.get("/dashboard/audit", q="gateway")).text
    assert "Changed the payment gateway" in log and SECRET_KEY not in log


async def test_only_roles_with_the_settings_choose_the_gateway(
    server: Server, mailbox: Mailbox, merchant: Merchant
) -> None:
    boss = await owner(server, merchant)
    await boss.post(GATEWAY, STRIPE)
    for role in ("support", "analyst"):
        member = await invite(server, mailbox, boss, f"{role}@publisher.example.com", role)
        answer = await member.get(GATEWAY)
        assert answer.status_code == 403 and SECRET_KEY[-4:] not in answer.text
        assert (await member.post(GATEWAY, {"gateway": "sandbox"})).status_code == 403
    assert await chosen(server, merchant) == "stripe"
