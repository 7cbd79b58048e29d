"""Gifts over HTTP: the dashboard lists a gift bought through the merchant API, and then redeemed, without its code;
who bought it and for whom only to a role that reads customers."""

from __future__ import annotations

import pytest

from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, make_merchant, sign_up
from tests.dialects.inplayer.test_gifts import FRIEND, bought_gift, redeem
from tests.web.dashboard.desk import invite, owner

HERE = "/dashboard/catalog/gifts"


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


@pytest.fixture
async def viewer(server: Server, merchant: Merchant) -> Viewer:
    return await sign_up(server, merchant, "buyer@example.com")


async def test_a_gift_is_listed_as_it_stands_and_its_code_never(
    server: Server, mailbox: Mailbox, merchant: Merchant, viewer: Viewer
) -> None:
    item_id, code = await bought_gift(server, merchant, viewer, mailbox)
    boss = await owner(server, merchant)
    page = (await boss.get(HERE)).text
    row = page.split("data-gift=")[1].split("</tr>")[0]
    assert "1 gift." in page and f'href="/dashboard/catalog/items/{item_id}"' in row
    assert "buyer@example.com" in row and FRIEND in row and "sent" in row and code not in page

    friend = await sign_up(server, merchant, FRIEND)
    assert (await redeem(server, friend, code)).status_code == 200
    assert "redeemed on" in (await boss.get(HERE)).text

    analyst = await invite(server, mailbox, boss, "ann@publisher.example.com", "analyst")
    shown = await analyst.get(HERE)
    assert shown.status_code == 200 and "redeemed on" in shown.text
    assert "buyer@example.com" not in shown.text and FRIEND not in shown.text
    support = await invite(server, mailbox, boss, "sam@publisher.example.com", "support")
    assert "buyer@example.com" in (await support.get(HERE)).text
    other = await owner(server, await make_merchant(server, "other@publisher.example.com"))
    assert "0 gifts." in (await other.get(HERE)).text
