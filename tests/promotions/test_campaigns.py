"""Voucher campaigns: vouchers made together, redeemed like any voucher, and switched on and off together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.catalog.models import Price
from boxoffice.identity.models import Merchant
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput, Missing, NotFound
from boxoffice.kit.money import Money
from boxoffice.kit.sealing import Sealer, new_key
from boxoffice.promotions import associates, campaigns, vouchers
from boxoffice.promotions.associates import AssociateFields, Issuer
from boxoffice.promotions.campaigns import CampaignFields
from boxoffice.promotions.refusals import VoucherRefusal, VoucherRefused
from tests import shop


@dataclass
class Desk:
    session: AsyncSession
    merchant: Merchant
    monthly: Price  # 9.99 EUR a month
    once: Price  # 5.00 EUR, bought once

    @property
    def as_merchant(self) -> Issuer:
        return Issuer(self.merchant)


@pytest.fixture
async def desk(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Desk]:
    async with sessions() as session:
        merchant = await shop.merchant(session)
        product = await shop.product(session, merchant.id)
        monthly = await shop.monthly_price(session, product)
        once = await shop.monthly_price(session, product, amount=500)
        once.kind, once.access_type_id, once.period_unit = "one_time", 2, "day"
        await session.flush()
        yield Desk(session, merchant, monthly, once)


def single(desk: Desk, **given: Any) -> CampaignFields:
    """20 % off the one-time price, five vouchers."""
    return replace(CampaignFields(name="Partners", percent_off=20, price_ids=[desk.once.id], voucher_count=5), **given)


async def associate_of(desk: Desk, email: str) -> Issuer:
    _, token = await associates.create_associate(
        desk.session, desk.as_merchant, AssociateFields(email=email), Sealer([new_key()])
    )
    return await associates.issuer_by_token(desk.session, token)


async def test_a_campaigns_vouchers_take_its_discount_off_its_prices_only(desk: Desk) -> None:
    made = await campaigns.create_campaign(desk.session, desk.as_merchant, single(desk))
    assert made.voucher_count == 5 and made.codes is not None and len(set(made.codes)) == 5
    discount = await vouchers.discount_for(desk.session, desk.merchant.id, made.codes[0].lower(), desk.once)
    assert (discount.amount_off, discount.final_amount) == (100, 400)
    with pytest.raises(VoucherRefused) as refused:
        await vouchers.discount_for(desk.session, desk.merchant.id, made.codes[0], desk.monthly)
    assert refused.value.reason == VoucherRefusal.WRONG_PRICE


async def test_a_subscription_campaign_lasts_some_charges_or_all_of_them(desk: Desk) -> None:
    some = await campaigns.create_campaign(
        desk.session,
        desk.as_merchant,
        single(desk, for_subscriptions=True, price_ids=[desk.monthly.id], discount_duration=3, voucher_count=1),
    )
    every = await campaigns.create_campaign(
        desk.session, desk.as_merchant, single(desk, for_subscriptions=True, price_ids=[], voucher_count=1)
    )
    assert (some.campaign.discount_period, some.campaign.discount_duration) == ("repeating", 3)
    assert every.campaign.discount_period == "forever"
    assert some.codes and every.codes
    for code in (some.codes[0], every.codes[0]):
        assert (await vouchers.discount_for(desk.session, desk.merchant.id, code, desk.monthly)).amount_off == 200


async def test_an_amount_off_is_in_one_currency(desk: Desk) -> None:
    made = await campaigns.create_campaign(
        desk.session, desk.as_merchant, single(desk, percent_off=None, amount_off=Money(150, "EUR"), voucher_count=1)
    )
    assert made.codes
    assert (await vouchers.discount_for(desk.session, desk.merchant.id, made.codes[0], desk.once)).final_amount == 350


async def test_bad_campaigns_are_refused_and_nothing_is_written(desk: Desk) -> None:
    with pytest.raises(InvalidInput) as refused:
        await campaigns.create_campaign(
            desk.session,
            desk.as_merchant,
            single(
                desk,
                name=" ",
                percent_off=101,
                discount_duration=2,
                ends_at=clock.now() - timedelta(seconds=1),
                usage_limit=0,
                voucher_count=1001,
                price_ids=[desk.monthly.id],
            ),
        )
    assert set(refused.value.errors) == {
        "name",
        "discount",
        "discount_duration",
        "ends_at",
        "usage_limit",
        "voucher_count",
        "price_ids",
    }
    with pytest.raises(NotFound) as missing:
        await campaigns.create_campaign(desk.session, desk.as_merchant, single(desk, price_ids=[desk.once.id + 1000]))
    assert missing.value.what == Missing.PRICE
    assert (
        await campaigns.list_campaigns(desk.session, desk.as_merchant, for_subscriptions=False, offset=0, limit=10)
    )[0] == 0


async def test_a_campaign_switched_off_takes_its_vouchers_with_it(desk: Desk) -> None:
    made = await campaigns.create_campaign(desk.session, desk.as_merchant, single(desk, voucher_count=2))
    assert made.codes
    await campaigns.set_campaign_active(desk.session, desk.as_merchant, made.campaign.id, False)
    for code in made.codes:
        with pytest.raises(VoucherRefused):
            await vouchers.discount_for(desk.session, desk.merchant.id, code, desk.once)
    await campaigns.set_campaign_active(desk.session, desk.as_merchant, made.campaign.id, True)
    assert (await vouchers.discount_for(desk.session, desk.merchant.id, made.codes[1], desk.once)).amount_off == 100


async def test_imported_codes_are_refused_whole_when_one_is_bad_twice_or_taken(desk: Desk) -> None:
    made = await campaigns.create_campaign(desk.session, desk.as_merchant, single(desk, voucher_count=1))
    campaign_id = made.campaign.id
    await vouchers.create_voucher(
        desk.session, desk.merchant.id, vouchers.VoucherFields(name="Own", code="OWN-1", percent_off=5)
    )
    for codes in (["good-1", "no way"], ["good-1", "GOOD-1"], ["good-1", "own-1"], []):
        with pytest.raises(InvalidInput):
            await campaigns.import_codes(desk.session, desk.as_merchant, campaign_id, codes)
    assert (await campaigns.campaign_vouchers(desk.session, desk.as_merchant, campaign_id, offset=0, limit=10))[0] == 1
    assert await campaigns.import_codes(desk.session, desk.as_merchant, campaign_id, [" good-1", "good-2"]) == 2
    total, page = await campaigns.campaign_vouchers(desk.session, desk.as_merchant, campaign_id, offset=1, limit=5)
    assert total == 3 and [v.code for v in page] == ["GOOD-1", "GOOD-2"]
    assert (await vouchers.discount_for(desk.session, desk.merchant.id, "good-2", desk.once)).amount_off == 100


async def test_an_associate_sees_and_changes_its_own_campaigns_only(desk: Desk) -> None:
    ann, bob = await associate_of(desk, "ann@example.com"), await associate_of(desk, "bob@example.com")
    own = await campaigns.create_campaign(desk.session, ann, single(desk))
    named = await campaigns.create_campaign(
        desk.session, desk.as_merchant, single(desk, associate_email="bob@example.com")
    )
    mine = await campaigns.create_campaign(desk.session, desk.as_merchant, single(desk))
    assert own.associate is not None and own.associate.email == "ann@example.com"
    assert named.associate is not None and named.associate.email == "bob@example.com" and mine.associate is None
    for who, seen in (
        (ann, {own.campaign.id}),
        (bob, {named.campaign.id}),
        (desk.as_merchant, {own.campaign.id, named.campaign.id, mine.campaign.id}),
    ):
        total, listed = await campaigns.list_campaigns(desk.session, who, for_subscriptions=False, offset=0, limit=10)
        assert total == len(seen) and {view.campaign.id for view in listed} == seen
        assert all(view.voucher_count == 5 for view in listed)
    with pytest.raises(NotFound) as hidden:
        await campaigns.set_campaign_active(desk.session, ann, named.campaign.id, False)
    assert hidden.value.what == Missing.CAMPAIGN
    with pytest.raises(NotFound):
        await campaigns.import_codes(desk.session, bob, own.campaign.id, ["SOME-CODE"])
    with pytest.raises(NotFound) as nobody:
        await campaigns.create_campaign(desk.session, ann, single(desk, associate_email="bob@example.com"))
    assert nobody.value.what == Missing.ASSOCIATE


async def test_another_merchants_campaign_is_not_found(desk: Desk) -> None:
    made = await campaigns.create_campaign(desk.session, desk.as_merchant, single(desk))
    elsewhere = Issuer(await shop.merchant(desk.session, "Elsewhere"))
    with pytest.raises(NotFound):
        await campaigns.campaign_vouchers(desk.session, elsewhere, made.campaign.id, offset=0, limit=10)
    with pytest.raises(NotFound):
        await campaigns.create_campaign(desk.session, elsewhere, single(desk))


async def test_campaigns_are_listed_of_one_kind_or_of_both(desk: Desk) -> None:
    once = await campaigns.create_campaign(desk.session, desk.as_merchant, single(desk))
    monthly = await campaigns.create_campaign(
        desk.session, desk.as_merchant, single(desk, for_subscriptions=True, price_ids=[desk.monthly.id])
    )

    async def listed(kind: bool | None) -> list[int]:
        _, views = await campaigns.list_campaigns(
            desk.session, desk.as_merchant, for_subscriptions=kind, offset=0, limit=10
        )
        return [view.campaign.id for view in views]

    assert await listed(False) == [once.campaign.id]
    assert await listed(True) == [monthly.campaign.id]
    assert await listed(None) == [monthly.campaign.id, once.campaign.id]
