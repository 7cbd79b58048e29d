"""Coupon campaigns as Cleeng lists them, for both of its publisher APIs (JSON-RPC's `listCouponCampaigns`, API 3.1's
`GET /campaigns`): the core's voucher campaign, its discount as a percentage or an amount, its offers as ids."""

from __future__ import annotations

from typing import Any

from boxoffice.dialects.cleeng.money import decimal
from boxoffice.dialects.cleeng.offer_ids import offer_id
from boxoffice.kit import clock
from boxoffice.promotions.campaigns import CampaignView


def _discount(view: CampaignView) -> float | int | None:
    campaign = view.campaign
    if campaign.amount_off is not None and campaign.currency is not None:
        return decimal(campaign.amount_off, campaign.currency)
    return campaign.percent_off


def campaign_object(view: CampaignView) -> dict[str, Any]:
    """A campaign as Cleeng lists one; a subscription campaign with its periods too."""
    campaign = view.campaign
    found = {
        "id": str(campaign.id),
        "name": campaign.name,
        "numberOfCoupons": view.voucher_count,
        "discount": _discount(view),
        "discountType": "fixed" if campaign.amount_off is not None else "percent",
        "currency": campaign.currency,
        "usagePerUser": None,  # a coupon's uses are counted over every customer
        "applicableOnOfferIds": [offer_id(price) for price in view.prices],
        "maxUsages": campaign.usage_limit,
        "expirationDate": clock.unix(campaign.ends_at) if campaign.ends_at else None,
        "associateEmail": view.associate.email if view.associate else None,
        "active": campaign.active,
    }
    if campaign.for_subscriptions:
        found |= {
            "applicableOnFirstPeriod": True,
            "numberOfAppliedPeriods": campaign.discount_duration,
            "paymentDetailsRequired": True,  # a subscription is always charged to a card after its discount
        }
    return found
