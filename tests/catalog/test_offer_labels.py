"""An offer's labels: the tags access through its prices opens, and when the event it sells begins; set with the
offer, checked before anything is written, and never the start of its sale."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from boxoffice.catalog import offer_changes
from boxoffice.catalog.offer_changes import MAX_TAG, MAX_TAGS, Labels, ProductSide
from boxoffice.catalog.service import PriceChanges
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.money import Money
from tests.catalog.conftest import Catalog

MONTHLY, DATED = 7, 5


def terms(access_type_id: int = MONTHLY, expires_at: datetime | None = None) -> PriceChanges:
    return PriceChanges(access_type_id=access_type_id, money=Money(999, "EUR"), expires_at=expires_at)


async def test_tags_are_trimmed_kept_once_and_changed_only_when_given(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    offer = await offer_changes.create_offer(
        session, merchant, ProductSide(title="Sports"), terms(), labels=Labels(tags=[" sports", "live", "sports", " "])
    )
    assert offer.price.tags == ["sports", "live"]
    kept = await offer_changes.change_offer(session, merchant, offer.price.id, ProductSide(), PriceChanges())
    assert kept.price.tags == ["sports", "live"]
    cleared = await offer_changes.change_offer(
        session, merchant, offer.price.id, ProductSide(), PriceChanges(), labels=Labels(tags=[])
    )
    assert cleared.price.tags == []
    untagged = await offer_changes.create_offer(session, merchant, ProductSide(title="Plain"), terms())
    assert untagged.price.tags == []


async def test_too_many_or_too_long_tags_are_refused(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    offer = await offer_changes.create_offer(
        session, merchant, ProductSide(title="Sports"), terms(), labels=Labels(tags=["sports"])
    )
    for bad in ([f"t{n}" for n in range(MAX_TAGS + 1)], ["t" * (MAX_TAG + 1)]):
        with pytest.raises(InvalidInput) as refused:
            await offer_changes.create_offer(session, merchant, ProductSide(title="X"), terms(), labels=Labels(bad))
        assert "tags" in refused.value.errors
        with pytest.raises(InvalidInput):
            await offer_changes.change_offer(
                session, merchant, offer.price.id, ProductSide(), PriceChanges(), labels=Labels(bad)
            )
    assert offer.price.tags == ["sports"]


async def test_an_events_start_is_not_its_sales_and_comes_before_its_end(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    tomorrow, ends = clock.now() + timedelta(days=1), clock.now() + timedelta(days=3)
    event = await offer_changes.create_offer(
        session,
        merchant,
        ProductSide(title="Final"),
        terms(DATED, expires_at=ends),
        labels=Labels(event_starts_at=tomorrow),
    )
    assert (event.price.event_starts_at, event.price.starts_at, event.price.expires_at) == (tomorrow, None, ends)
    with pytest.raises(InvalidInput) as refused:
        await offer_changes.create_offer(
            session,
            merchant,
            ProductSide(title="Late"),
            terms(DATED, expires_at=ends),
            labels=Labels(event_starts_at=ends),
        )
    assert "event_starts_at" in refused.value.errors
    with pytest.raises(InvalidInput):
        await offer_changes.change_offer(
            session, merchant, event.price.id, ProductSide(), PriceChanges(expires_at=tomorrow - timedelta(hours=1))
        )
    assert event.price.expires_at == ends
