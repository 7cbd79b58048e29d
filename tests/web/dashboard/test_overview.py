"""The dashboard's way in and its overview over HTTP: a merchant signs in with its e-mail and password (a form with
this browser's token, a cookie kept to the dashboard and never sent cross-site), and sees its revenue, nobody
else's; the pages are framed by nobody."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Merchant, make_merchant, sign_up

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
    assert "Revenue in EUR" in overview.text and "Revenue in USD" not in overview.text
    figures = re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", overview.text)
    assert figures == [("Today", "€14.99"), ("Last 7 days", "€14.99"), ("Last 30 days", "€14.99")]
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
