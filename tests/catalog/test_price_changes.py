"""The rules a price is held to when a merchant creates or changes one, and what each change writes.

Every refusal names its field, and a change with any problem writes nothing of itself."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy import update as update_rows

from boxoffice.catalog import service
from boxoffice.catalog.models import Price
from boxoffice.catalog.service import MAX_AMOUNT, MAX_TEXT, MAX_TRIAL, PriceChanges
from boxoffice.kit import clock
from boxoffice.kit.errors import Conflict, InvalidInput
from boxoffice.kit.money import Money
from tests import shop
from tests.catalog.conftest import Catalog

PPV_DAY, PPV_CUSTOM, WEEKLY, MONTHLY = 1, 5, 6, 7
EUR = Money(999, "EUR")


async def create(catalog: Catalog, changes: PriceChanges) -> Price:
    return await service.create_price(catalog.session, catalog.merchant.id, catalog.product.id, changes)


async def update(catalog: Catalog, price: Price, changes: PriceChanges) -> Price:
    return await service.update_price(catalog.session, catalog.merchant.id, catalog.product.id, price.id, changes)


async def refusal(catalog: Catalog, changes: PriceChanges, price: Price | None = None) -> dict[str, str]:
    """The fields a create (or an update of `price`) is refused on."""
    with pytest.raises(InvalidInput) as refused:
        await (create(catalog, changes) if price is None else update(catalog, price, changes))
    return refused.value.errors


async def monthly(catalog: Catalog, **terms: object) -> Price:
    return await create(catalog, PriceChanges(access_type_id=MONTHLY, money=EUR, **terms))  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------------
# Refusals


async def test_a_new_price_needs_an_access_type_and_an_amount(catalog: Catalog) -> None:
    assert await refusal(catalog, PriceChanges()) == {
        "access_type_id": "The access type is required",
        "amount": "The amount is required",
    }


async def test_an_access_type_off_the_menu_is_refused(catalog: Catalog) -> None:
    assert await refusal(catalog, PriceChanges(access_type_id=99, money=EUR)) == {
        "access_type_id": "Unknown access type"
    }


@pytest.mark.parametrize(
    ("money", "field", "message"),
    [
        (Money(-1, "EUR"), "amount", "The amount must be greater than zero"),
        (Money(MAX_AMOUNT + 1, "EUR"), "amount", "The amount is too large"),
        (Money(999, "ABC"), "currency", "The currency must be an ISO-4217 code such as EUR or USD"),
        (Money(999, "XXX"), "currency", "The currency must be an ISO-4217 code such as EUR or USD"),
    ],
)
async def test_an_amount_is_positive_bounded_and_in_a_currency(
    catalog: Catalog, money: Money, field: str, message: str
) -> None:
    assert await refusal(catalog, PriceChanges(access_type_id=PPV_DAY, money=money)) == {field: message}


async def test_a_withdrawn_currency_is_refused_with_the_one_that_replaced_it(catalog: Catalog) -> None:
    assert await refusal(catalog, PriceChanges(access_type_id=PPV_DAY, money=Money(999, "BGN"))) == {
        "currency": "BGN is no longer in use (ISO 4217); prices are now set in EUR"
    }
    assert await refusal(catalog, PriceChanges(access_type_id=PPV_DAY, money=Money(999, "ANG"))) == {
        "currency": "ANG is no longer in use (ISO 4217); prices are now set in XCG"
    }
    assert (await catalog.session.scalars(select(Price).where(Price.merchant_id == catalog.merchant.id))).all() == []


async def test_a_currency_new_to_iso_4217_is_accepted(catalog: Catalog) -> None:
    price = await create(catalog, PriceChanges(access_type_id=PPV_DAY, money=Money.from_decimal("12.50", "XCG")))
    assert (price.amount, price.currency) == (1250, "XCG")


async def test_a_price_stored_in_a_withdrawn_currency_still_reads_and_changes(catalog: Catalog) -> None:
    """A price set in levs before Bulgaria took the euro: still shown, and its terms may change, but not its
    amount in levs."""
    price = await create(catalog, PriceChanges(access_type_id=PPV_DAY, money=Money(1999, "EUR")))
    mine = (Price.merchant_id == catalog.merchant.id, Price.id == price.id)
    await catalog.session.execute(update_rows(Price).where(*mine).values(currency="BGN"))
    await catalog.session.commit()
    catalog.session.expunge_all()
    stored = (await catalog.session.scalars(select(Price).where(*mine))).one()
    assert Money(stored.amount, stored.currency).as_decimal() == Decimal("19.99")
    changed = await update(catalog, stored, PriceChanges(description="Day pass"))
    assert (changed.description, changed.currency) == ("Day pass", "BGN")
    assert await refusal(catalog, PriceChanges(money=Money(2999, "BGN")), stored) == {
        "currency": "BGN is no longer in use (ISO 4217); prices are now set in EUR"
    }


async def test_access_sold_once_may_be_free_but_a_subscription_charges_something(catalog: Catalog) -> None:
    free = await create(catalog, PriceChanges(access_type_id=PPV_DAY, money=Money(0, "EUR")))
    assert (free.amount, free.kind) == (0, "one_time")
    assert await refusal(catalog, PriceChanges(access_type_id=MONTHLY, money=Money(0, "EUR"))) == {
        "amount": "The amount must be greater than zero"
    }


async def test_a_free_price_cannot_become_a_subscription_without_an_amount(catalog: Catalog) -> None:
    free = await create(catalog, PriceChanges(access_type_id=PPV_DAY, money=Money(0, "EUR")))
    assert await refusal(catalog, PriceChanges(access_type_id=MONTHLY), free) == {
        "amount": "A subscription needs an amount greater than zero"
    }
    paid = await update(catalog, free, PriceChanges(access_type_id=MONTHLY, money=Money(500, "EUR")))
    assert (paid.kind, paid.amount) == ("subscription", 500)


@pytest.mark.parametrize("field", ["description", "trial_description", "setup_fee_description"])
async def test_texts_are_bounded(catalog: Catalog, field: str) -> None:
    changes = PriceChanges(access_type_id=MONTHLY, money=EUR)
    setattr(changes, field, "x" * (MAX_TEXT + 1))
    assert await refusal(catalog, changes) == {field: f"The {field} may not be longer than {MAX_TEXT} characters"}
    setattr(changes, field, "x" * MAX_TEXT)
    assert getattr(await create(catalog, changes), field) == "x" * MAX_TEXT


async def test_the_sale_ends_after_it_starts_and_in_the_future(catalog: Catalog, frozen: clock.FrozenClock) -> None:
    now = frozen.now()
    later = now + timedelta(days=10)
    assert await refusal(
        catalog, PriceChanges(access_type_id=PPV_DAY, money=EUR, starts_at=later, expires_at=later)
    ) == {"expires_at": "The end of sale must come after its start"}
    assert await refusal(catalog, PriceChanges(access_type_id=PPV_DAY, money=EUR, expires_at=now)) == {
        "expires_at": "The end of sale must be in the future"
    }
    # A start alone may be moved after an end already set: the two are checked as the price would become.
    price = await create(catalog, PriceChanges(access_type_id=PPV_DAY, money=EUR, expires_at=later))
    assert await refusal(catalog, PriceChanges(starts_at=later + timedelta(seconds=1)), price) == {
        "expires_at": "The end of sale must come after its start"
    }
    soon = now + timedelta(seconds=1)
    assert (await create(catalog, PriceChanges(access_type_id=PPV_DAY, money=EUR, expires_at=soon))).expires_at == soon


async def test_access_until_a_date_needs_that_date(catalog: Catalog, frozen: clock.FrozenClock) -> None:
    assert await refusal(catalog, PriceChanges(access_type_id=PPV_CUSTOM, money=EUR)) == {
        "expires_at": "A ppv_custom price needs the date its access ends"
    }
    until = frozen.now() + timedelta(days=3)
    price = await create(catalog, PriceChanges(access_type_id=PPV_CUSTOM, money=EUR, expires_at=until))
    assert (price.period_unit, price.expires_at) == ("custom", until)
    assert await refusal(catalog, PriceChanges(clear_expires_at=True), price) == {
        "expires_at": "A ppv_custom price needs the date its access ends"
    }


@pytest.mark.parametrize(
    ("quantity", "unit", "errors"),
    [
        (0, "day", {"trial_quantity": f"The trial length must be from 1 to {MAX_TRIAL}"}),
        (MAX_TRIAL + 1, "day", {"trial_quantity": f"The trial length must be from 1 to {MAX_TRIAL}"}),
        (7, "year", {"trial_unit": "The trial period must be day, week or month"}),
        (7, None, {"trial_unit": "A trial needs both its length and its period"}),
        (None, "week", {"trial_quantity": "A trial needs both its length and its period"}),
    ],
)
async def test_a_trial_has_a_bounded_length_and_a_period(
    catalog: Catalog, quantity: int | None, unit: str | None, errors: dict[str, str]
) -> None:
    assert (
        await refusal(
            catalog, PriceChanges(access_type_id=MONTHLY, money=EUR, trial_quantity=quantity, trial_unit=unit)
        )
        == errors
    )


async def test_only_a_subscription_has_a_trial_or_a_setup_fee(catalog: Catalog) -> None:
    assert await refusal(
        catalog, PriceChanges(access_type_id=PPV_DAY, money=EUR, trial_quantity=7, trial_unit="day")
    ) == {"trial_quantity": "Only a subscription can have a trial"}
    assert await refusal(catalog, PriceChanges(access_type_id=PPV_DAY, money=EUR, setup_fee=Money(100, "EUR"))) == {
        "setup_fee_amount": "Only a subscription can have a setup fee"
    }
    # What the price already has counts too: a subscription with either can't become a one-time price.
    trial = await monthly(catalog, trial_quantity=7, trial_unit="day")
    assert await refusal(catalog, PriceChanges(access_type_id=PPV_DAY), trial) == {
        "trial_quantity": "Only a subscription can have a trial"
    }
    fee = await monthly(catalog, setup_fee=Money(100, "EUR"))
    assert await refusal(catalog, PriceChanges(access_type_id=PPV_DAY), fee) == {
        "setup_fee_amount": "Only a subscription can have a setup fee"
    }
    once = await update(catalog, fee, PriceChanges(access_type_id=PPV_DAY, clear_setup_fee=True))
    assert (once.kind, once.setup_fee_amount) == ("one_time", None)


async def test_a_setup_fee_is_a_positive_amount_in_the_prices_currency(catalog: Catalog) -> None:
    assert await refusal(catalog, PriceChanges(access_type_id=MONTHLY, money=EUR, setup_fee=Money(0, "EUR"))) == {
        "setup_fee_amount": "The amount must be greater than zero"
    }
    assert await refusal(catalog, PriceChanges(access_type_id=MONTHLY, money=EUR, setup_fee=Money(100, "USD"))) == {
        "setup_fee_amount": "The setup fee is charged in the price's currency"
    }
    fee = await monthly(catalog, setup_fee=Money(100, "EUR"))
    assert await refusal(catalog, PriceChanges(money=Money(999, "USD")), fee) == {
        "currency": "Change the setup fee along with the currency"
    }
    assert await refusal(catalog, PriceChanges(setup_fee=Money(200, "USD")), fee) == {
        "setup_fee_amount": "The setup fee is charged in the price's currency"
    }
    dollars = await update(catalog, fee, PriceChanges(money=Money(1099, "USD"), setup_fee=Money(200, "USD")))
    assert (dollars.amount, dollars.currency, dollars.setup_fee_amount) == (1099, "USD", 200)


async def test_a_country_set_is_one_of_the_merchants_own(catalog: Catalog) -> None:
    other = await shop.merchant(catalog.session, "Other")
    theirs = await shop.country_set(catalog.session, other.id, "GB")
    assert await refusal(catalog, PriceChanges(access_type_id=MONTHLY, money=EUR, country_set_id=theirs.id)) == {
        "country_set_id": "No country set of yours has this id"
    }


async def test_every_problem_is_named_at_once_and_nothing_is_written(
    catalog: Catalog, frozen: clock.FrozenClock
) -> None:
    price = await monthly(catalog, description="Monthly")
    written = price.updated_at
    frozen.advance(minutes=5)
    errors = await refusal(
        catalog,
        PriceChanges(
            money=Money(-5, "EUR"),
            description="Changed",
            trial_quantity=0,
            trial_unit="day",
            expires_at=frozen.now() - timedelta(days=1),
        ),
        price,
    )
    assert set(errors) == {"amount", "trial_quantity", "expires_at"}
    assert (price.amount, price.description, price.trial_period_quantity, price.expires_at) == (
        999,
        "Monthly",
        None,
        None,
    )
    assert price.updated_at == written


async def test_a_price_goes_only_on_an_active_product(catalog: Catalog) -> None:
    retired = await shop.product(catalog.session, catalog.merchant.id, "Retired", active=False)
    with pytest.raises(Conflict):
        await service.create_price(
            catalog.session, catalog.merchant.id, retired.id, PriceChanges(access_type_id=MONTHLY, money=EUR)
        )


# ----------------------------------------------------------------------------------------------------
# What is written


async def test_a_new_price_takes_its_terms_from_its_access_type(catalog: Catalog, frozen: clock.FrozenClock) -> None:
    price = await create(
        catalog,
        PriceChanges(
            access_type_id=8,
            money=Money(2500, "USD"),
            description="  Quarterly  ",
            trial_quantity=2,
            trial_unit="week",
            trial_description=" Two weeks free ",
            setup_fee=Money(300, "USD"),
            setup_fee_description=" Joining ",
        ),
    )
    assert (price.access_type_id, price.kind, price.period_unit, price.period_quantity) == (
        8,
        "subscription",
        "month",
        3,
    )
    assert (price.amount, price.currency, price.description) == (2500, "USD", "Quarterly")
    assert (price.trial_period_quantity, price.trial_period_unit, price.trial_description) == (
        2,
        "week",
        "Two weeks free",
    )
    assert (price.setup_fee_amount, price.setup_fee_description) == (300, "Joining")
    assert (price.starts_at, price.expires_at, price.country_set_id, price.active) == (None, None, None, True)
    assert price.updated_at == frozen.now()


async def test_an_update_changes_only_what_it_names(catalog: Catalog, frozen: clock.FrozenClock) -> None:
    place = await shop.country_set(catalog.session, catalog.merchant.id, "GB")
    starts, ends = frozen.now() + timedelta(days=1), frozen.now() + timedelta(days=30)
    price = await monthly(
        catalog,
        description="Monthly",
        trial_quantity=7,
        trial_unit="day",
        setup_fee=Money(100, "EUR"),
        starts_at=starts,
        expires_at=ends,
        country_set_id=place.id,
    )
    frozen.advance(hours=1)
    same = await update(catalog, price, PriceChanges(description=" Every month "))
    assert same.description == "Every month"
    assert (same.amount, same.currency, same.kind, same.access_type_id) == (999, "EUR", "subscription", MONTHLY)
    assert (same.trial_period_quantity, same.trial_period_unit, same.setup_fee_amount) == (7, "day", 100)
    assert (same.starts_at, same.expires_at, same.country_set_id, same.active) == (starts, ends, place.id, True)
    assert same.updated_at == frozen.now()


async def test_an_update_clears_what_it_is_told_to(catalog: Catalog, frozen: clock.FrozenClock) -> None:
    place = await shop.country_set(catalog.session, catalog.merchant.id, "GB")
    price = await monthly(
        catalog,
        trial_quantity=7,
        trial_unit="day",
        setup_fee=Money(100, "EUR"),
        starts_at=frozen.now() + timedelta(days=1),
        expires_at=frozen.now() + timedelta(days=30),
        country_set_id=place.id,
    )
    cleared = await update(
        catalog,
        price,
        PriceChanges(
            clear_trial=True,
            clear_setup_fee=True,
            clear_starts_at=True,
            clear_expires_at=True,
            clear_country_set=True,
            active=False,
        ),
    )
    assert (cleared.trial_period_quantity, cleared.trial_period_unit, cleared.setup_fee_amount) == (None, None, None)
    assert (cleared.starts_at, cleared.expires_at, cleared.country_set_id, cleared.country_set) == (
        None,
        None,
        None,
        None,
    )
    assert cleared.active is False


async def test_a_new_value_wins_over_its_clear_flag_only_where_the_rule_says(
    catalog: Catalog, frozen: clock.FrozenClock
) -> None:
    # A trial or a sale window cleared and set in one change is cleared; a country set named and cleared is named.
    place = await shop.country_set(catalog.session, catalog.merchant.id, "GB")
    price = await monthly(catalog)
    changed = await update(
        catalog,
        price,
        PriceChanges(
            trial_quantity=7,
            trial_unit="day",
            clear_trial=True,
            expires_at=frozen.now() + timedelta(days=2),
            clear_expires_at=True,
            country_set_id=place.id,
            clear_country_set=True,
        ),
    )
    assert (changed.trial_period_quantity, changed.expires_at, changed.country_set_id) == (None, None, place.id)
    assert changed.country_set is not None and changed.country_set.countries == ["GB"]


async def test_a_new_access_type_brings_its_kind_and_period(catalog: Catalog) -> None:
    price = await monthly(catalog)
    weekly = await update(catalog, price, PriceChanges(access_type_id=WEEKLY))
    assert (weekly.access_type_id, weekly.kind, weekly.period_unit, weekly.period_quantity) == (
        WEEKLY,
        "subscription",
        "week",
        1,
    )
    day = await update(catalog, weekly, PriceChanges(access_type_id=PPV_DAY))
    assert (day.kind, day.period_unit, day.period_quantity, day.amount) == ("one_time", "hour", 24, 999)


async def test_a_price_not_started_yet_stays_off_sale_until_it_starts(
    catalog: Catalog, frozen: clock.FrozenClock
) -> None:
    starts = frozen.now() + timedelta(days=1)
    price = await monthly(catalog, starts_at=starts)
    assert price.starts_at == starts
    assert await service.prices_on_sale(catalog.session, catalog.product) == []
    assert [p.id for p in await service.active_prices(catalog.session, catalog.product)] == [price.id]
    frozen._now = starts
    assert [p.id for p in await service.prices_on_sale(catalog.session, catalog.product)] == [price.id]


async def test_a_deactivated_price_is_off_sale(catalog: Catalog) -> None:
    price = await monthly(catalog)
    await service.deactivate_price(catalog.session, catalog.merchant.id, catalog.product.id, price.id)
    assert price.active is False
    assert await service.prices_on_sale(catalog.session, catalog.product) == []


async def test_the_sale_window_moves_from_a_date_set_earlier(catalog: Catalog, frozen: clock.FrozenClock) -> None:
    ends = frozen.now() + timedelta(days=30)
    price = await monthly(catalog, expires_at=ends)
    starts = datetime(ends.year, ends.month, ends.day) - timedelta(days=2)
    moved = await update(catalog, price, PriceChanges(starts_at=starts))
    assert (moved.starts_at, moved.expires_at) == (starts, ends)
