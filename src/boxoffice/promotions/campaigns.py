"""Voucher campaigns: many vouchers made together, by the merchant or one of its associates, each with its own code
and the campaign's discount, prices, last moment and number of uses. A campaign's vouchers are vouchers like any
other, so a viewer redeems one wherever a voucher code is taken; they are switched on and off with their campaign.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.currencies import is_currency
from boxoffice.catalog.models import Price
from boxoffice.kit import clock, validation
from boxoffice.kit.errors import InvalidInput, Missing, NotFound
from boxoffice.kit.money import Money
from boxoffice.promotions import associates_repository
from boxoffice.promotions import repository as repo
from boxoffice.promotions.associates import Issuer, get_associate
from boxoffice.promotions.models import Associate, Voucher, VoucherCampaign, VoucherRule
from boxoffice.promotions.vouchers import MAX_AMOUNT_OFF, MAX_DURATION, MAX_NAME, MAX_USES, valid_code

# The most vouchers one call makes or takes: a larger campaign is made over several.
MAX_CODES = 1000
# Generated codes: no 0/O or 1/I, which read alike.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


@dataclass(slots=True)
class CampaignFields:
    name: str
    for_subscriptions: bool = False
    percent_off: int | None = None
    amount_off: Money | None = None
    # For a subscription: how many charges the discount lasts; None, every one.
    discount_duration: int | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = None  # of each voucher
    price_ids: list[int] | None = None  # None: every price
    voucher_count: int = 0  # vouchers to make now, with generated codes
    associate_email: str | None = None  # the merchant's: whose campaign it is


@dataclass(frozen=True, slots=True)
class CampaignView:
    campaign: VoucherCampaign
    associate: Associate | None
    prices: Sequence[Price]  # it applies to; none, every one
    voucher_count: int
    codes: Sequence[str] | None = None  # the vouchers it made, where just made


def _check(fields: CampaignFields, problems: validation.Problems) -> dict[str, object]:
    cleaned: dict[str, object] = {
        "name": validation.required_text(fields.name, "name", problems, max_length=MAX_NAME),
        "for_subscriptions": fields.for_subscriptions,
    }
    percent, money = fields.percent_off, fields.amount_off
    if (percent is None) == (money is None):
        problems.add("discount", "Give either a percentage or an amount off")
    elif percent is not None and not 1 <= percent <= 100:
        problems.add("discount", "The discount is a percentage from 1 to 100")
    elif money is not None and not 0 < money.amount <= MAX_AMOUNT_OFF:
        problems.add("discount", "The amount off must be greater than zero and not too large")
    elif money is not None and not is_currency(money.currency):
        problems.add("currency", f"{money.currency} is no currency")
    cleaned |= {
        "percent_off": percent,
        "amount_off": money.amount if money else None,
        "currency": money.currency if money else None,
    }
    duration = fields.discount_duration
    if duration is not None and (not fields.for_subscriptions or not 1 <= duration <= MAX_DURATION):
        problems.add("discount_duration", f"A subscription's discount lasts 1 to {MAX_DURATION} charges")
    period = "once" if not fields.for_subscriptions else ("forever" if duration is None else "repeating")
    cleaned |= {"discount_period": period, "discount_duration": duration}
    if fields.ends_at is not None and fields.ends_at <= clock.now():
        problems.add("ends_at", "The campaign must end in the future")
    if fields.usage_limit is not None and not 1 <= fields.usage_limit <= MAX_USES:
        problems.add("usage_limit", "The usage limit is a whole number of uses, at least 1")
    if not 0 <= fields.voucher_count <= MAX_CODES:
        problems.add("voucher_count", f"A campaign makes 0 to {MAX_CODES} vouchers at once")
    return cleaned | {"ends_at": fields.ends_at, "usage_limit": fields.usage_limit}


async def _prices(
    session: AsyncSession, merchant_id: int, fields: CampaignFields, problems: validation.Problems
) -> list[Price]:
    """The campaign's prices: the merchant's, and of its kind (subscriptions or one-time purchases)."""
    ids = sorted(set(fields.price_ids or []))
    prices = await catalog_repo.prices_by_ids(session, merchant_id, ids)
    missing = [i for i in ids if i not in prices]
    if missing:
        raise NotFound(what=Missing.PRICE, key=missing[0])
    if any((price.kind == "subscription") != fields.for_subscriptions for price in prices.values()):
        kind = "subscriptions" if fields.for_subscriptions else "one-time purchases"
        problems.add("price_ids", f"The campaign's prices must all be {kind}")
    return [prices[i] for i in ids]


async def _new_codes(session: AsyncSession, merchant_id: int, count: int) -> list[str]:
    """`count` random codes no voucher of the merchant has."""
    codes: list[str] = []
    while len(codes) < count:
        wanted = {"".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(count - len(codes))}
        codes += sorted(wanted - await repo.codes_taken(session, merchant_id, sorted(wanted)))
    return codes


async def _add_vouchers(session: AsyncSession, campaign: VoucherCampaign, codes: Sequence[str]) -> None:
    """A voucher for each code, carrying the campaign's settings and limited to its prices."""
    vouchers = [
        Voucher(
            merchant_id=campaign.merchant_id,
            campaign_id=campaign.id,
            name=campaign.name,
            code=code,
            percent_off=campaign.percent_off,
            amount_off=campaign.amount_off,
            currency=campaign.currency,
            discount_period=campaign.discount_period,
            discount_duration=campaign.discount_duration,
            ends_at=campaign.ends_at,
            usage_limit=campaign.usage_limit,
            active=campaign.active,
        )
        for code in codes
    ]
    session.add_all(vouchers)
    await session.flush()
    session.add_all(
        VoucherRule(merchant_id=campaign.merchant_id, voucher_id=voucher.id, price_id=price_id)
        for voucher in vouchers
        for price_id in campaign.price_ids
    )
    await session.flush()


