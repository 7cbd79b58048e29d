"""Why a price is not sold to a viewer: the reason a client tells refusals apart by, which each dialect words."""

from __future__ import annotations

from enum import StrEnum

from boxoffice.kit.errors import InvalidInput


class SaleRefusal(StrEnum):
    INACTIVE = "inactive"  # the price or its product is switched off
    SUBSCRIPTION_ONLY = "subscription_only"  # bought once, but it is a subscription
    ONE_TIME_ONLY = "one_time_only"  # subscribed to, but it is a one-time purchase
    NOT_NOW = "not_now"  # before its sale starts or after it ended


MESSAGES = {
    SaleRefusal.INACTIVE: "This price is not for sale",
    SaleRefusal.SUBSCRIPTION_ONLY: "This price is a subscription: subscribe to it instead",
    SaleRefusal.ONE_TIME_ONLY: "This price is a one-time purchase: pay for it instead",
    SaleRefusal.NOT_NOW: "This price is not on sale now",
}


class NotOnSale(InvalidInput):
    """The price (field `price`) is not sold as asked; `reason` says why."""

    def __init__(self, reason: SaleRefusal) -> None:
        self.reason = reason
        super().__init__({"price": MESSAGES[reason]})
