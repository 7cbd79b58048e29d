"""Why a price is not sold to a viewer, and why a subscription's state may not change as asked: the reason a client
tells refusals apart by, which each dialect words."""

from __future__ import annotations

from enum import StrEnum

from boxoffice.kit.errors import Conflict, InvalidInput


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


class SubscriptionRefusal(StrEnum):
    """Why a change of a subscription's state is refused."""

    ENDED = "ended"  # it is over: nothing more can be done with it but revive it
    RUNNING = "running"  # revived, but it still runs
    NOT_PAUSED = "not_paused"  # resumed, but no pause is running or asked for
    PAUSED = "paused"  # paused, but a pause already runs or is asked for
    PAUSE_DUE = "pause_due"  # its period's end moved, but a pause runs or is asked for from it
    NOT_PAUSABLE = "not_pausable"  # only an active subscription Boxoffice charges, out of its trial, is paused
    NOT_MERCHANT_BILLED = "not_merchant_billed"  # renewed by the merchant, but Boxoffice charges it
    MERCHANT_BILLED = "merchant_billed"  # what only a subscription Boxoffice charges can do
    CONNECTOR_BILLED = "connector_billed"  # what only a subscription Boxoffice's own gateways charge can do
    STORE_BILLED = "store_billed"  # an app store bills it: it is cancelled, paused or changed in the store
    CHARGED = "charged"  # moved to another customer, but it charges its customer's own payment method
    SAME_CUSTOMER = "same_customer"  # moved to the customer who holds it
    EXTERNAL_ID_TAKEN = "external_id_taken"  # another running subscription has the merchant's id


SUBSCRIPTION_MESSAGES = {
    SubscriptionRefusal.ENDED: "This subscription has ended",
    SubscriptionRefusal.RUNNING: "This subscription has not ended",
    SubscriptionRefusal.NOT_PAUSED: "This subscription is not paused",
    SubscriptionRefusal.PAUSED: "This subscription is already paused",
    SubscriptionRefusal.PAUSE_DUE: "This subscription is paused or a pause is asked for: resume it first",
    SubscriptionRefusal.NOT_PAUSABLE: "Only an active subscription, out of its trial, can be paused",
    SubscriptionRefusal.NOT_MERCHANT_BILLED: "This subscription is charged by Boxoffice, not renewed by the merchant",
    SubscriptionRefusal.MERCHANT_BILLED: "This subscription is billed by the merchant",
    SubscriptionRefusal.CONNECTOR_BILLED: "This subscription is charged through the merchant's payment connector",
    SubscriptionRefusal.STORE_BILLED: "This subscription is billed by an app store: it is changed or cancelled there",
    SubscriptionRefusal.CHARGED: "This subscription charges its customer's own payment method",
    SubscriptionRefusal.SAME_CUSTOMER: "This subscription is already that customer's",
    SubscriptionRefusal.EXTERNAL_ID_TAKEN: "Another running subscription has this external id",
}


class SubscriptionRefused(Conflict):
    """A change of a subscription that its state doesn't allow; `reason` says why."""

    def __init__(self, reason: SubscriptionRefusal) -> None:
        self.reason = reason
        super().__init__(SUBSCRIPTION_MESSAGES[reason])