async def create_campaign(session: AsyncSession, issuer: Issuer, fields: CampaignFields) -> CampaignView:
    """A campaign of the issuer's (or, for the merchant, of the associate it names) with its first vouchers."""
    merchant_id = issuer.merchant.id
    associate = issuer.associate
    if fields.associate_email is not None:
        associate = await get_associate(session, issuer, fields.associate_email)
    problems = validation.Problems()
    cleaned = _check(fields, problems)
    prices = await _prices(session, merchant_id, fields, problems)
    problems.raise_any()
    campaign = VoucherCampaign(
        merchant_id=merchant_id,
        associate_id=associate.id if associate else None,
        price_ids=[price.id for price in prices],
        **cleaned,
    )
    session.add(campaign)
    await session.flush()
    codes = await _new_codes(session, merchant_id, fields.voucher_count)
    await _add_vouchers(session, campaign, codes)
    return CampaignView(campaign, associate, prices, len(codes), codes)


async def _campaign(session: AsyncSession, issuer: Issuer, campaign_id: int) -> VoucherCampaign:
    """The merchant's campaign; an associate's own only."""
    campaign = await repo.campaign_by_id(session, issuer.merchant.id, campaign_id)
    if campaign is None or (issuer.associate is not None and campaign.associate_id != issuer.associate.id):
        raise NotFound(what=Missing.CAMPAIGN, key=campaign_id)
    return campaign


async def set_campaign_active(session: AsyncSession, issuer: Issuer, campaign_id: int, active: bool) -> None:
    """Switch the campaign, and every voucher it made, on or off."""
    campaign = await _campaign(session, issuer, campaign_id)
    campaign.active = active
    await repo.set_campaign_active(session, campaign.merchant_id, campaign.id, active)
    await session.flush()


async def list_campaigns(
    session: AsyncSession, issuer: Issuer, *, for_subscriptions: bool | None, offset: int, limit: int
) -> tuple[int, list[CampaignView]]:
    """The issuer's campaigns of one kind (None: both, subscriptions' and single offers'), newest first."""
    merchant_id = issuer.merchant.id
    total, campaigns = await repo.campaigns_page(
        session,
        merchant_id,
        associate_id=issuer.associate.id if issuer.associate else None,
        for_subscriptions=for_subscriptions,
        offset=offset,
        limit=limit,
    )
    counts = await repo.voucher_counts(session, merchant_id, [c.id for c in campaigns])
    associates: dict[int, Associate | None] = {}
    for campaign in campaigns:
        if campaign.associate_id is not None and campaign.associate_id not in associates:
            associates[campaign.associate_id] = await associates_repository.associate_by_id(
                session, merchant_id, campaign.associate_id
            )
    prices = await catalog_repo.prices_by_ids(session, merchant_id, sorted({i for c in campaigns for i in c.price_ids}))
    return total, [
        CampaignView(
            c,
            associates.get(c.associate_id) if c.associate_id else None,
            [prices[i] for i in c.price_ids if i in prices],
            counts.get(c.id, 0),
        )
        for c in campaigns
    ]


async def campaign_vouchers(
    session: AsyncSession, issuer: Issuer, campaign_id: int, *, offset: int, limit: int
) -> tuple[int, Sequence[Voucher]]:
    """A page of the vouchers the campaign made, in the order they were made."""
    campaign = await _campaign(session, issuer, campaign_id)
    return await repo.campaign_vouchers_page(session, campaign.merchant_id, campaign.id, offset=offset, limit=limit)


async def import_codes(session: AsyncSession, issuer: Issuer, campaign_id: int, codes: Sequence[str]) -> int:
    """A voucher of the campaign for each of `codes`; refused whole, before anything is written, when a code is
    malformed, given twice, or already a voucher's. How many were made."""
    campaign = await _campaign(session, issuer, campaign_id)
    if not 0 < len(codes) <= MAX_CODES:
        raise InvalidInput({"codes": f"Give 1 to {MAX_CODES} codes at once"})
    bad = [code for code in codes if not valid_code(code.strip())]
    if bad:
        raise InvalidInput({"codes": f"Not a valid code (3 to 64 letters, digits, - or _): {bad[0][:64]}"})
    cleaned = [code.strip().upper() for code in codes]
    twice = sorted(code for code, times in Counter(cleaned).items() if times > 1)
    if twice:
        raise InvalidInput({"codes": f"A code is given twice: {twice[0]}"})
    taken = sorted(await repo.codes_taken(session, campaign.merchant_id, cleaned))
    if taken:
        raise InvalidInput({"codes": f"A voucher already has this code: {taken[0]}"})
    await _add_vouchers(session, campaign, cleaned)
    return len(cleaned)
