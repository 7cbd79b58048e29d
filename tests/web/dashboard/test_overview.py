"""The dashboard's way in and its overview over HTTP: a merchant signs in with its e-mail and password (a form with
this browser's token, a cookie kept to the dashboard and never sent cross-site), and sees its revenue, nobody
else's; the pages are framed by nobody."""

from __future__ import annotations

import re
from datetime import datetime

import httpx
import pytest

from boxoffice.kit import clock
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Merchant, make_merchant, sign_up
from tests.dialects.inplayer.test_subscriptions import monthly_fee, subscribe
from tests.web.dashboard.desk import invite, owner

PASSWORD = "merchant-pass-1"
CARD = {"number": "4242424242424242", "card_name": "Vera", "exp_month": "12", "exp_year": "2031", "cvv": "123"}


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def form_token(http: httpx.AsyncClient, path: str = "/dashboard/sign-in") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', (await http.get(path)).text)
    assert found
    return found.group(1)


async def signed_in(server: Server, merchant: Merchant) -> httpx.Response:
    token = await form_token(server.http)
    answer = await server.http.post(
        "/dashboard/sign-in", data={"csrf_token": token, "email": merchant.email, "password": PASSWORD}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard", answer.text
    return answer


async def sell(server: Server, merchant: Merchant, email: str, amount: str) -> None:
    fee = await add_fee(server, merchant, (await add_item(server, merchant))["id"], amount=amount)
    viewer = await sign_up(server, merchant, email)
    paid = await server.http.post("/payments", headers=viewer.auth, data=CARD | {"access_fee": str(fee["id"])})
    assert paid.status_code == 200, paid.text


async def test_a_merchant_signs_in_and_sees_only_its_own_revenue(server: Server, merchant: Merchant) -> None:
    assert (await server.http.get("/dashboard")).headers["location"] == "/dashboard/sign-in?next=/dashboard"
    token = await form_token(server.http)
    wrong = await server.http.post(
        "/dashboard/sign-in", data={"csrf_token": token, "email": merchant.email, "password": "not it at all"}
    )
    assert wrong.status_code == 401 and "The e-mail address or the password is wrong." in wrong.text
    forged = await server.http.post("/dashboard/sign-in", data={"email": merchant.email, "password": PASSWORD})
    assert forged.status_code == 403

    cookie = (await signed_in(server, merchant)).headers["set-cookie"]
    assert "bo_member=" in cookie and "Path=/dashboard;" in cookie and "SameSite=Strict" in cookie
    empty = await server.http.get("/dashboard")
    assert "No revenue in the last 30 days yet." in empty.text
    assert "frame-ancestors 'none'" in empty.headers["content-security-policy"]

    await sell(server, merchant, "vera@example.com", "4.99")
    await sell(server, merchant, "otto@example.com", "10.00")
    other = await make_merchant(server, "owner@other.example.com")
    await sell(server, other, "ada@example.com", "99.00")
    overview = await server.http.get("/dashboard")
    assert 'id="currency-EUR"' in overview.text and 'id="currency-USD"' not in overview.text
    figures = dict(re.findall(r'<dt>([^<]+)</dt><dd><a href="[^"]+">([^<]+)</a></dd>', overview.text))
    assert [figures[label] for label in ("Today", "Last 7 days", "Last 30 days")] == ["€14.99"] * 3
    assert overview.text.count("<rect ") == 30 and "€99.00" not in overview.text


async def test_a_customers_token_opens_no_dashboard_and_signing_out_ends_the_session(
    server: Server, merchant: Merchant
) -> None:
    viewer = await sign_up(server, merchant, "vera@example.com")
    transport = server.http._transport
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", cookies={"bo_member": viewer.token}
    ) as posing:
        assert (await posing.get("/dashboard")).status_code == 303
    cookie = re.search(r"bo_member=([^;]+)", (await signed_in(server, merchant)).headers["set-cookie"])
    assert cookie
    out = await server.http.post(
        "/dashboard/sign-out", data={"csrf_token": await form_token(server.http, "/dashboard")}
    )
    assert out.status_code == 303 and "bo_member=;" in out.headers["set-cookie"]
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", cookies={"bo_member": cookie.group(1)}
    ) as kept:
        assert (await kept.get("/dashboard")).headers["location"] == "/dashboard/sign-in?next=/dashboard"


def figures_of(page: str) -> dict[str, tuple[str, str | None]]:
    """Each figure's label, shown value and the address it links to (None: not a link)."""
    found = {}
    for label, linked, value, plain in re.findall(
        r'<dt>([^<]+)</dt><dd>(?:<a href="([^"]+)">([^<]+)</a>|([^<]+))</dd>', page
    ):
        found[label] = (value or plain, linked.replace("&amp;", "&") or None)
    return found


async def test_the_overview_shows_mrr_and_subscribers_each_a_link_to_its_rows(
    server: Server, merchant: Merchant, mailbox: Mailbox, frozen: clock.FrozenClock
) -> None:
    frozen.advance(seconds=(datetime(2026, 12, 31, 22, 0) - frozen.now()).total_seconds())
    _, fee_id = await monthly_fee(server, merchant)
    viewer = await sign_up(server, merchant, "vera@example.com")
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    boss = await owner(server, merchant)
    try:
        shown = figures_of((await boss.get("/dashboard")).text)
        assert shown["MRR"] == ("€9.99", "/dashboard/subscriptions?state=active")
        assert shown["New"] == ("+€9.99", "/dashboard/subscriptions?state=active")
        assert shown["Churn"] == ("€0.00", "/dashboard/subscriptions?state=cancelled")
        assert shown["Active subscriptions"] == ("1", "/dashboard/subscriptions?state=active")
        assert shown["In a trial"] == ("0", "/dashboard/subscriptions?state=trial")
        assert shown["Trials converted (30 days)"] == ("—", "/dashboard/subscriptions?state=trial")
        assert shown["Past due, in dunning"] == ("0", "/dashboard/subscriptions?state=past_due")
        assert shown["Last 30 days"] == ("€9.99", "/dashboard/transactions?since=2026-12-02")
        assert shown["Today"] == ("€9.99", "/dashboard/transactions?since=2026-12-31")
        assert shown["Refunds (30 days)"] == ("€0.00", "/dashboard/transactions?kind=refund&since=2026-12-02")

        # An analyst reads the same figures, but not the customers' rows behind them.
        analyst = await invite(server, mailbox, boss, "ann@x.example.com", "analyst")
        page = (await analyst.get("/dashboard")).text
        assert figures_of(page)["MRR"] == ("€9.99", None) and "/dashboard/subscriptions?" not in page
        await analyst.aclose()
    finally:
        await boss.aclose()
