"""Offers set up in one step: a product and its price made together (an asset's offers sharing its product), changed,
taken off sale, listed by access type, and priced in several currencies; only ever the merchant's own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from boxoffice.catalog import offer_changes, seasons, service
from boxoffice.catalog.offer_changes import NO_LABELS, BilledBy, ProductSide
from boxoffice.catalog.seasons import SeasonDates, SeasonRefusal, SeasonRefused
from boxoffice.catalog.service import PriceChanges
from boxoffice.kit import clock
from boxoffice.kit.errors import Conflict, InvalidInput, NotFound
from boxoffice.kit.money import Money
from tests import shop
from tests.catalog.conftest import Catalog

MONTHLY, DAY, FOR_GOOD = 7, 1, 11


def terms(access_type_id: int = MONTHLY, amount: int = 999, currency: str = "EUR") -> PriceChanges:
    return PriceChanges(access_type_id=access_type_id, money=Money(amount, currency), description="Monthly")


async def test_an_assets_offers_share_its_product(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    first = await offer_changes.create_offer(
        session, merchant, ProductSide(title="Match", external_asset_id="m-1", min_age=12), terms()
    )
    second = await offer_changes.create_offer(
        session, merchant, ProductSide(title="Ignored", external_asset_id="m-1"), terms(DAY, 199)
    )
    alone = await offer_changes.create_offer(session, merchant, ProductSide(title="Other"), terms(FOR_GOOD))
    assert first.product.id == second.product.id != alone.product.id
    assert (second.product.title, second.product.min_age) == ("Match", 12)
    assert (second.price.kind, second.price.period_unit, alone.price.period_quantity) == ("one_time", "hour", 100)
    found = await offer_changes.offers_of_asset(session, merchant, "m-1")
    assert [offer.price.id for offer in found] == [first.price.id, second.price.id]


async def test_an_offer_is_refused_as_a_product_and_a_price_would_be(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    with pytest.raises(InvalidInput) as refused:
        await offer_changes.create_offer(session, merchant, ProductSide(title=""), terms())
    assert "title" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        await offer_changes.create_offer(session, merchant, ProductSide(title="T"), terms(amount=0))
    assert "amount" in refused.value.errors


async def test_changing_and_deactivating_keep_to_the_types_asked(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    offer = await offer_changes.create_offer(session, merchant, ProductSide(title="Match"), terms())
    with pytest.raises(NotFound):
        await offer_changes.change_offer(session, merchant, offer.price.id, ProductSide(), PriceChanges(), [DAY])
    changed = await offer_changes.change_offer(
        session, merchant, offer.price.id, ProductSide(title="Final", attributes={"url": "https://x.example"}),
        PriceChanges(money=Money(500, "EUR")), [MONTHLY],
    )  # fmt: skip
    assert (changed.product.title, changed.product.attributes, changed.price.amount) == (
        "Final",
        {"url": "https://x.example"},
        500,
    )
    gone = await offer_changes.deactivate_offer(session, merchant, offer.price.id, [MONTHLY])
    assert gone.price.active is False and gone.product.active is True
    other = await shop.merchant(session, "Other")
    with pytest.raises(NotFound):
        await offer_changes.merchant_offer(session, other, offer.price.id)


async def test_an_offer_off_sale_is_put_back_on_sale_unless_its_item_is_inactive(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    offer = await offer_changes.create_offer(session, merchant, ProductSide(title="Match"), terms())
    await offer_changes.deactivate_offer(session, merchant, offer.price.id)
    with pytest.raises(NotFound):
        await offer_changes.activate_offer(session, merchant, offer.price.id, [DAY])
    back = await offer_changes.activate_offer(session, merchant, offer.price.id, [MONTHLY])
    assert back.price.active is True
    await service.deactivate_product(session, merchant.id, offer.product.id)
    await offer_changes.deactivate_offer(session, merchant, offer.price.id)
    with pytest.raises(Conflict):
        await offer_changes.activate_offer(session, merchant, offer.price.id)
    other = await shop.merchant(session, "Other")
    with pytest.raises(NotFound):
        await offer_changes.activate_offer(session, other, offer.price.id)


async def test_a_page_of_offers_by_access_type_state_and_asset(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    monthly = await offer_changes.create_offer(
        session, merchant, ProductSide(title="A", external_asset_id="v"), terms()
    )
    day = await offer_changes.create_offer(session, merchant, ProductSide(title="B"), terms(DAY))
    off = await offer_changes.create_offer(session, merchant, ProductSide(title="C"), terms())
    await offer_changes.deactivate_offer(session, merchant, off.price.id)
    other = await shop.merchant(session, "Other")
    await offer_changes.create_offer(session, other, ProductSide(title="Theirs"), terms())

    async def ids(types: list[int], **criteria: object) -> tuple[int, list[int]]:
        total, offers = await offer_changes.offers_page(session, merchant, types, **criteria)  # type: ignore[arg-type]
        return total, [offer.price.id for offer in offers]

    assert await ids([MONTHLY]) == (2, [monthly.price.id, off.price.id])
    assert await ids([MONTHLY], active=True) == (1, [monthly.price.id])
    assert await ids([MONTHLY], active=False) == (1, [off.price.id])
    assert await ids([MONTHLY, DAY], offset=1, limit=1) == (3, [day.price.id])
    assert await ids([MONTHLY], assets_only=True) == (1, [monthly.price.id])
    assert await ids([MONTHLY], external_asset_id="nope") == (0, [])


async def test_one_product_at_a_price_per_currency(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    amounts = [Money(999, "EUR"), Money(1099, "USD")]
    made = await offer_changes.create_offer_in_currencies(session, merchant, ProductSide(title="M"), terms(), amounts)
    assert len({offer.product.id for offer in made}) == 1
    assert [(o.price.amount, o.price.currency) for o in made] == [(999, "EUR"), (1099, "USD")]
    with pytest.raises(InvalidInput):
        await offer_changes.create_offer_in_currencies(
            session, merchant, ProductSide(title="M"), terms(), [Money(1, "EUR"), Money(2, "EUR")]
        )
    changed = await offer_changes.change_offer_in_currencies(
        session, merchant, made[1].price.id, ProductSide(), PriceChanges(description="New"),
        [Money(800, "EUR"), Money(700, "GBP")], [MONTHLY],
    )  # fmt: skip
    assert [(o.price.amount, o.price.currency, o.price.description) for o in changed] == [
        (800, "EUR", "New"),
        (1099, "USD", "New"),
        (700, "GBP", "New"),
    ]
    assert len(await service.prices_of(session, made[0].product)) == 3


async def test_an_offer_sold_in_some_countries_has_a_country_set_of_its_own(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    europe = offer_changes.Countries("whitelist", ["de", "FR"])
    offer = await offer_changes.create_offer(session, merchant, ProductSide(title="M"), terms(), europe)
    first = offer.price.country_set
    assert first is not None and (first.type, first.countries) == ("whitelist", ["DE", "FR"])
    changed = await offer_changes.change_offer(
        session,
        merchant,
        offer.price.id,
        ProductSide(),
        PriceChanges(),
        None,
        offer_changes.Countries("blacklist", ["PL"]),
    )
    second = changed.price.country_set
    assert second is not None and second.id != first.id and first.countries == ["DE", "FR"]
    with pytest.raises(InvalidInput):
        await offer_changes.create_offer(
            session, merchant, ProductSide(title="M"), terms(), offer_changes.Countries("whitelist", ["XX"])
        )
    lifted = await offer_changes.change_offer(
        session, merchant, offer.price.id, ProductSide(), PriceChanges(clear_country_set=True)
    )
    assert lifted.price.country_set is None


async def test_an_offer_keeps_to_its_assets_product(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    one = await offer_changes.create_offer(session, merchant, ProductSide(title="A", external_asset_id="one"), terms())
    await offer_changes.create_offer(session, merchant, ProductSide(title="B", external_asset_id="two"), terms())
    with pytest.raises(InvalidInput):
        await offer_changes.change_offer(
            session, merchant, one.price.id, ProductSide(external_asset_id="two"), PriceChanges()
        )
    await offer_changes.deactivate_offer(session, merchant, one.price.id)
    await service.deactivate_product(session, merchant.id, one.product.id)
    with pytest.raises(InvalidInput):
        await offer_changes.create_offer(session, merchant, ProductSide(external_asset_id="one"), terms())


async def test_an_inactive_item_gets_no_price_in_a_new_currency(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    made = await offer_changes.create_offer_in_currencies(
        session, merchant, ProductSide(title="M"), terms(), [Money(999, "EUR")]
    )
    await service.deactivate_product(session, merchant.id, made[0].product.id)
    with pytest.raises(InvalidInput):
        await offer_changes.change_offer_in_currencies(
            session, merchant, made[0].price.id, ProductSide(), PriceChanges(), [Money(100, "USD")]
        )
    kept = await offer_changes.change_offer_in_currencies(
        session, merchant, made[0].price.id, ProductSide(), PriceChanges(), [Money(100, "EUR")]
    )
    assert [(offer.price.amount, offer.price.currency) for offer in kept] == [(100, "EUR")]


async def test_an_offers_period_and_season_group_change_together(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    now = clock.now()
    group = await seasons.create_season_group(
        session, merchant.id, "League", [SeasonDates(now, now + timedelta(days=30))]
    )
    by_seasons = BilledBy(group.group.id)
    offer = await offer_changes.create_offer(
        session, merchant, ProductSide(title="Match"), terms(), None, NO_LABELS, by_seasons
    )
    assert (offer.price.season_group_id, offer.price.access_type_id) == (group.group.id, MONTHLY)
    yearly = PriceChanges(access_type_id=10)
    changed = await offer_changes.change_offer(
        session, merchant, offer.price.id, ProductSide(), yearly, billed_by=BilledBy(None)
    )
    assert (changed.price.season_group_id, changed.price.access_type_id) == (None, 10)
    again = await offer_changes.change_offer(
        session, merchant, offer.price.id, ProductSide(), PriceChanges(), billed_by=by_seasons
    )
    assert again.price.season_group_id == group.group.id
    kept = await offer_changes.change_offer(
        session, merchant, offer.price.id, ProductSide(title="Final"), PriceChanges()
    )
    assert kept.price.season_group_id == group.group.id


async def test_only_a_subscription_is_billed_by_a_season_group_of_the_merchants(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    other = await shop.merchant(session, "Other")
    now = clock.now()
    theirs = await seasons.create_season_group(session, other.id, "Theirs", [SeasonDates(now, now + timedelta(days=9))])
    ours = await seasons.create_season_group(session, merchant.id, "Ours", [SeasonDates(now, now + timedelta(days=9))])
    for group_id in (theirs.group.id, 999_999):
        with pytest.raises(NotFound):
            await offer_changes.create_offer(
                session, merchant, ProductSide(title="Match"), terms(), billed_by=BilledBy(group_id)
            )
    with pytest.raises(SeasonRefused) as refused:
        await offer_changes.create_offer(
            session, merchant, ProductSide(title="Day"), terms(DAY, 199), billed_by=BilledBy(ours.group.id)
        )
    assert refused.value.reason is SeasonRefusal.NOT_A_SUBSCRIPTION
