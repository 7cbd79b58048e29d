"""Vouchers over HTTP: made on the dashboard as the merchant API makes them (the same refusals, by field, nothing
written), listed with what they take off, deactivated; read but never written by the roles that only read the
catalog."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from boxoffice.kit import clock
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.catalog import add_item
from tests.dialects.inplayer.conftest import Merchant, make_merchant
from tests.web.dashboard.desk import Desk, invite, owner

HERE = "/dashboard/catalog/vouchers"


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


def local(delta: timedelta) -> str:
    return (clock.now() + delta).strftime("%Y-%m-%dT%H:%M")


async def made(boss: Desk, **fields: str) -> None:
    answer = await boss.post(HERE, {"name": "Spring", "code": "spring-20", "discount": "20"} | fields, form_on=HERE)
    assert answer.status_code == 303 and answer.headers["location"] == f"{HERE}?told=created", answer.text


async def api_vouchers(server: Server, merchant: Merchant) -> list[dict[str, Any]]:
    answer = await server.http.get("/vouchers", headers=merchant.auth)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["collection"])


async def test_vouchers_are_made_listed_and_deactivated(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    boss = await owner(server, merchant)
    item = await add_item(server, merchant)
    await made(boss)
    await made(
        boss,
        name="Final",
        code="final",
        discount="",
        amount_off="2.50",
        currency="eur",
        discount_period="repeating",
        discount_duration="3",
        end_date=local(timedelta(days=30)),
        usage_limit="5",
        item_ids=str(item["id"]),
    )
    page = await boss.get(HERE)
    assert "2 vouchers." in page.text and "The voucher is made." not in page.text
    final = page.text.split('data-voucher="FINAL"')[1].split("</tr>")[0]
    assert "€2.50, on 3 charges" in final and f"item {item['id']}" in final and "0 of 5" in final
    assert "20 %" in page.text.split('data-voucher="SPRING-20"')[1].split("</tr>")[0]
    listed = {voucher["code"]: voucher for voucher in await api_vouchers(server, merchant)}
    assert listed["SPRING-20"]["discount"] == 20 and listed["FINAL"]["amount_off"] == 2.5
    assert listed["FINAL"]["rules"][0]["value"] == item["id"] and listed["FINAL"]["usage_limit"] == 5

    voucher_id = listed["SPRING-20"]["id"]
    off = await boss.post(f"{HERE}/{voucher_id}/deactivate", form_on=HERE)
    assert off.status_code == 303 and off.headers["location"] == f"{HERE}?told=deactivated"
    assert {v["code"]: v["active"] for v in await api_vouchers(server, merchant)} == {"SPRING-20": False, "FINAL": True}
    log = (await boss.get("/dashboard/audit", q="voucher")).text
    assert "Created a voucher" in log and "Deactivated a voucher" in log and "FINAL" in log


async def test_a_refused_voucher_shows_the_api_s_reasons_and_writes_nothing(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    theirs = await add_item(server, await make_merchant(server, "other@publisher.example.com"))
    await made(boss)
    refusals = [
        ({"amount_off": "1", "currency": "EUR"}, "discount", "Give either a percentage"),
        ({"discount": "150"}, "discount", "The discount is a percentage from 1 to 100"),
        ({"discount": "ten"}, "discount", "Give a whole number"),
        ({"code": "x"}, "code", "The code is 3 to 64 letters"),
        ({"name": ""}, "name", "The name is required"),
        ({"discount_period": "repeating"}, "discount_duration", "A repeating discount lasts 1 to 120 charges"),
        (
            {"start_date": local(timedelta(days=2)), "end_date": local(timedelta(days=1))},
            "end_date",
            "The end date must be after the start date",
        ),
        ({"item_ids": str(theirs["id"])}, "item_ids", "No item of yours has one of these ids"),
        ({"discount": "", "amount_off": "1", "currency": "XYZ"}, "currency", "The currency must be an ISO-4217 code"),
        ({"usage_limit": "0"}, "usage_limit", "The usage limit is a whole number of uses, at least 1"),
        ({"discount": "", "amount_off": "99999999999", "currency": "EUR"}, "amount_off", "The amount off is too large"),
        ({"end_date": "9999-12-31T23:59-14:00"}, "end_date", "Give a date and time"),
    ]
    base = {"name": "Summer", "code": "summer", "discount": "10"}
    for fields, field, message in refusals:
        answer = await boss.post(HERE, base | fields, form_on=HERE)
        assert answer.status_code == 422, (fields, answer.status_code)
        assert message in answer.text and f'aria-describedby="problem-{field}"' in answer.text, (fields, answer.text)
    taken = await boss.post(HERE, base | {"code": "Spring-20"}, form_on=HERE)
    assert taken.status_code == 409 and "Another voucher of yours has this code" in taken.text
    assert 'value="Summer"' in taken.text  # what was typed stays on the form
    assert [voucher["code"] for voucher in await api_vouchers(server, merchant)] == ["SPRING-20"]
    assert (await boss.post(f"{HERE}/999999/deactivate", form_on=HERE)).status_code == 404


@pytest.mark.parametrize("role", ["analyst", "support"])
async def test_a_role_that_reads_the_catalog_may_not_make_or_end_vouchers(
    server: Server, mailbox: Mailbox, merchant: Merchant, role: str
) -> None:
    boss = await owner(server, merchant)
    await made(boss)
    voucher_id = (await api_vouchers(server, merchant))[0]["id"]
    reader = await invite(server, mailbox, boss, "reader@publisher.example.com", role)
    page = await reader.get(HERE)
    assert page.status_code == 200 and "SPRING-20" in page.text
    assert "Make the voucher" not in page.text and "Deactivate" not in page.text
    made_by_reader = await reader.post(HERE, {"name": "Mine", "code": "mine", "discount": "90"}, form_on=HERE)
    assert made_by_reader.status_code == 403
    assert (await reader.post(f"{HERE}/{voucher_id}/deactivate", form_on=HERE)).status_code == 403
    assert [(v["code"], v["active"]) for v in await api_vouchers(server, merchant)] == [("SPRING-20", True)]
