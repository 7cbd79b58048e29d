"""Why a gift's code opens nothing any more."""

from __future__ import annotations

from datetime import datetime

from boxoffice.billing.gifts import GiftDetails, Spent
from boxoffice.billing.models import Gift
from boxoffice.catalog.models import Product

THEN = datetime(2026, 3, 1, 12, 0)


def _details(**gift: object) -> GiftDetails:
    return GiftDetails(Gift(code="ABCDEFGHJKMN", **gift), Product(title="Film"), None, "Ann")


def test_a_code_is_redeemable_until_redeemed_or_refunded() -> None:
    assert _details().spent is None
    assert _details(redeemed_at=THEN).spent == Spent.REDEEMED
    assert _details(refunded_at=THEN).spent == Spent.REFUNDED
    # Refunded after it was redeemed: what it bought is gone, which is what a customer is told.
    assert _details(redeemed_at=THEN, refunded_at=THEN).spent == Spent.REFUNDED
