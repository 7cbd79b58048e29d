"""Coupon campaigns through API 3.1: the publisher's and its associates' campaigns of both kinds, made through the
JSON-RPC API, listed newest first as `{message, data[]}` a page at a time; another publisher's are never listed."""

from __future__ import annotations

from boxoffice.promotions.models import VoucherCampaign
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok, refused
from tests.dialects.inplayer.conftest import count_rows
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.test_coupon_campaigns import campaign, desk_of


async def test_campaigns_are_listed_newest_first(server: Server, api: Api31, other: Api31) -> None:
    rpc = JsonRpc(server.http)
    desk = await desk_of(rpc, api.publisher)
    single = await rpc.call("createCouponCampaign", distributorToken=desk.associate, campaignData=campaign(desk))
    monthly = await rpc.call(
        "createSubscriptionCouponCampaign",
        distributorToken=api.publisher.token,
        campaignData=campaign(desk, name="Loyal", applicableOnOfferIds=[desk.subscription_offer]),
    )
    listed = ok(await api.get("/campaigns"))
    assert set(listed) == {"message", "data"}
    assert [(c["id"], c["name"]) for c in listed["data"]] == [(monthly["id"], "Loyal"), (single["id"], "Ann's readers")]
    first = listed["data"][1]
    assert (first["discount"], first["applicableOnOfferIds"], first["associateEmail"]) == (
        20,
        [desk.pass_offer],
        "ann@example.com",
    )
    assert listed["data"][0]["numberOfAppliedPeriods"] is None
    assert [c["id"] for c in ok(await api.get("/campaigns?offset=1&limit=1"))["data"]] == [single["id"]]
    assert ok(await other.get("/campaigns"))["data"] == []
    refused(await api.get("/campaigns?limit=0"), 400)
    refused(await api.get("/campaigns?offset=x"), 400)
    refused(await api.http.get("/3.1/campaigns"), 401)
    assert await count_rows(server, VoucherCampaign, api.publisher.merchant.id) == 2
