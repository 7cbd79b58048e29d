"""An item's prices over HTTP: added on the dashboard and then offered on the hosted pages, refused for the same
reasons as the merchant API's access fees (shown on the form, nothing written), changed, taken off sale and put back;
only by a role that edits the catalog."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from boxoffice.kit import clock
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.catalog import add_country_set, add_fee, add_item, catalog_rows
from tests.dialects.inplayer.conftest import Merchant, make_merchant, sign_up
from tests.web.dashboard.desk import Desk, invite, owner

MONTHLY, SEVEN_DAYS, UNTIL_A_DATE = "7", "3", "5"


def card() -> dict[str, str]:
    """A card the sandbox accepts, valid for years from the clock's now."""
    year = str(clock.now().year + 5)
    return {"number": "4242424242424242", "card_name": "Vera", "exp_month": "12", "exp_year": year, "cvv": "123"}


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


def local(delta: timedelta) -> str:
    """A moment from now as a datetime-local field sends it (UTC)."""
    return (clock.now() + delta).strftime("%Y-%m-%dT%H:%M")


async def new_item(boss: Desk, title: str = "Cup final") -> int:
    form = {
        "title": title,
        "asset_type": "html_asset",
        "access_control": "paid",
        "content": "<p>Live</p>",
        "description": "The whole match, live",
    }
    answer = await boss.post("/dashboard/catalog/items", form, form_on="/dashboard/catalog/items/new")
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].split("/")[-1].split("?")[0])


async def new_price(boss: Desk, item_id: int, **fields: str) -> int:
    form = {"access_type_id": MONTHLY, "amount": "9.99", "currency": "EUR", "description": "Monthly pass"}
    answer = await boss.post(f"/dashboard/catalog/items/{item_id}/prices", form | fields, form_on="/dashboard/catalog")
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/dashboard/catalog/items/{item_id}?told=price-created"
    fees = await boss.get(f"/dashboard/catalog/items/{item_id}")
    return max(int(n) for n in re.findall(r'data-price="(\d+)"', fees.text))


async def test_an_item_and_its_price_made_on_the_dashboard_are_offered_on_the_hosted_pages(
    server: Server, merchant: Merchant
) -> None:
    boss = await owner(server, merchant)
    item_id = await new_item(boss)
    assert (await boss.get(f"/dashboard/catalog/items/{item_id}/prices/new")).status_code == 200
    await new_price(
        boss,
        item_id,
        trial_quantity="7",
        trial_unit="day",
        setup_fee_amount="1.50",
        setup_fee_description="Activation",
    )
    await new_price(boss, item_id, access_type_id=SEVEN_DAYS, amount="4", description="A week's pass")
    page = await boss.get(f"/dashboard/catalog/items/{item_id}")
    assert "€9.99 · Subscription, every month · 7 days trial · €1.50 setup fee" in page.text
    assert "€4.00 · 7 days of access" in page.text
    assert f'href="/pages/{merchant.uuid}/offers/{item_id}"' in page.text
    demo = f"/demo/publisher?merchant={merchant.uuid}&items={item_id}"
    assert f'href="{demo.replace("&", "&amp;")}"' in page.text
    assert f'data-items="{item_id}"' in (await server.http.get(demo)).text

    offers = await server.http.get(f"/pages/{merchant.uuid}/offers/{item_id}")
    assert offers.status_code == 200 and "<p>The whole match, live</p>" in offers.text
    assert "<p>Live</p>" not in offers.text  # the content is for buyers only
    assert "Monthly pass" in offers.text and "€9.99" in offers.text and "per month" in offers.text
    assert "Free trial: 7 days" in offers.text and "Setup fee: €1.50" in offers.text
    assert "A week&#39;s pass" in offers.text and "€4.00" in offers.text
    fees = await server.http.get(f"/v2/items/{item_id}/access-fees")
    assert sorted(fee["amount"] for fee in fees.json()) == [4, 9.99]
    week = next(fee for fee in fees.json() if fee["amount"] == 4)
    assert f"/checkout/{week['id']}" in offers.text
    viewer = await sign_up(server, merchant, "vera@example.com")
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 402
    paid = await server.http.post("/payments", headers=viewer.auth, data=card() | {"access_fee": str(week["id"])})
    assert paid.status_code == 200, paid.text
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 200

    log = (await boss.get("/dashboard/audit", q="price")).text
    assert "Created a price" in log and f"of item {item_id}: €9.99 · Subscription, every month" in log


