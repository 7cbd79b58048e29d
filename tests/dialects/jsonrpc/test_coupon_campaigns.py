"""Coupon campaigns over JSON-RPC: made by the merchant or an associate on the merchant's offers, listed with their
coupons a page at a time, switched off and on, coupons imported all or none; a coupon taken at MediaStore's
checkout like any voucher; every refusal with Cleeng's code and nothing written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from boxoffice.kit import clock
from boxoffice.promotions.models import Voucher, VoucherCampaign
from tests.conftest import Server
from tests.dialects.inplayer.conftest import count_rows, make_merchant
from tests.dialects.jsonrpc.client import JsonRpc, RpcError
from tests.dialects.jsonrpc.conftest import Publisher, publisher_of
from tests.dialects.mediastore import conftest as mediastore
from tests.dialects.mediastore.conftest import call, data, refused

LIST_METHODS = ("listCouponCampaigns", "listSubscriptionCouponCampaigns", "listCoupons")


@dataclass
class Desk:
    publisher: Publisher
    associate: str  # an associate's distributor token
    pass_offer: str  # 10 EUR for a week
    subscription_offer: str  # 8 EUR a month

    @property
    def merchant_id(self) -> int:
        return self.publisher.merchant.id


async def desk_of(rpc: JsonRpc, publisher: Publisher) -> Desk:
    token = {"publisherToken": publisher.token}
    common = {"description": "The whole season", "currency": "EUR"}
    week = await rpc.call(
        "createPassOffer", **token, offerData=common | {"title": "Week", "price": 10, "period": "week"}
    )
    month = await rpc.call(
        "createSubscriptionOffer", **token, offerData=common | {"title": "Month", "price": 8, "period": "month"}
    )
    ann = await rpc.call(
        "createAssociate", distributorToken=publisher.token, associateData={"email": "ann@example.com"}
    )
    return Desk(publisher, ann["distributorToken"], week["id"], month["id"])


def campaign(desk: Desk, **extra: Any) -> dict[str, Any]:
    """20 % off the weekly pass, three coupons."""
    return {
        "name": "Ann's readers",
        "discount": 20,
        "applicableOnOfferIds": [desk.pass_offer],
        "numberOfCoupons": 3,
    } | extra


async def test_an_associate_makes_a_campaign_that_lists_with_its_coupons(rpc: JsonRpc, publisher: Publisher) -> None:
    desk = await desk_of(rpc, publisher)
    ends = clock.unix(clock.now()) + 30 * 86400
    made = await rpc.call(
        "createCouponCampaign",
        distributorToken=desk.associate,
        campaignData=campaign(desk, expirationDate=ends, maxUsages=2),
    )
    assert (made["name"], made["discount"], made["applicableOnOfferIds"], made["maxUsages"]) == (
        "Ann's readers",
        20,
        [desk.pass_offer],
        2,
    )
    assert (made["expirationDate"], made["associateEmail"], made["active"], made["numberOfCoupons"]) == (
        ends,
        "ann@example.com",
        True,
        3,
    )
    codes = [coupon["code"] for coupon in made["coupons"]]
    assert len(set(codes)) == 3 and all(isinstance(code, str) and len(code) >= 3 for code in codes)
    listed = {key: value for key, value in made.items() if key != "coupons"}
    for token in (desk.associate, publisher.token):
        items, total = await rpc.items("listCouponCampaigns", distributorToken=token, criteria={}, offset=0, limit=10)
        assert (total, items) == (1, [listed])
        assert await rpc.items("listSubscriptionCouponCampaigns", distributorToken=token, criteria={}) == ([], 0)
    coupons, total = await rpc.items(
        "listCoupons", distributorToken=desk.associate, criteria={"campaignId": made["id"]}
    )
    assert total == 3 and {c["code"] for c in coupons} == set(codes)
    assert all(c["usageCount"] == 0 and c["active"] is True for c in coupons)


async def test_the_merchant_makes_campaigns_for_itself_or_an_associate(rpc: JsonRpc, publisher: Publisher) -> None:
    desk = await desk_of(rpc, publisher)
    own = await rpc.call("createCouponCampaign", distributorToken=publisher.token, campaignData=campaign(desk))
    anns = await rpc.call(
        "createCouponCampaign",
        distributorToken=publisher.token,
        campaignData=campaign(desk, associateEmail="ann@example.com", numberOfCoupons=0),
    )
    assert own["associateEmail"] is None and anns["associateEmail"] == "ann@example.com" and anns["coupons"] == []
    items, total = await rpc.items("listCouponCampaigns", distributorToken=desk.associate, criteria={})
    assert (total, [item["id"] for item in items]) == (1, [anns["id"]])
    items, total = await rpc.items("listCouponCampaigns", distributorToken=publisher.token, criteria={"limit": 1})
    assert (total, [item["id"] for item in items]) == (2, [anns["id"]])  # newest first
    await rpc.refused(4, "deactivateCouponCampaign", distributorToken=desk.associate, campaignId=own["id"])
    await rpc.refused(4, "listCoupons", distributorToken=desk.associate, criteria={"campaignId": own["id"]})
    await rpc.refused(4, "importCoupons", distributorToken=desk.associate, campaignId=own["id"], coupons=["ANN-1"])
    await rpc.refused(
        10,
        "createCouponCampaign",
        distributorToken=publisher.token,
        campaignData=campaign(desk, associateEmail="x@example.com"),
    )


async def test_a_subscription_campaign_lasts_some_periods(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    desk = await desk_of(rpc, publisher)
    data_ = campaign(desk, applicableOnOfferIds=[desk.subscription_offer.split("_")[0]], numberOfAppliedPeriods=3)
    made = await rpc.call("createSubscriptionCouponCampaign", distributorToken=desk.associate, campaignData=data_)
    assert (made["applicableOnOfferIds"], made["numberOfAppliedPeriods"], made["applicableOnFirstPeriod"]) == (
        [desk.subscription_offer],
        3,
        True,
    )
    assert made["paymentDetailsRequired"] is True and len(made["coupons"]) == 3
    items, total = await rpc.items("listSubscriptionCouponCampaigns", distributorToken=desk.associate, criteria={})
    assert total == 1 and items[0]["id"] == made["id"] and items[0]["numberOfCoupons"] == 3
    assert await rpc.items("listCouponCampaigns", distributorToken=desk.associate, criteria={}) == ([], 0)
    # A pass is no subscription, nor a subscription a pass; and every discount applies from the first period.
    token = {"distributorToken": desk.associate}
    await rpc.refused(11, "createSubscriptionCouponCampaign", **token, campaignData=campaign(desk))
    await rpc.refused(
        11, "createCouponCampaign", **token, campaignData=campaign(desk, applicableOnOfferIds=[desk.subscription_offer])
    )
    await rpc.refused(
        11, "createSubscriptionCouponCampaign", **token, campaignData=data_ | {"applicableOnFirstPeriod": False}
    )
    assert await count_rows(server, VoucherCampaign, desk.merchant_id) == 1


async def test_a_coupon_is_taken_at_mediastores_checkout_while_its_campaign_is_on(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    desk = await desk_of(rpc, publisher)
    made = await rpc.call(
        "createCouponCampaign",
        distributorToken=desk.associate,
        campaignData=campaign(desk, discount=50, numberOfCoupons=1),
    )
    code = made["coupons"][0]["code"]
    customer = await mediastore.register(server, await mediastore.publisher_of(server, publisher.merchant))
    body = {"offerId": desk.pass_offer, "customerId": customer.id, "paymentMethodId": 0, "buyAsAGift": False}
    order = data(await call(server, "POST", "/orders", body, headers=customer.auth))["order"]
    path = f"/orders/{order['id']}"

    assert (await rpc.call("deactivateCouponCampaign", distributorToken=desk.associate, campaignId=made["id"])) == {
        "success": True
    }
    refused(await call(server, "PATCH", path, {"couponCode": code}, headers=customer.auth), 422, text="not found")
    items, _ = await rpc.items("listCouponCampaigns", distributorToken=desk.associate, criteria={})
    assert items[0]["active"] is False

    assert (await rpc.call("activateCouponCampaign", distributorToken=desk.associate, campaignId=made["id"])) == {
        "success": True
    }
    halved = data(await call(server, "PATCH", path, {"couponCode": code.lower()}, headers=customer.auth))["order"]
    assert halved["discount"]["applied"] is True
    assert halved["priceBreakdown"]["discountedPrice"] == order["priceBreakdown"]["offerPrice"] / 2


async def test_coupons_are_listed_a_page_at_a_time(rpc: JsonRpc, publisher: Publisher) -> None:
    desk = await desk_of(rpc, publisher)
    made = await rpc.call(
        "createCouponCampaign", distributorToken=desk.associate, campaignData=campaign(desk, numberOfCoupons=5)
    )
    made_codes = [coupon["code"] for coupon in made["coupons"]]
    seen = []
    for offset in (0, 2, 4):
        criteria = {"campaignId": made["id"], "offset": offset, "limit": 2}
        page, total = await rpc.items("listCoupons", distributorToken=desk.associate, criteria=criteria)
        assert total == 5 and len(page) == min(2, 5 - offset)
        seen += [coupon["code"] for coupon in page]
    assert sorted(seen) == sorted(made_codes)
    beside, _ = await rpc.items(
        "listCoupons", distributorToken=desk.associate, criteria={"campaignId": made["id"]}, offset=4, limit=2
    )
    assert [c["code"] for c in beside] == seen[4:]
    token = {"distributorToken": desk.associate}
    for bad in (
        {"campaignId": made["id"], "limit": 0},
        {"campaignId": made["id"], "offset": -1},
        {"campaignId": "x"},
        {},
    ):
        await rpc.refused(11, "listCoupons", **token, criteria=bad)
    await rpc.refused(11, "listCoupons", **token)
    await rpc.refused(11, "listCouponCampaigns", **token, criteria=[1], limit=101)
    await rpc.refused(4, "listCoupons", **token, criteria={"campaignId": int(made["id"]) + 1000})


async def test_imported_coupons_are_taken_all_or_none(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    desk = await desk_of(rpc, publisher)
    made = await rpc.call(
        "createCouponCampaign", distributorToken=desk.associate, campaignData=campaign(desk, numberOfCoupons=1)
    )
    taken = made["coupons"][0]["code"]
    token = {"distributorToken": desk.associate, "campaignId": made["id"]}
    for coupons in (
        ["ANN-1", "ann-1"],  # twice, in any case
        ["ANN-1", taken.lower()],  # already a coupon's
        ["ANN-1", "two words"],
        ["ANN-1", "ab"],
        ["ANN-1", "x" * 65],
        ["ANN-1", 7.5],
        ["ANN-1", None],
        ["ANN-1", {"code": ["ANN-2"]}],
        [],
        "ANN-1",
    ):
        await rpc.refused(11, "importCoupons", **token, coupons=coupons)
    assert await count_rows(server, Voucher, desk.merchant_id) == 1
    await rpc.refused(11, "importCoupons", distributorToken=desk.associate, campaignId="first", coupons=["ANN-1"])
    await rpc.refused(
        4, "importCoupons", distributorToken=desk.associate, campaignId=int(made["id"]) + 1000, coupons=["ANN-1"]
    )

    assert await rpc.call("importCoupons", **token, coupons=["ann-1", {"code": "ANN-2"}, 12345]) == {"success": True}
    coupons, total = await rpc.items(
        "listCoupons", distributorToken=desk.associate, criteria={"campaignId": made["id"]}
    )
    assert total == 4 and [c["code"] for c in coupons][1:] == ["ANN-1", "ANN-2", "12345"]
    items, _ = await rpc.items("listCouponCampaigns", distributorToken=desk.associate, criteria={})
    assert items[0]["numberOfCoupons"] == 4


async def test_bad_campaign_data_is_code_11_or_4_and_writes_nothing(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    desk = await desk_of(rpc, publisher)
    token = {"distributorToken": desk.associate}
    past = clock.unix(clock.now()) - 60
    bad_data: list[Any] = [
        None,
        [],
        "campaign",
        campaign(desk, name=None),
        campaign(desk, name=" "),
        campaign(desk, discount=None),
        campaign(desk, discount=0),
        campaign(desk, discount=101),
        campaign(desk, discount="much"),
        campaign(desk, discountType="fixed", discount=2.5),  # no currency
        campaign(desk, discountType="fixed", discount=2.555, currency="EUR"),
        campaign(desk, discountType="fixed", discount=2.5, currency="XYZ"),  # no such currency
        campaign(desk, applicableOnOfferIds=["not an offer"]),
        campaign(desk, applicableOnOfferIds=[{"id": desk.pass_offer}]),
        campaign(desk, expirationDate=past),
        campaign(desk, expirationDate="tomorrow"),
        campaign(desk, maxUsages=0),
        campaign(desk, numberOfCoupons=1001),
        campaign(desk, numberOfCoupons=-1),
        campaign(desk, associateEmail=["ann@example.com"]),
    ]
    for bad in bad_data:
        await rpc.refused(11, "createCouponCampaign", **token, campaignData=bad)
    await rpc.refused(
        4, "createCouponCampaign", **token, campaignData=campaign(desk, applicableOnOfferIds=["P999999999_EU"])
    )
    for method in ("activateCouponCampaign", "deactivateCouponCampaign"):
        await rpc.refused(11, method, **token)
        await rpc.refused(11, method, **token, campaignId="first")
        await rpc.refused(4, method, **token, campaignId=999999)
    assert await count_rows(server, VoucherCampaign, desk.merchant_id) == 0
    assert await count_rows(server, Voucher, desk.merchant_id) == 0


async def test_a_fixed_discount_is_an_amount_in_a_currency(rpc: JsonRpc, publisher: Publisher) -> None:
    desk = await desk_of(rpc, publisher)
    made = await rpc.call(
        "createCouponCampaign",
        distributorToken=publisher.token,
        campaignData=campaign(desk, discountType="fixed", discount=2.5, currency="eur"),
    )
    assert (made["discount"], made["discountType"], made["currency"]) == (2.5, "fixed", "EUR")


async def test_tokens_and_other_merchants_campaigns(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    desk = await desk_of(rpc, publisher)
    made = await rpc.call("createCouponCampaign", distributorToken=desk.associate, campaignData=campaign(desk))
    other = await publisher_of(server, await make_merchant(server, "other@publisher.example.com"))
    theirs = {"distributorToken": other.token}
    for method in ("activateCouponCampaign", "deactivateCouponCampaign"):
        await rpc.refused(4, method, **theirs, campaignId=made["id"])
    await rpc.refused(4, "listCoupons", **theirs, criteria={"campaignId": made["id"]})
    await rpc.refused(4, "importCoupons", **theirs, campaignId=made["id"], coupons=["OTHER-1"])
    await rpc.refused(4, "createCouponCampaign", **theirs, campaignData=campaign(desk))  # our offer is none of theirs
    await rpc.refused(
        10,
        "createCouponCampaign",
        **theirs,
        campaignData=campaign(desk, applicableOnOfferIds=[], associateEmail="ann@example.com"),
    )
    assert await rpc.items("listCouponCampaigns", **theirs, criteria={}) == ([], 0)
    for method in (
        "createCouponCampaign",
        "createSubscriptionCouponCampaign",
        "activateCouponCampaign",
        "deactivateCouponCampaign",
        *LIST_METHODS,
        "importCoupons",
    ):
        for given in ({}, {"distributorToken": "y" * 48}, {"distributorToken": ["x"]}):
            await rpc.refused(
                3,
                method,
                **given,
                campaignData=campaign(desk),
                campaignId=made["id"],
                criteria={"campaignId": made["id"]},
                coupons=["NEW-1"],
            )
    items, _ = await rpc.items("listCouponCampaigns", distributorToken=publisher.token, criteria={})
    assert [item["active"] for item in items] == [True]


async def test_the_php_sdks_batch_of_an_associates_calls(rpc: JsonRpc, publisher: Publisher) -> None:
    desk = await desk_of(rpc, publisher)
    made = await rpc.call("createCouponCampaign", distributorToken=desk.associate, campaignData=campaign(desk))
    token = {"distributorToken": desk.associate}
    answers = await rpc.batch(
        ("getAssociate", token | {"associateEmail": "ann@example.com"}),
        ("listCouponCampaigns", token | {"criteria": {}, "offset": 0, "limit": 10}),
        ("listCoupons", token | {"criteria": {"campaignId": made["id"]}}),
        ("deactivateCouponCampaign", token | {"campaignId": int(made["id"]) + 1000}),
        ("importCoupons", token | {"campaignId": made["id"], "coupons": ["BATCH-1"]}),
    )
    associate, listed, coupons, missing, imported = answers
    assert isinstance(associate, dict) and associate["email"] == "ann@example.com"
    assert isinstance(listed, dict) and listed["totalItemCount"] == 1 and listed["items"][0]["id"] == made["id"]
    assert isinstance(coupons, dict) and coupons["totalItemCount"] == 3
    assert isinstance(missing, RpcError) and missing.code == 4
    assert imported == {"success": True}
