"""The demo's half year of business: made once (a second run adds nothing), on a test clock that ends now, rich
enough that the dashboard's overview and analytics say something — MRR, subscribers, trials, renewals declined,
refunds — when the demo merchant signs in."""

from __future__ import annotations

import re

from boxoffice import demo
from boxoffice.billing import sandbox_clocks
from boxoffice.gateways.models import MerchantGateway
from boxoffice.kit.db import transaction
from boxoffice.kit.sealing import Sealer
from tests.conftest import Server
from tests.web.dashboard.desk import sign_in
from tests.web.dashboard.test_overview import figures_of


async def test_the_demo_history_fills_the_dashboards_figures(server: Server) -> None:
    async with transaction(server.app.state.sessions) as session:
        merchant = (await demo.seed_demo(session, Sealer([]))).merchant
    made = await demo.seed_history(server.settings, merchant.id)
    assert made is not None and made.customers >= 200 and made.subscriptions >= 80
    assert made.renewals > made.subscriptions // 2 and made.declined and made.switches and made.refunds
    assert await demo.seed_history(server.settings, merchant.id) is None

    owner = await sign_in(server, demo.MERCHANT_EMAIL, demo.MERCHANT_PASSWORD)
    try:
        shown = figures_of((await owner.get("/dashboard")).text)
        mrr, _ = shown["MRR"]
        assert re.fullmatch(r"\$[\d,]+\.\d\d", mrr) and mrr != "$0.00", mrr
        assert int(shown["Active subscriptions"][0]) > 40 and int(shown["Subscribers"][0]) > 40
        assert shown["Last 30 days"][0] != "$0.00"
        assert "Trials converted (30 days)" in shown and "Past due, in dunning" in shown
        page = (await owner.get("/dashboard/analytics")).text
        assert "Logins per country" in page and "About to churn" in page and "None yet." not in page
    finally:
        await owner.aclose()


async def test_no_history_is_made_up_for_a_merchant_paid_through_a_real_gateway(server: Server) -> None:
    async with transaction(server.app.state.sessions) as session:
        merchant = (await demo.seed_demo(session, Sealer([]))).merchant
        session.add(MerchantGateway(merchant_id=merchant.id, gateway="stripe"))
    assert await demo.seed_history(server.settings, merchant.id) is None
    async with server.app.state.sessions() as session:
        assert list(await sandbox_clocks.list_clocks(session, merchant.id)) == []
