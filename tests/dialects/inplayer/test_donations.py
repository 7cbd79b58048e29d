"""Donation amounts a merchant suggests for an item, and the viewer's `getDonationOptions`."""

from __future__ import annotations

import httpx

from boxoffice.catalog.models import DonationOption, Product
from tests.conftest import Server
from tests.dialects.inplayer.conftest import (
    Merchant,
    Viewer,
    assert_error,
    count_rows,
    fetch_rows,
    make_merchant,
    sign_up,
)
from tests.dialects.inplayer.seed import add_donation, add_product


async def donate_option(server: Server, merchant: Merchant, item_id: int | str, **form: str) -> httpx.Response:
    return await server.http.post(f"/v2/items/{item_id}/donations", headers=merchant.auth, data=form)


async def test_viewer_reads_an_items_donations(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    item = await add_product(server, merchant)
    empty = await server.http.get(f"/v2/items/{item.id}/donations", headers=viewer.auth)
    assert empty.status_code == 200, empty.text
    assert empty.json() == {
        "donations": None,
        "donation_options": {"id": item.id, "item_id": item.id, "custom_price_enabled": False},
    }

    coffee = await donate_option(server, merchant, item.id, amount="5", currency="eur", description="A coffee")
    assert coffee.status_code == 201, coffee.text
    assert coffee.json() == {
        "id": coffee.json()["id"],
        "item_id": item.id,
        "amount": 5.0,
        "currency": "EUR",
        "description": "A coffee",
    }
    lunch = await donate_option(server, merchant, item.id, amount="12.50", currency="EUR")
    yen = await donate_option(server, merchant, item.id, amount="500", currency="JPY", description="Tip")
    assert lunch.json()["amount"] == 12.5 and lunch.json()["description"] == ""
    assert yen.json()["amount"] == 500
    stored = sorted((row.currency, row.amount) for row in await fetch_rows(server, DonationOption, merchant.id))
    assert stored == [("EUR", 500), ("EUR", 1250), ("JPY", 500)]

    switched = await server.http.put(
        f"/v2/items/{item.id}/donation-options", headers=merchant.auth, data={"custom_price_enabled": "true"}
    )
    assert switched.status_code == 200
    assert switched.json()["donation_options"]["custom_price_enabled"] is True

    read = (await server.http.get(f"/v2/items/{item.id}/donations", headers=viewer.auth)).json()
    assert [d["amount"] for d in read["donations"]] == [5.0, 12.5, 500]
    assert read["donation_options"]["custom_price_enabled"] is True
    # The merchant's own token reads it too.
    assert (await server.http.get(f"/v2/items/{item.id}/donations", headers=merchant.auth)).json() == read

    removed = await server.http.delete(f"/v2/items/{item.id}/donations/{coffee.json()['id']}", headers=merchant.auth)
    assert removed.status_code == 200 and removed.json() == {"code": 200, "message": "Donation deleted"}
    read = (await server.http.get(f"/v2/items/{item.id}/donations", headers=viewer.auth)).json()
    assert [d["description"] for d in read["donations"]] == ["", "Tip"]
    again = await server.http.delete(f"/v2/items/{item.id}/donations/{coffee.json()['id']}", headers=merchant.auth)
    assert_error(again, 404)


async def test_reading_donations_needs_a_token_and_an_item(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    item = await add_product(server, merchant)
    assert_error(await server.http.get(f"/v2/items/{item.id}/donations"), 401)
    assert_error(await server.http.get(f"/v2/items/{item.id}/donations", headers={"Authorization": "Bearer "}), 401)
    assert_error(await server.http.get("/v2/items/999999/donations", headers=viewer.auth), 404)
    assert_error(await server.http.get("/v2/items/abc/donations", headers=viewer.auth), 422)


async def test_bad_donations_are_refused_and_write_nothing(server: Server, merchant: Merchant) -> None:
    item = await add_product(server, merchant)
    good = {"amount": "5.00", "currency": "EUR", "description": "A coffee"}
    cases = [
        ({"amount": ""}, "amount"),
        ({"amount": "five"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "Infinity"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": "1.5", "currency": "JPY"}, "amount"),
        ({"amount": "99999999999"}, "amount"),
        ({"amount": "1" * 100}, "amount"),
        ({"currency": ""}, "currency"),
        ({"currency": "EU"}, "currency"),
        ({"currency": "XXX"}, "currency"),
        ({"description": "x" * 501}, "description"),
    ]
    for change, field in cases:
        assert_error(await donate_option(server, merchant, item.id, **(good | change)), 422, field)
    assert_error(await donate_option(server, merchant, 999_999, **good), 404)
    assert_error(await donate_option(server, merchant, "abc", **good), 422)
    bad_switch = [{}, {"custom_price_enabled": ""}, {"custom_price_enabled": "maybe"}]
    for form in bad_switch:
        response = await server.http.put(f"/v2/items/{item.id}/donation-options", headers=merchant.auth, data=form)
        assert_error(response, 422, "custom_price_enabled")
    assert_error(await server.http.delete(f"/v2/items/{item.id}/donations/999999", headers=merchant.auth), 404)
    assert await count_rows(server, DonationOption, merchant.id) == 0
    [product] = await fetch_rows(server, Product, merchant.id)
    assert product.custom_price_enabled is False


async def test_donations_stay_inside_their_merchant(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    other = await make_merchant(server, "owner@rival.example.com")
    outsider = await sign_up(server, other, email="fan@rival.example.com")
    mine = await add_product(server, merchant)
    theirs = await add_product(server, other)
    their_option = await add_donation(server, other, theirs)
    my_option = await add_donation(server, merchant, mine)

    # Neither a viewer nor a merchant reads another merchant's item.
    assert_error(await server.http.get(f"/v2/items/{theirs.id}/donations", headers=viewer.auth), 404)
    assert_error(await server.http.get(f"/v2/items/{theirs.id}/donations", headers=merchant.auth), 404)
    assert_error(await server.http.get(f"/v2/items/{mine.id}/donations", headers=outsider.auth), 404)
    attempts = [
        await donate_option(server, merchant, theirs.id, amount="1", currency="EUR"),
        await server.http.delete(f"/v2/items/{theirs.id}/donations/{their_option.id}", headers=merchant.auth),
        # Another's donation through one's own item.
        await server.http.delete(f"/v2/items/{mine.id}/donations/{their_option.id}", headers=merchant.auth),
        await server.http.put(
            f"/v2/items/{theirs.id}/donation-options", headers=merchant.auth, data={"custom_price_enabled": "true"}
        ),
    ]
    for response in attempts:
        assert_error(response, 404)
    assert [row.id for row in await fetch_rows(server, DonationOption, other.id)] == [their_option.id]
    assert [row.id for row in await fetch_rows(server, DonationOption, merchant.id)] == [my_option.id]
    [product] = await fetch_rows(server, Product, other.id)
    assert product.custom_price_enabled is False
