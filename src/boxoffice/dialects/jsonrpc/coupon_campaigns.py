"""Coupon campaigns, on the core's voucher campaigns: `createCouponCampaign` and
`createSubscriptionCouponCampaign` (a discount on offers, a number of generated coupons), `activateCouponCampaign`,
`deactivateCouponCampaign`, `listCouponCampaigns`, `listSubscriptionCouponCampaigns`, `listCoupons` and
`importCoupons`. A coupon is a voucher: its code is taken wherever a voucher code is (an InPlayer payment, a
MediaStore order's `couponCode`).

Each method takes a `distributorToken` (see associates.py): the merchant's token acts on all its campaigns, an
associate's on its own. `discount` is a percentage; `discountType: "fixed"` makes it an amount in `currency`."""

from __future__ import annotations

from typing import Any

from boxoffice.dialects.cleeng.campaigns import campaign_object
from boxoffice.dialects.cleeng.offer_ids import price_id_of
from boxoffice.dialects.jsonrpc.associates import distributor
from boxoffice.dialects.jsonrpc.calls import Call, Methods
from boxoffice.dialects.jsonrpc.errors import InvalidParams
from boxoffice.dialects.jsonrpc.offer_data import currency_of, money_of
from boxoffice.dialects.jsonrpc.params import Params
from boxoffice.promotions import campaigns
from boxoffice.promotions.campaigns import CampaignFields

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_EMAIL = 320


def _offers(data: Params) -> list[int]:
    """`applicableOnOfferIds` as price ids; none, every offer."""
    price_ids = []
    for text in data.texts("applicableOnOfferIds", max_items=MAX_LIMIT):
        found = price_id_of(text)
        if found is None:
            name = f"{data.where}.applicableOnOfferIds"
            raise InvalidParams(name, f"Invalid arguments: {name}: {text[:40]} is no offer id")
        price_ids.append(found[1])
    return price_ids


def _fields(data: Params, *, for_subscriptions: bool) -> CampaignFields:
    fields = CampaignFields(
        name=data.text("name", max_length=500),
        for_subscriptions=for_subscriptions,
        ends_at=data.timestamp("expirationDate", required=False),
        usage_limit=data.optional_integer("maxUsages", minimum=1),
        price_ids=_offers(data),
        voucher_count=data.integer("numberOfCoupons", 0, maximum=campaigns.MAX_CODES),
        associate_email=data.optional_text("associateEmail", max_length=MAX_EMAIL),
    )
    if data.optional_text("discountType", max_length=10) == "fixed":
        currency = currency_of(data)
        if currency is None:
            raise InvalidParams(f"{data.where}.currency", f"Invalid arguments: {data.where}.currency is required")
        fields.amount_off = money_of(data, currency, "discount")
    else:
        fields.percent_off = data.integer("discount", minimum=1, maximum=100)
    if for_subscriptions:
        if not data.boolean("applicableOnFirstPeriod", default=True):
            name = f"{data.where}.applicableOnFirstPeriod"
            raise InvalidParams(name, f"Invalid arguments: {name}: a discount always applies from the first period")
        fields.discount_duration = data.optional_integer("numberOfAppliedPeriods", minimum=1)
    return fields


async def _create(call: Call, *, for_subscriptions: bool) -> dict[str, Any]:
    who = await distributor(call)
    fields = _fields(call.params.object("campaignData"), for_subscriptions=for_subscriptions)
    view = await campaigns.create_campaign(call.session, who, fields)
    return campaign_object(view) | {"coupons": [{"code": code} for code in view.codes or []]}


async def create_coupon_campaign(call: Call) -> dict[str, Any]:
    return await _create(call, for_subscriptions=False)


async def create_subscription_coupon_campaign(call: Call) -> dict[str, Any]:
    return await _create(call, for_subscriptions=True)


def _campaign_id(params: Params) -> int:
    return params.integer("campaignId", minimum=1, maximum=2**63 - 1)


async def activate_coupon_campaign(call: Call) -> dict[str, Any]:
    who = await distributor(call)
    await campaigns.set_campaign_active(call.session, who, _campaign_id(call.params), True)
    return {"success": True}


async def deactivate_coupon_campaign(call: Call) -> dict[str, Any]:
    who = await distributor(call)
    await campaigns.set_campaign_active(call.session, who, _campaign_id(call.params), False)
    return {"success": True}


def _page(params: Params, criteria: Params) -> tuple[int, int]:
    """`offset` and `limit`, beside the criteria or (where the PHP SDK sends only criteria) within them."""
    where = params if params.has("offset") or params.has("limit") else criteria
    return where.integer("offset", 0), where.integer("limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)


async def _list(call: Call, *, for_subscriptions: bool) -> dict[str, Any]:
    who = await distributor(call)
    offset, limit = _page(call.params, call.params.object("criteria", required=False))
    total, views = await campaigns.list_campaigns(
        call.session, who, for_subscriptions=for_subscriptions, offset=offset, limit=limit
    )
    return {"items": [campaign_object(view) for view in views], "totalItemCount": total}


async def list_coupon_campaigns(call: Call) -> dict[str, Any]:
    return await _list(call, for_subscriptions=False)


async def list_subscription_coupon_campaigns(call: Call) -> dict[str, Any]:
    return await _list(call, for_subscriptions=True)


async def list_coupons(call: Call) -> dict[str, Any]:
    """A campaign's coupons (`criteria.campaignId`), in the order they were made."""
    who = await distributor(call)
    criteria = call.params.object("criteria")
    offset, limit = _page(call.params, criteria)
    total, vouchers = await campaigns.campaign_vouchers(
        call.session, who, _campaign_id(criteria), offset=offset, limit=limit
    )
    items = [{"code": v.code, "usageCount": v.usage_count, "active": v.active} for v in vouchers]
    return {"items": items, "totalItemCount": total}


def _codes(params: Params) -> list[str]:
    """`coupons`: codes, or objects with a `code` as coupons are listed."""
    codes = []
    for number, item in enumerate(params.items("coupons", max_items=campaigns.MAX_CODES)):
        coupon = (
            Params({"code": item}, f"coupons[{number}]")
            if not isinstance(item, dict)
            else Params(item, f"coupons[{number}]")
        )
        codes.append(coupon.text("code", max_length=200))
    return codes


async def import_coupons(call: Call) -> dict[str, Any]:
    """Coupons with the given codes, added to a campaign; all or none."""
    who = await distributor(call)
    campaign_id = _campaign_id(call.params)
    await campaigns.import_codes(call.session, who, campaign_id, _codes(call.params))
    return {"success": True}


METHODS: Methods = {
    "createCouponCampaign": create_coupon_campaign,
    "createSubscriptionCouponCampaign": create_subscription_coupon_campaign,
    "activateCouponCampaign": activate_coupon_campaign,
    "deactivateCouponCampaign": deactivate_coupon_campaign,
    "listCouponCampaigns": list_coupon_campaigns,
    "listSubscriptionCouponCampaigns": list_subscription_coupon_campaigns,
    "listCoupons": list_coupons,
    "importCoupons": import_coupons,
}
