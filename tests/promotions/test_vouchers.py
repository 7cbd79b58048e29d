"""Vouchers: the rules a merchant's voucher is held to, and what one takes off a price when a viewer uses it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.catalog.models import Price, Product
from boxoffice.identity.models import Merchant
from boxoffice.kit import clock
from boxoffice.kit.errors import Conflict, InvalidInput, NotFound
from boxoffice.kit.money import Money
from boxoffice.promotions import vouchers
from boxoffice.promotions.models import Voucher
from boxoffice.promotions.refusals import VoucherRefusal, VoucherRefused
from boxoffice.promotions.vouchers import MAX_AMOUNT_OFF, MAX_DURATION, MAX_NAME, MAX_USES, VoucherFields
from tests import shop


@dataclass
class Shop:
    session: AsyncSession
    merchant: Merchant
    product: Product
    price: Price  # 9.99 EUR a month


@pytest.fixture
async def store(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Shop]:
    async with sessions() as session:
        merchant = await shop.merchant(session)
        product = await shop.product(session, merchant.id)
        yield Shop(session, merchant, product, await shop.monthly_price(session, product))


def fields(**given: object) -> VoucherFields:
    """A valid voucher, 10 % off, with `given` changed."""
    return VoucherFields(**({"name": "Spring", "code": "spring", "percent_off": 10} | given))  # type: ignore[arg-type]


async def create(at: Shop, **given: object) -> Voucher:
    voucher, _ = await vouchers.create_voucher(at.session, at.merchant.id, fields(**given))
    return voucher


async def refusal(at: Shop, changes: VoucherFields, voucher: Voucher | None = None) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refused:
        if voucher is None:
            await vouchers.create_voucher(at.session, at.merchant.id, changes)
        else:
            await vouchers.update_voucher(at.session, at.merchant.id, voucher.id, changes)
    return refused.value.errors


# ----------------------------------------------------------------------------------------------------
# A voucher's own rules


async def test_a_new_voucher_needs_a_name_a_code_and_one_discount(store: Shop) -> None:
    assert await refusal(store, VoucherFields()) == {
        "name": "The name is required",
        "code": "The code is 3 to 64 letters, digits, dashes or underscores",
        "discount": "Give either a percentage (discount) or an amount_off with its currency",
    }


@pytest.mark.parametrize("code", ["ab", "x" * 65, "two words", "café", "semi;colon"])
async def test_a_code_is_3_to_64_plain_characters(store: Shop, code: str) -> None:
    assert await refusal(store, fields(code=code)) == {
        "code": "The code is 3 to 64 letters, digits, dashes or underscores"
    }


async def test_a_code_is_kept_upper_case_and_trimmed(store: Shop) -> None:
    voucher = await create(store, code="  Spring_Sale-26 ")
    assert voucher.code == "SPRING_SALE-26"


async def test_a_name_is_bounded(store: Shop) -> None:
    assert set(await refusal(store, fields(name="x" * (MAX_NAME + 1)))) == {"name"}
    assert (await create(store, name="x" * MAX_NAME)).name == "x" * MAX_NAME


@pytest.mark.parametrize(
    ("given", "errors"),
    [
        (
            {"percent_off": 10, "amount_off": Money(100, "EUR")},
            {"discount": "Give either a percentage (discount) or an amount_off with its currency"},
        ),
        ({"percent_off": 0}, {"discount": "The discount is a percentage from 1 to 100"}),
        ({"percent_off": 101}, {"discount": "The discount is a percentage from 1 to 100"}),
        (
            {"percent_off": None, "amount_off": Money(0, "EUR")},
            {"amount_off": "The amount off must be greater than zero"},
        ),
        (
            {"percent_off": None, "amount_off": Money(MAX_AMOUNT_OFF + 1, "EUR")},
            {"amount_off": "The amount off is too large"},
        ),
        ({"rebill_percent_off": 101}, {"rebill_discount": "The rebill discount is a percentage from 0 to 100"}),
        ({"rebill_percent_off": -1}, {"rebill_discount": "The rebill discount is a percentage from 0 to 100"}),
        ({"discount_period": "weekly"}, {"discount_period": "The discount period is once, forever or repeating"}),
        (
            {"discount_period": "repeating"},
            {"discount_duration": f"A repeating discount lasts 1 to {MAX_DURATION} charges"},
        ),
        (
            {"discount_period": "repeating", "discount_duration": MAX_DURATION + 1},
            {"discount_duration": f"A repeating discount lasts 1 to {MAX_DURATION} charges"},
        ),
        ({"usage_limit": 0}, {"usage_limit": "The usage limit is a whole number of uses, at least 1"}),
        ({"usage_limit": MAX_USES + 1}, {"usage_limit": "The usage limit is a whole number of uses, at least 1"}),
    ],
)
async def test_each_term_is_checked(store: Shop, given: dict[str, object], errors: dict[str, str]) -> None:
    assert await refusal(store, fields(**given)) == errors


async def test_a_voucher_ends_after_it_starts(store: Shop, frozen: clock.FrozenClock) -> None:
    starts = frozen.now() + timedelta(days=1)
    assert await refusal(store, fields(starts_at=starts, ends_at=starts)) == {
        "end_date": "The end date must be after the start date"
    }
    voucher = await create(store, starts_at=starts, ends_at=starts + timedelta(days=7))
    # Either end moved alone is checked against the other as it is.
    assert await refusal(store, VoucherFields(ends_at=starts - timedelta(hours=1)), voucher) == {
        "end_date": "The end date must be after the start date"
    }


async def test_the_terms_given_are_kept(store: Shop, frozen: clock.FrozenClock) -> None:
    starts, ends = frozen.now(), frozen.now() + timedelta(days=30)
    voucher = await create(
        store,
        percent_off=None,
        amount_off=Money(250, "EUR"),
        rebill_percent_off=0,
        discount_period="repeating",
        discount_duration=3,
        starts_at=starts,
        ends_at=ends,
        usage_limit=5,
    )
    assert (voucher.percent_off, voucher.amount_off, voucher.currency) == (None, 250, "EUR")
    assert (voucher.rebill_percent_off, voucher.discount_period, voucher.discount_duration) == (0, "repeating", 3)
    assert (voucher.starts_at, voucher.ends_at, voucher.usage_limit, voucher.active) == (starts, ends, 5, True)


async def test_a_duration_is_kept_only_for_a_repeating_discount(store: Shop) -> None:
    voucher = await create(store, discount_period="forever", discount_duration=3)
    assert (voucher.discount_period, voucher.discount_duration) == ("forever", None)
    assert (await create(store, code="other")).discount_period == "once"


async def test_an_update_changes_only_what_it_names(store: Shop) -> None:
    voucher = await create(store, discount_period="repeating", discount_duration=2, usage_limit=9)
    changed, _ = await vouchers.update_voucher(
        store.session, store.merchant.id, voucher.id, VoucherFields(name="Summer")
    )
    assert (changed.name, changed.code, changed.percent_off) == ("Summer", "SPRING", 10)
    assert (changed.discount_period, changed.discount_duration, changed.usage_limit) == ("repeating", 2, 9)
    # A repeating discount keeps its duration when only its period is named again.
    again, _ = await vouchers.update_voucher(
        store.session, store.merchant.id, voucher.id, VoucherFields(discount_period="repeating")
    )
    assert again.discount_duration == 2
    # A new discount replaces the old one whole: a fixed amount takes the percentage's place.
    fixed, _ = await vouchers.update_voucher(
        store.session, store.merchant.id, voucher.id, VoucherFields(amount_off=Money(100, "USD"))
    )
    assert (fixed.percent_off, fixed.amount_off, fixed.currency) == (None, 100, "USD")


async def test_a_code_is_one_voucher_of_the_merchants_whatever_its_case(store: Shop) -> None:
    first = await create(store, code="SPRING")
    with pytest.raises(Conflict):
        await create(store, code="spring")
    other = await create(store, code="summer")
    with pytest.raises(Conflict):
        await vouchers.update_voucher(store.session, store.merchant.id, other.id, VoucherFields(code="Spring"))
    same, _ = await vouchers.update_voucher(store.session, store.merchant.id, first.id, VoucherFields(code="spring"))
    assert same.code == "SPRING"
    # Another merchant's codes are theirs.
    elsewhere = await shop.merchant(store.session, "Elsewhere")
    theirs, _ = await vouchers.create_voucher(store.session, elsewhere.id, fields(code="spring"))
    assert theirs.code == "SPRING"


async def test_a_voucher_is_limited_to_the_merchants_own_prices_and_items(store: Shop) -> None:
    elsewhere = await shop.merchant(store.session, "Elsewhere")
    their_product = await shop.product(store.session, elsewhere.id)
    their_price = await shop.monthly_price(store.session, their_product)
    errors = await refusal(store, fields(price_ids=[store.price.id, their_price.id], product_ids=[their_product.id]))
    assert set(errors) == {"price_ids", "product_ids"}
    _, rules = await vouchers.create_voucher(
        store.session,
        store.merchant.id,
        fields(price_ids=[store.price.id, store.price.id], product_ids=[store.product.id]),
    )
    assert [(r.price_id, r.product_id) for r in rules] == [(store.price.id, None), (None, store.product.id)]


async def test_an_update_naming_no_rules_keeps_them_and_an_empty_list_drops_them(store: Shop) -> None:
    voucher, _ = await vouchers.create_voucher(store.session, store.merchant.id, fields(price_ids=[store.price.id]))
    _, kept = await vouchers.update_voucher(store.session, store.merchant.id, voucher.id, VoucherFields(name="Kept"))
    assert [r.price_id for r in kept] == [store.price.id]
    _, dropped = await vouchers.update_voucher(
        store.session, store.merchant.id, voucher.id, VoucherFields(price_ids=[])
    )
    assert dropped == []


# ----------------------------------------------------------------------------------------------------
# What a voucher takes off


async def discount(at: Shop, code: str, price: Price | None = None) -> vouchers.Discount:
    return await vouchers.discount_for(at.session, at.merchant.id, code, price or at.price)


async def refused(at: Shop, code: str, price: Price | None = None) -> VoucherRefusal:
    """Why `code` takes nothing off: a refusal of the field `voucher_code`, with its reason."""
    with pytest.raises(VoucherRefused) as refusal_of_code:
        await discount(at, code, price)
    assert set(refusal_of_code.value.errors) == {"voucher_code"}
    return refusal_of_code.value.reason


@pytest.mark.parametrize(
    ("percent", "amount", "off"),
    [
        (10, 999, 100),  # 99.9 rounds up
        (15, 999, 150),  # 149.85
        (50, 999, 500),  # 499.5: half rounds up
        (1, 49, 0),  # 0.49 rounds down
        (100, 999, 999),
    ],
)
async def test_a_percentage_off_rounds_half_up(store: Shop, percent: int, amount: int, off: int) -> None:
    store.price.amount = amount
    await create(store, percent_off=percent)
    found = await discount(store, "spring")
    assert (found.amount_off, found.final_amount, found.currency) == (off, amount - off, "EUR")


async def test_a_fixed_amount_off_never_takes_the_price_below_nothing(store: Shop) -> None:
    await create(store, code="small", percent_off=None, amount_off=Money(300, "EUR"))
    await create(store, code="large", percent_off=None, amount_off=Money(5000, "EUR"))
    assert (await discount(store, "small")).final_amount == 699
    large = await discount(store, "large")
    assert (large.amount_off, large.final_amount) == (999, 0)


async def test_a_code_is_typed_in_any_case_with_spaces_around(store: Shop) -> None:
    voucher = await create(store)
    assert (await discount(store, "  sPrInG ")).voucher.id == voucher.id


async def test_an_unknown_or_deactivated_code_is_not_valid(store: Shop) -> None:
    voucher = await create(store)
    assert await refused(store, "autumn") == VoucherRefusal.NOT_FOUND
    await vouchers.deactivate_voucher(store.session, store.merchant.id, voucher.id)
    assert await refused(store, "spring") == VoucherRefusal.NOT_FOUND
    elsewhere = await shop.merchant(store.session, "Elsewhere")
    await vouchers.create_voucher(store.session, elsewhere.id, fields(code="theirs"))
    assert await refused(store, "theirs") == VoucherRefusal.NOT_FOUND


async def test_a_voucher_is_used_from_its_start_until_before_its_end(store: Shop, frozen: clock.FrozenClock) -> None:
    starts = frozen.now() + timedelta(days=1)
    await create(store, starts_at=starts, ends_at=starts + timedelta(days=1))
    assert await refused(store, "spring") == VoucherRefusal.NOT_STARTED
    frozen._now = starts
    assert (await discount(store, "spring")).amount_off == 100
    frozen.advance(days=1, seconds=-1)
    assert (await discount(store, "spring")).amount_off == 100
    frozen.advance(seconds=1)
    assert await refused(store, "spring") == VoucherRefusal.EXPIRED


async def test_a_voucher_is_used_as_many_times_as_its_limit(store: Shop) -> None:
    voucher = await create(store, usage_limit=2)
    for _ in range(2):
        await discount(store, "spring")
        await vouchers.use(store.session, store.merchant.id, voucher.id)
    await store.session.refresh(voucher)
    assert voucher.usage_count == 2
    assert await refused(store, "spring") == VoucherRefusal.USED_UP
    with pytest.raises(VoucherRefused) as used_up:
        await vouchers.use(store.session, store.merchant.id, voucher.id)
    assert used_up.value.reason == VoucherRefusal.USED_UP
    # A use given back (its payment was declined) may be taken again.
    await vouchers.give_back(store.session, store.merchant.id, voucher.id)
    await store.session.refresh(voucher)
    assert voucher.usage_count == 1
    assert (await discount(store, "spring")).amount_off == 100


async def test_a_use_is_never_given_back_below_none(store: Shop) -> None:
    voucher = await create(store)
    await vouchers.give_back(store.session, store.merchant.id, voucher.id)
    await store.session.refresh(voucher)
    assert voucher.usage_count == 0


async def test_a_limited_voucher_applies_to_its_prices_and_the_prices_of_its_items(store: Shop) -> None:
    other_item = await shop.product(store.session, store.merchant.id, "Series")
    other_price = await shop.monthly_price(store.session, other_item)
    second_price = await shop.monthly_price(store.session, store.product, amount=1999)
    await vouchers.create_voucher(store.session, store.merchant.id, fields(code="price", price_ids=[store.price.id]))
    await vouchers.create_voucher(store.session, store.merchant.id, fields(code="item", product_ids=[store.product.id]))
    assert (await discount(store, "price")).amount_off == 100
    assert await refused(store, "price", second_price) == VoucherRefusal.WRONG_PRICE
    assert (await discount(store, "item", second_price)).amount_off == 200
    assert await refused(store, "item", other_price) == VoucherRefusal.WRONG_PRICE
    await create(store, code="anything")
    assert (await discount(store, "anything", other_price)).amount_off == 100


async def test_a_fixed_amount_off_is_in_the_prices_currency(store: Shop) -> None:
    await create(store, code="dollars", percent_off=None, amount_off=Money(100, "USD"))
    with pytest.raises(VoucherRefused) as refusal:
        await discount(store, "dollars")
    assert (refusal.value.reason, refusal.value.voucher_currency, refusal.value.price_currency) == (
        VoucherRefusal.WRONG_CURRENCY,
        "USD",
        "EUR",
    )
    assert refusal.value.errors == {"voucher_code": "This voucher is in USD, the price in EUR"}
    dollars = await shop.monthly_price(store.session, store.product, amount=1099, currency="USD")
    assert (await discount(store, "dollars", dollars)).final_amount == 999


async def test_a_voucher_is_asked_about_by_its_price_id(store: Shop) -> None:
    await create(store)
    found = await vouchers.discount_on(store.session, store.merchant.id, "spring", store.price.id)
    assert (found.amount_off, found.final_amount) == (100, 899)
    with pytest.raises(NotFound):
        await vouchers.discount_on(store.session, store.merchant.id, "spring", store.price.id + 1000)
