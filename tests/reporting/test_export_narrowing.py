"""An export narrowed as the dashboard's lists are: to an item, a country, a gateway and (of subscriptions) states;
a refund goes with its payment. A report asked for before narrowing existed is not narrowed."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing.models import Refund, RefundStatus, SubscriptionStatus
from boxoffice.kit import clock
from boxoffice.reporting import exports
from boxoffice.reporting.narrowing import EVERYTHING, Narrowing
from tests import shop
from tests.billing.test_listings import a_payment, a_subscription


async def _exported(
    session: AsyncSession, kind: str, merchant_id: int, item: int | None, narrowed: Narrowing
) -> list[tuple[str, str]]:
    """The (type or status, id) of each row of the export."""
    out = io.StringIO(newline="")
    await exports.write_csv(session, out, kind, merchant_id, since=None, until=None, item_id=item, narrowed=narrowed)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    return sorted((row.get("type") or row["status"], row["id"]) for row in rows)


async def test_exports_are_narrowed_to_an_item_country_gateway_and_states(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        vera = await shop.customer(session, merchant.id, "vera@example.com")
        otto = await shop.customer(session, merchant.id, "otto@example.com")
        cup = await shop.monthly_price(session, await shop.product(session, merchant.id, "Cup"))
        semi = await shop.monthly_price(session, await shop.product(session, merchant.id, "Semi"))
        ours = a_payment(vera, cup, "a", country_code="GB")
        theirs = a_payment(otto, semi, "b", country_code="US", gateway="stripe")
        session.add_all(
            [
                ours,
                theirs,
                a_subscription(vera, cup, SubscriptionStatus.ACTIVE, country_code="GB"),
                a_subscription(otto, semi, SubscriptionStatus.CANCELED, country_code="US", gateway="stripe"),
            ]
        )
        await session.flush()
        refund = Refund(
            merchant_id=merchant.id,
            payment_id=theirs.id,
            idempotency_key="r",
            amount=10,
            currency="EUR",
            status=RefundStatus.SUCCEEDED,
            created_at=clock.now() + timedelta(seconds=1),
        )
        session.add(refund)
        await session.flush()
        a, b, r = str(ours.id), str(theirs.id), str(refund.id)

        everything = await _exported(session, "transactions", merchant.id, None, EVERYTHING)
        assert everything == sorted([("payment", a), ("payment", b), ("refund", r)])
        assert await _exported(session, "transactions", merchant.id, cup.product_id, EVERYTHING) == [("payment", a)]
        assert await _exported(session, "transactions", merchant.id, None, Narrowing(country_code="US")) == [
            ("payment", b),
            ("refund", r),
        ]
        assert await _exported(session, "transactions", merchant.id, None, Narrowing(gateway="sandbox")) == [
            ("payment", a)
        ]
        cancelled = Narrowing(statuses=(SubscriptionStatus.CANCELED,))
        assert [s for s, _ in await _exported(session, "subscriptions", merchant.id, None, cancelled)] == ["canceled"]
        both = await _exported(session, "subscriptions", merchant.id, None, EVERYTHING)
        assert [s for s, _ in both] == ["active", "canceled"]
        assert (
            await _exported(session, "subscriptions", merchant.id, semi.product_id, Narrowing(gateway="sandbox")) == []
        )


def test_a_narrowing_is_kept_in_a_reports_params_and_old_params_narrow_nothing() -> None:
    narrowed = Narrowing("GB", "stripe", (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING))
    assert Narrowing.of({"since": None} | narrowed.params()) == narrowed
    assert Narrowing.of({"since": None, "until": None, "item_id": None}) == EVERYTHING
