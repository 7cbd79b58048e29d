"""Writes that arrive together: each waits its turn for the database; none crashes, whatever the engine."""

from __future__ import annotations

import asyncio

from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_item
from tests.dialects.inplayer.conftest import Merchant


async def test_parallel_report_requests_wait_their_turn(server: Server, merchant: Merchant) -> None:
    item = await add_item(server, merchant)
    exports = [
        server.http.post(f"/v2/reporting/{kind}", headers=merchant.auth, data={})
        for kind in ("transactions", "subscriptions", "customers")
        for _ in range(14)
    ]
    content_requests = {"item_id": str(item["id"]), "start_date": "2026-01-01", "end_date": "2026-02-01"}
    generated = [
        server.http.post("/v2/analytics/content-requests/generate", headers=merchant.auth, data=content_requests)
        for _ in range(24)
    ]
    answers = await asyncio.gather(*exports, *generated)
    # Reports asked for in the same second share a name: one request makes it and the others ask again for it,
    # or, while it is being written by a request still running, are told so.
    for answer in answers:
        assert answer.status_code == 202 or (answer.status_code == 409 and "being made" in answer.json()["message"]), (
            answer.text
        )
    listed = await server.http.get("/v2/reporting/reports", headers=merchant.auth)
    assert {f["name"].split("_")[0] for f in listed.json()} == {"transactions", "subscriptions", "customers"}
    files = await server.http.get("/v2/analytics/content-requests", headers=merchant.auth)
    assert files.status_code == 200
    assert sum(a.status_code == 202 for a in answers[-24:]) >= 1


async def test_parallel_tax_rate_edits_each_take_effect_whole(server: Server, merchant: Merchant) -> None:
    rates = ["23", "0", "7.7", "0", "5"] * 8
    answers = await asyncio.gather(
        *(server.http.put("/v2/tax-rates/PL", headers=merchant.auth, data={"rate": rate}) for rate in rates)
    )
    assert [a.status_code for a in answers] == [200] * len(rates), [a.text for a in answers if a.status_code != 200]
    # A rate set holds its row until the edit commits, so its answer shows that rate. A removal finds the row,
    # and holds it, or finds none, when an edit racing it may add one before the answer is read.
    for rate, answer in zip(rates, answers, strict=True):
        if rate != "0":
            assert answer.json() == [{"country": "PL", "rate": float(rate)}], answer.text
    final = (await server.http.get("/v2/tax-rates", headers=merchant.auth)).json()
    assert final in ([], *([{"country": "PL", "rate": float(rate)}] for rate in rates if rate != "0"))