async def test_a_refused_price_shows_the_api_s_reasons_on_its_form_and_writes_nothing(
    server: Server, merchant: Merchant
) -> None:
    boss = await owner(server, merchant)
    item_id = await new_item(boss)
    theirs = await add_country_set(server, await make_merchant(server, "other@publisher.example.com"))
    before = await catalog_rows(server, merchant)
    refusals = [
        (
            {"access_type_id": SEVEN_DAYS, "trial_quantity": "7", "trial_unit": "day"},
            "trial_quantity",
            "Only a subscription can have a trial",
        ),
        (
            {"access_type_id": SEVEN_DAYS, "setup_fee_amount": "1"},
            "setup_fee_amount",
            "Only a subscription can have a setup fee",
        ),
        ({"amount": "0"}, "amount", "The amount must be greater than zero"),
        ({"amount": "4.999"}, "amount", "more decimals than EUR allows"),
        ({"amount": "four"}, "amount", "Type the amount as a number such as 4.99"),
        ({"currency": "XYZ"}, "currency", "The currency must be an ISO-4217 code"),
        ({"access_type_id": UNTIL_A_DATE}, "expires_at", "needs the date its access ends"),
        ({"expires_at": local(-timedelta(hours=1))}, "expires_at", "The end of sale must be in the future"),
        ({"expires_at": "tomorrow"}, "expires_at", "Give a date and time"),
        ({"expires_at": "9999-12-31T23:59-14:00"}, "expires_at", "Give a date and time"),
        ({"amount": "999999999999.99"}, "amount", "The amount is too large"),
        ({"trial_quantity": "7"}, "trial_unit", "A trial needs both its length and its period"),
        ({"country_set_id": str(theirs["id"])}, "country_set_id", "No country set of yours has this id"),
        ({"access_type_id": "99"}, "access_type_id", "Unknown access type"),
    ]
    base = {"access_type_id": MONTHLY, "amount": "9.99", "currency": "EUR"}
    for fields, field, message in refusals:
        answer = await boss.post(
            f"/dashboard/catalog/items/{item_id}/prices", base | fields, form_on="/dashboard/catalog"
        )
        assert answer.status_code == 422, (fields, answer.status_code)
        assert message.replace("'", "&#39;") in answer.text, (fields, answer.text)
        assert f'aria-describedby="problem-{field}"' in answer.text, fields
    assert await catalog_rows(server, merchant) == before
    kept = await boss.post(
        f"/dashboard/catalog/items/{item_id}/prices",
        base | {"amount": "0", "description": "Kept"},
        form_on="/dashboard/catalog",
    )
    assert 'value="Kept"' in kept.text  # what was typed stays on the form

    # The merchant API refuses the same terms with the same reason.
    api = await server.http.post(
        f"/v2/items/{item_id}/access-fees",
        headers=merchant.auth,
        data={
            "access_type_id": SEVEN_DAYS,
            "amount": "4",
            "currency": "EUR",
            "trial_period_quantity": "7",
            "trial_period_period": "day",
        },
    )
    assert api.status_code == 422 and "Only a subscription can have a trial" in api.text

    off = await boss.post(f"/dashboard/catalog/items/{item_id}/active", {"active": "no"}, form_on="/dashboard/catalog")
    assert off.status_code == 303
    inactive = await boss.post(f"/dashboard/catalog/items/{item_id}/prices", base, form_on="/dashboard/catalog")
    assert inactive.status_code == 409 and "activate it before putting a price on it" in inactive.text
    assert await catalog_rows(server, merchant) == before


