"""Why a voucher takes nothing off: the reason a client tells refusals apart by, which each dialect words."""

from __future__ import annotations

from enum import StrEnum

from boxoffice.kit.errors import Conflict, InvalidInput


class VoucherRefusal(StrEnum):
    NOT_FOUND = "not_found"  # no active voucher has the code
    NOT_STARTED = "not_started"
    EXPIRED = "expired"
    USED_UP = "used_up"
    WRONG_PRICE = "wrong_price"  # its rules name other prices and products
    WRONG_CURRENCY = "wrong_currency"  # an amount off in another currency than the price's
    NOT_RUNNING = "not_running"  # a voucher for a subscription that isn't charging


MESSAGES = {
    VoucherRefusal.NOT_FOUND: "This voucher code is not valid",
    VoucherRefusal.NOT_STARTED: "This voucher can't be used now",
    VoucherRefusal.EXPIRED: "This voucher can't be used now",
    VoucherRefusal.USED_UP: "This voucher has been used up",
    VoucherRefusal.WRONG_PRICE: "This voucher doesn't apply to this price",
    VoucherRefusal.WRONG_CURRENCY: "This voucher is in {voucher_currency}, the price in {price_currency}",
    VoucherRefusal.NOT_RUNNING: "A voucher applies to a running subscription only",
}


class VoucherRefused(InvalidInput):
    """The voucher code (field `voucher_code`) is refused; `reason` says why, and a WRONG_CURRENCY refusal names
    both currencies."""

    def __init__(self, reason: VoucherRefusal, *, voucher_currency: str = "", price_currency: str = "") -> None:
        self.reason = reason
        self.voucher_currency, self.price_currency = voucher_currency, price_currency
        super().__init__({"voucher_code": self.worded(MESSAGES)})

    def worded(self, messages: dict[VoucherRefusal, str]) -> str:
        """The refusal in `messages`' words, whose `{voucher_currency}` and `{price_currency}` are filled in."""
        return messages[self.reason].format(voucher_currency=self.voucher_currency, price_currency=self.price_currency)


class AssociateExists(Conflict):
    """Another associate of the merchant has this e-mail: an associate is known by it."""

    default_message = "An associate with this e-mail already exists"
