"""Offers' localizations: an offer's price for buyers in one country, made, changed, taken off sale and put back on
its own; what a buyer there is sold while both are on sale; refused for a country that isn't one, a second time
for a country, and for another merchant's offer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from boxoffice.catalog import localizations, offer_changes
from boxoffice.catalog.localizations import FreeTrial, LocalizationExists, LocalizationTerms, TrialUnit
from boxoffice.catalog.offer_changes import ProductSide
from boxoffice.catalog.offers import Offer, list_offers, localized, localized_price_id
from boxoffice.catalog.service import PriceChanges
from boxoffice.kit.errors import InvalidInput, NotFound
from boxoffice.kit.money import Money
from tests import shop
from tests.catalog.conftest import Catalog

MONTHLY, DAY, YEARLY = 7, 1, 10
POLISH = LocalizationTerms(title="Karnet", amount=Decimal("29.99"), currency="PLN")


async def monthly(catalog: Catalog) -> Offer:
    terms = PriceChanges(access_type_id=MONTHLY, money=Money(999, "EUR"), description="Monthly")
    terms.trial_quantity, terms.trial_unit = 7, "day"
    return await offer_changes.create_offer(catalog.session, catalog.merchant, ProductSide(title="Season"), terms)


async def test_a_localization_is_the_offers_terms_at_its_own_price_sold_in_its_country(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    offer = await monthly(catalog)
    made = await localizations.create_localization(session, merchant, offer.price.id, "pl", POLISH)
    [poland] = made.localizations
    price = poland.price
    assert (poland.record.country_code, poland.record.title) == ("PL", "Karnet")
    assert (price.amount, price.currency, price.product_id, price.access_type_id) == (
        2999,
        "PLN",
        offer.product.id,
        offer.price.access_type_id,
    )
    assert (price.description, price.trial_period_quantity, price.trial_period_unit, price.active) == (
        "Monthly",
        7,
        "day",
        True,
    )
    assert price.country_set is not None
    assert (price.country_set.type, price.country_set.countries) == ("whitelist", ["PL"])
    # A buyer in Poland is sold the localization; one elsewhere, or nowhere known, the offer's own price.
    assert (await localized(session, offer, "PL")).price.id == price.id
    assert (await localized(session, offer, "DE")).price.id == offer.price.id
    assert await localized_price_id(session, merchant.id, offer.price.id, "PL") == price.id
    assert await localized_price_id(session, merchant.id, offer.price.id, None) == offer.price.id


async def test_a_localization_is_changed_in_its_own_currency(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    offer = await monthly(catalog)
    await localizations.create_localization(session, merchant, offer.price.id, "PL", POLISH)
    changes = LocalizationTerms(
        title="Karnet sezonowy", description="Co miesiąc", amount=Decimal(25), trial=FreeTrial(TrialUnit.PERIOD, 2)
    )
    changed = await localizations.change_localization(session, merchant, offer.price.id, "pl", changes)
    [poland] = changed.localizations
    assert (poland.record.title, poland.price.description, poland.price.amount, poland.price.currency) == (
        "Karnet sezonowy",
        "Co miesiąc",
        2500,
        "PLN",
    )
    assert (poland.price.trial_period_quantity, poland.price.trial_period_unit) == (2, "month")
    none = LocalizationTerms(trial=FreeTrial(TrialUnit.DAY, 0))
    [poland] = (await localizations.change_localization(session, merchant, offer.price.id, "PL", none)).localizations
    assert poland.price.trial_period_unit is None
    with pytest.raises(InvalidInput) as refused:
        await localizations.change_localization(
            session, merchant, offer.price.id, "PL", LocalizationTerms(currency="EUR")
        )
    assert "currency" in refused.value.errors


async def test_a_localization_off_sale_leaves_buyers_in_its_country_the_offers_price(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    offer = await monthly(catalog)
    await localizations.create_localization(session, merchant, offer.price.id, "PL", POLISH)
    off = await localizations.deactivate_localization(session, merchant, offer.price.id, "PL")
    assert off.localizations[0].price.active is False
    assert (await localized(session, offer, "PL")).price.id == offer.price.id
    back = await localizations.activate_localization(session, merchant, offer.price.id, "PL")
    assert back.localizations[0].price.active is True
    assert (await localized(session, offer, "PL")).price.id == back.localizations[0].price.id
    # The offer off sale: nothing is sold through it, and its localization can't be put back on sale alone.
    await localizations.deactivate_localization(session, merchant, offer.price.id, "PL")
    stopped = await offer_changes.deactivate_offer(session, merchant, offer.price.id)
    assert await localized_price_id(session, merchant.id, offer.price.id, "PL") == offer.price.id
    with pytest.raises(InvalidInput):
        await localizations.activate_localization(session, merchant, stopped.price.id, "PL")


async def test_a_country_that_isnt_one_is_refused(catalog: Catalog) -> None:
    offer = await monthly(catalog)
    for country in ("ZZ", "POL", "", "P1"):
        with pytest.raises(InvalidInput) as refused:
            await localizations.create_localization(catalog.session, catalog.merchant, offer.price.id, country, POLISH)
        assert "country_code" in refused.value.errors
    assert (
        await localizations.offer_localizations(catalog.session, catalog.merchant, offer.price.id)
    ).localizations == []


async def test_a_second_localization_for_a_country_is_refused(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    offer = await monthly(catalog)
    await localizations.create_localization(session, merchant, offer.price.id, "PL", POLISH)
    await localizations.deactivate_localization(session, merchant, offer.price.id, "PL")
    with pytest.raises(LocalizationExists) as refused:
        await localizations.create_localization(session, merchant, offer.price.id, "PL", POLISH)
    assert refused.value.country_code == "PL"


async def test_bad_terms_are_refused(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    offer = await monthly(catalog)
    bad = {
        "title": LocalizationTerms(title=" ", amount=Decimal(1), currency="PLN"),
        "currency": LocalizationTerms(title="T", amount=Decimal(1), currency="XYZ"),
        "amount": LocalizationTerms(title="T", amount=Decimal("1.001"), currency="PLN"),
    }
    for field, terms in bad.items():
        with pytest.raises(InvalidInput) as refused:
            await localizations.create_localization(session, merchant, offer.price.id, "PL", terms)
        assert field in refused.value.errors
    with pytest.raises(InvalidInput) as refused:  # a subscription renews by charging: never free
        await localizations.create_localization(
            session, merchant, offer.price.id, "PL", LocalizationTerms(title="T", amount=Decimal(0), currency="PLN")
        )
    assert "amount" in refused.value.errors


async def test_only_the_merchants_own_offers_are_localized(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    offer = await monthly(catalog)
    other = await shop.merchant(session, "Other")
    with pytest.raises(NotFound):
        await localizations.create_localization(session, other, offer.price.id, "PL", POLISH)
    made = await localizations.create_localization(session, merchant, offer.price.id, "PL", POLISH)
    for attempt in (
        localizations.change_localization(session, other, offer.price.id, "PL", LocalizationTerms(title="X")),
        localizations.deactivate_localization(session, other, offer.price.id, "PL"),
        localizations.activate_localization(session, merchant, offer.price.id, "DE"),  # no localization there
        localizations.activate_localization(session, merchant, offer.price.id, "PL", [DAY]),  # another type
        # A localization's own price is no offer to localize.
        localizations.create_localization(session, merchant, made.localizations[0].price.id, "DE", POLISH),
    ):
        with pytest.raises(NotFound):
            await attempt


async def test_the_merchants_offers_leave_out_localizations_own_prices(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    offer = await monthly(catalog)
    await localizations.create_localization(session, merchant, offer.price.id, "PL", POLISH)
    assert [found.price.id for found in await list_offers(session, merchant)] == [offer.price.id]


async def test_an_offer_changed_to_another_period_sells_its_own_price_in_the_country(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    offer = await monthly(catalog)
    await localizations.create_localization(session, merchant, offer.price.id, "PL", POLISH)
    yearly = PriceChanges(access_type_id=YEARLY)
    changed = await offer_changes.change_offer(session, merchant, offer.price.id, ProductSide(), yearly)
    assert (await localized(session, changed, "PL")).price.id == offer.price.id
