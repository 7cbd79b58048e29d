"""The app stores that sell a merchant's prices inside its apps, and what Boxoffice learns from each when it
verifies a purchase: the core's own words for it, whichever store spoke (each store's module translates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from boxoffice.kit.errors import DomainError


class Store(StrEnum):
    APPLE = "apple"  # the App Store: iOS, iPadOS, tvOS
    GOOGLE_PLAY = "google_play"  # Android, Android TV
    AMAZON = "amazon"  # the Amazon Appstore: Fire TV, Fire tablets
    ROKU = "roku"  # Roku Pay


class Environment(StrEnum):
    PRODUCTION = "production"
    SANDBOX = "sandbox"  # the store's test purchases: taken only from an app set to its sandbox


class StoreRefusal(StrEnum):
    NOT_CONFIGURED = "not_configured"  # the merchant has not set this store up
    MALFORMED = "malformed"  # not a receipt of this store
    SIGNATURE = "signature"  # not signed by the store (another root, a changed payload)
    OTHER_APP = "other_app"  # a receipt of another app (bundle id, package name)
    ENVIRONMENT = "environment"  # a sandbox receipt for a production app, or the other way round
    UNKNOWN_PRODUCT = "unknown_product"  # a store product the merchant has mapped to no price, or to another
    NOT_PAID = "not_paid"  # pending, cancelled, refunded or expired at the store
    UNKNOWN_RECEIPT = "unknown_receipt"  # the store knows no such purchase
    USED = "used"  # the receipt already bought access for another account
    UNAVAILABLE = "unavailable"  # the store could not be asked now


class StoreRefused(DomainError):
    def __init__(self, reason: StoreRefusal) -> None:
        self.reason = reason
        super().__init__(reason.value)


@dataclass(frozen=True, slots=True)
class StoreApp:
    """A merchant's app in one store, as the store's verifier needs it."""

    store: Store
    app_id: str  # Apple's bundle id, Google's package name
    apple_app_id: int | None  # Apple's numeric app id (required of production apps)
    environment: Environment
    secret: str | None  # opened: Google's service-account JSON, Amazon's shared secret, Roku's API key


@dataclass(frozen=True, slots=True)
class VerifiedPurchase:
    """One charge the store made, as it vouches for it."""

    store: Store
    transaction_id: str  # this charge's id: the first purchase's, or a renewal's
    original_id: str  # the purchase (or the subscription) it belongs to, the same across renewals
    product_id: str  # the store's product id (SKU)
    purchased_at: datetime
    expires_at: datetime | None  # a subscription's current period end; None for a one-time purchase
    token: str | None = None  # Google's purchase token, which acknowledging and notifications name
    store_user_id: str | None = None  # the buyer's id at the store, where its receipts need it (Amazon)
    # Nothing was charged for it: a free trial's period, or a purchase a family member's shares.
    unpaid: bool = False
