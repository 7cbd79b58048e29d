"""Roku Pay's purchases, asked of Roku's transaction service with the merchant's partner API key:
`GET {base}/listen/transaction-service.svc/validate-transaction/{key}/{transactionId}`. The base is the
operator's (`BOXOFFICE_ROKU_API_BASE`, for tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from boxoffice.gateways.stores import Store, StoreApp, StoreRefusal, StoreRefused, VerifiedPurchase
from boxoffice.kit import outbound

ROKU_API = "https://apipub.roku.com"
MAX_ID = 200


class RokuPay:
    def __init__(self, *, base: str | None, allow_private: bool) -> None:
        self._base, self._allow_private = (base or ROKU_API).rstrip("/"), allow_private

    async def verify(self, app: StoreApp, transaction_id: str, *, subscription: bool) -> VerifiedPurchase:
        if not app.secret:
            raise StoreRefused(StoreRefusal.NOT_CONFIGURED)
        if not transaction_id or len(transaction_id) > MAX_ID or not transaction_id.isprintable():
            raise StoreRefused(StoreRefusal.MALFORMED)
        service = f"{self._base}/listen/transaction-service.svc/validate-transaction"
        url = f"{service}/{quote(app.secret, safe='')}/{quote(transaction_id, safe='')}"
        try:
            status, found = await outbound.call_json("GET", url, allow_private=self._allow_private, shown_as=service)
        except outbound.Unreachable:
            raise StoreRefused(StoreRefusal.UNAVAILABLE) from None
        if status != 200:
            raise StoreRefused(StoreRefusal.UNAVAILABLE)
        if found.get("status") != "Success":
            # Roku answers 200 with a failure status for an unknown transaction or a key it does not know.
            raise StoreRefused(StoreRefusal.UNKNOWN_RECEIPT)
        return _purchase(found, subscription)


def _purchase(found: dict[str, Any], subscription: bool) -> VerifiedPurchase:
    transaction, product = found.get("transactionId"), found.get("productId")
    if not isinstance(transaction, str) or not isinstance(product, str):
        raise StoreRefused(StoreRefusal.MALFORMED)
    if found.get("isEntitled") is not True or found.get("cancelled") is True:
        raise StoreRefused(StoreRefusal.NOT_PAID)
    expires = _moment(found.get("expirationDate")) if subscription else None
    return VerifiedPurchase(
        store=Store.ROKU,
        transaction_id=transaction,
        original_id=str(found.get("originalTransactionId") or transaction),
        product_id=product,
        purchased_at=_moment(found.get("purchaseDate")),
        expires_at=expires,
    )


def _moment(text: object) -> datetime:
    """Roku's times: ISO 8601, with or without an offset (UTC when without)."""
    if not isinstance(text, str):
        raise StoreRefused(StoreRefusal.MALFORMED)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise StoreRefused(StoreRefusal.MALFORMED) from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