async def test_a_price_is_changed_and_taken_off_sale(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    boss = await owner(server, merchant)
    item_id = await new_item(boss)
    price_id = await new_price(
        boss, item_id, trial_quantity="1", trial_unit="week", starts_at=local(timedelta(hours=1))
    )
    offers = f"/pages/{merchant.uuid}/offers/{item_id}"
    assert "Monthly pass" not in (await server.http.get(offers)).text  # not on sale before its start
    frozen.advance(hours=2)
    edit = f"/dashboard/catalog/items/{item_id}/prices/{price_id}"
    form = await boss.get(edit)
    assert form.status_code == 200 and 'value="9.99"' in form.text and 'value="week" selected' in form.text
    shown_start = re.search(r'name="shown_starts_at" value="([^"]+)"', form.text)
    assert shown_start
    # Sent back unchanged, the start (now past) stands; the trial emptied is removed.
    changed = await boss.post(
        edit,
        {
            "access_type_id": MONTHLY,
            "amount": "12.50",
            "currency": "EUR",
            "description": "Monthly pass",
            "starts_at": shown_start.group(1),
            "shown_starts_at": shown_start.group(1),
        },
        form_on=edit,
    )
    assert changed.status_code == 303, changed.text
    shown = (await server.http.get(offers)).text
    assert "€12.50" in shown and "Free trial" not in shown
    europe = await add_country_set(server, merchant)
    terms = {"access_type_id": MONTHLY, "amount": "12.50", "currency": "EUR"}
    assert f'<option value="{europe["id"]}">Europe (whitelist)</option>' in (await boss.get(edit)).text
    limited = await boss.post(edit, terms | {"country_set_id": str(europe["id"])}, form_on=edit)
    assert limited.status_code == 303
    assert "countries: Europe" in (await boss.get(f"/dashboard/catalog/items/{item_id}")).text
    assert (await boss.post(edit, terms, form_on=edit)).status_code == 303  # an empty choice: sold everywhere
    assert "countries: Europe" not in (await boss.get(f"/dashboard/catalog/items/{item_id}")).text
    moved = await boss.post(
        edit,
        {
            "access_type_id": MONTHLY,
            "amount": "12.50",
            "currency": "EUR",
            "starts_at": local(timedelta(days=2)),
            "expires_at": local(timedelta(days=1)),
        },
        form_on=edit,
    )
    assert moved.status_code == 422 and "The end of sale must come after its start" in moved.text
    empty = await boss.post(edit, {"access_type_id": MONTHLY, "amount": "", "currency": "EUR"}, form_on=edit)
    assert empty.status_code == 422 and "The amount is required" in empty.text

    off = await boss.post(f"{edit}/active", {"active": "no"}, form_on=edit)
    assert off.status_code == 303 and off.headers["location"].endswith("?told=price-deactivated")
    assert "This is not on sale at the moment." in (await server.http.get(offers)).text
    assert "inactive" in (await boss.get(f"/dashboard/catalog/items/{item_id}")).text
    on = await boss.post(f"{edit}/active", {"active": "yes"}, form_on=edit)
    assert on.status_code == 303 and "€12.50" in (await server.http.get(offers)).text

    other = await make_merchant(server, "other@publisher.example.com")
    theirs = await add_fee(server, other, (await add_item(server, other))["id"])
    assert (await boss.get(f"/dashboard/catalog/items/{item_id}/prices/{theirs['id']}")).status_code == 404
    stolen = await boss.post(
        f"/dashboard/catalog/items/{item_id}/prices/{theirs['id']}/active", {"active": "no"}, form_on=edit
    )
    assert stolen.status_code == 404


@pytest.mark.parametrize("role", ["analyst", "support"])
async def test_a_role_that_reads_the_catalog_may_not_price_it(
    server: Server, mailbox: Mailbox, merchant: Merchant, role: str
) -> None:
    boss = await owner(server, merchant)
    item_id = await new_item(boss)
    price_id = await new_price(boss, item_id)
    reader = await invite(server, mailbox, boss, "reader@publisher.example.com", role)
    page = await reader.get(f"/dashboard/catalog/items/{item_id}")
    assert page.status_code == 200 and "€9.99 · Subscription, every month" in page.text
    assert "Edit<" not in page.text and "Take off sale" not in page.text
    price = f"/dashboard/catalog/items/{item_id}/prices/{price_id}"
    for path in (f"/dashboard/catalog/items/{item_id}/prices/new", price):
        assert (await reader.get(path)).status_code == 403, path
    form = {"access_type_id": MONTHLY, "amount": "1", "currency": "EUR"}
    for path, data in (
        (f"/dashboard/catalog/items/{item_id}/prices", form),
        (price, form),
        (f"{price}/active", {"active": "no"}),
    ):
        assert (await reader.post(path, data, form_on="/dashboard/catalog")).status_code == 403, path
    fees = await server.http.get(f"/v2/items/{item_id}/access-fees")
    assert [fee["amount"] for fee in fees.json()] == [9.99]
