"""The Amazon Appstore's purchases, asked of Amazon's Receipt Verification Service (RVS) with the merchant's
shared secret: `GET {base}/version/1.0/verifyReceiptId/developer/{secret}/user/{userId}/receiptId/{receiptId}`.
A sandbox app is asked at RVS's sandbox (`/sandbox` below the same host). The base is the operator's
(`BOXOFFICE_AMAZON_RVS_BASE`, for tests)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from boxoffice.gateways.stores import Environment, Store, StoreApp, StoreRefusal, StoreRefused, VerifiedPurchase
from boxoffice.kit import outbound

AMAZON_RVS = "https://appstore-sdk.amazon.com"
MAX_ID = 500
SUBSCRIPTION, ENTITLED = "SUBSCRIPTION", "ENTITLED"


class AmazonAppstore:
    def __init__(self, *, base: str | None, allow_private: bool) -> None:
        self._base, self._allow_private = (base or AMAZON_RVS).rstrip("/"), allow_private

    async def verify(self, app: StoreApp, receipt_id: str, user_id: str | None) -> VerifiedPurchase:
        if not app.secret:
            raise StoreRefused(StoreRefusal.NOT_CONFIGURED)
        for given in (receipt_id, user_id):
            if not given or len(given) > MAX_ID or not given.isprintable():
                raise StoreRefused(StoreRefusal.MALFORMED)
        assert user_id is not None
        base = self._base + ("/sandbox" if app.environment is Environment.SANDBOX else "")
        path = "/version/1.0/verifyReceiptId/developer/{}/user/{}/receiptId/{}"
        url = base + path.format(*(quote(part, safe="") for part in (app.secret, user_id, receipt_id)))
        try:
            status, found = await outbound.call_json(
                "GET", url, allow_private=self._allow_private, shown_as=f"{base}/version/1.0/verifyReceiptId"
            )
        except outbound.Unreachable:
            raise StoreRefused(StoreRefusal.UNAVAILABLE) from None
        if status in (400, 410):
            raise StoreRefused(StoreRefusal.UNKNOWN_RECEIPT)
        if status in (496, 497):  # the shared secret, or the user id, is not one Amazon knows
            raise StoreRefused(StoreRefusal.NOT_CONFIGURED if status == 496 else StoreRefusal.UNKNOWN_RECEIPT)
        if status != 200:
            raise StoreRefused(StoreRefusal.UNAVAILABLE)
        return replace(_purchase(found, receipt_id), store_user_id=user_id)


def _purchase(found: dict[str, Any], receipt_id: str) -> VerifiedPurchase:
    product, kind, bought = found.get("productId"), found.get("productType"), found.get("purchaseDate")
    if not isinstance(product, str) or not isinstance(bought, int) or kind not in (SUBSCRIPTION, ENTITLED):
        raise StoreRefused(StoreRefusal.MALFORMED)
    if found.get("cancelDate") is not None:
        raise StoreRefused(StoreRefusal.NOT_PAID)
    renewal = found.get("renewalDate")
    if kind == SUBSCRIPTION and not isinstance(renewal, int):
        raise StoreRefused(StoreRefusal.MALFORMED)
    return VerifiedPurchase(
        store=Store.AMAZON,
        transaction_id=receipt_id,
        original_id=receipt_id,
        product_id=product,
        purchased_at=_moment(bought),
        expires_at=_moment(renewal) if kind == SUBSCRIPTION and isinstance(renewal, int) else None,
    )


def _moment(milliseconds: int) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, UTC).replace(tzinfo=None)
