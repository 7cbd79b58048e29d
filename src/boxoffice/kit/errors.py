"""Domain errors. The core raises these; each dialect maps them, once, to its own wire format.

The core names things in its own words: field keys are its own snake_case names (`price_id`, `order_id`), and a
refusal a client tells apart carries a typed reason (`NotFound.what`, `Unauthenticated.credential`,
`AlreadyHeld.holding`), never a vendor's wording: each dialect's `errors.py` turns those into its words and keys.
"""

from __future__ import annotations

from enum import StrEnum


class DomainError(Exception):
    default_message = "Error"
    # Most refusals undo the whole unit of work; a few (ending a session whose refresh token was replayed)
    # must keep what they wrote even though the request fails.
    keep_changes = False

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class InvalidInput(DomainError):
    default_message = "Invalid input"

    def __init__(self, errors: dict[str, str], message: str | None = None) -> None:
        self.errors = errors
        super().__init__(message or next(iter(errors.values()), self.default_message))


class Credential(StrEnum):
    """What a caller authenticated with."""

    BEARER = "bearer"  # the token a request carries
    REFRESH = "refresh"  # a refresh token, traded for new tokens
    ACCESS_CODE = "access_code"
    # A merchant's token for Cleeng's publisher APIs (the name of a kind of credential, no secret).
    PUBLISHER_TOKEN = "publisher_token"  # noqa: S105


class Unauthenticated(DomainError):
    """No credentials, or credentials that are malformed, expired or revoked; `credential` says which."""

    default_message = "The token is missing, malformed, expired or revoked"

    def __init__(self, message: str | None = None, *, credential: Credential = Credential.BEARER) -> None:
        self.credential = credential
        super().__init__(message)


class InvalidCredentials(DomainError):
    default_message = "Invalid credentials"


class Forbidden(DomainError):
    default_message = "Invalid privileges"


class Missing(StrEnum):
    """What the core looked for and did not find, in its own names."""

    PRODUCT = "product"
    PRICE = "price"
    PACKAGE = "package"
    OFFER = "offer"
    ORDER = "order"
    SUBSCRIPTION = "subscription"
    BRANDING = "branding"
    PAYMENT = "payment"
    CUSTOMER = "customer"
    PAYMENT_DETAILS = "payment_details"  # a saved card or account to charge
    ASSOCIATE = "associate"  # a merchant's partner who hands out its vouchers
    CAMPAIGN = "campaign"  # a set of vouchers made together
    SEASON_GROUP = "season_group"  # a schedule of seasons a seasonal subscription bills by
    SEASON = "season"  # one season of a season group
    IDENTITY_PROVIDER = "identity_provider"  # an issuer a merchant's viewers sign in with


class NotFound(DomainError):
    """Nothing of that id (or none the caller may see); `what` names it, and `key` the id asked for, when a
    client tells such refusals apart."""

    default_message = "Not found"

    def __init__(self, message: str | None = None, *, what: Missing | None = None, key: object = None) -> None:
        self.what, self.key = what, key
        if message is None and what is not None:
            message = f"{what.value.capitalize()}{'' if key is None else f' {key}'} not found"
        super().__init__(message)


class Conflict(DomainError):
    default_message = "Conflict"


class Holding(StrEnum):
    ACCESS = "access"
    SUBSCRIPTION = "subscription"


class AlreadyHeld(Conflict):
    """A purchase of what the customer may already watch (`holding` ACCESS) or is already subscribed to
    (SUBSCRIPTION)."""

    default_message = "The customer already holds this"

    def __init__(self, holding: Holding = Holding.ACCESS, message: str | None = None) -> None:
        self.holding = holding
        super().__init__(message)


class NoAccess(DomainError):
    default_message = "No access"


class RateLimited(DomainError):
    default_message = "Too many requests"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class Restricted(DomainError):
    """Refused by a merchant's rule (geo, domain, age …); `reason` names the rule."""

    default_message = "Access restricted"

    def __init__(self, reason: str, message: str | None = None) -> None:
        self.reason = reason
        super().__init__(message)


class LimitReached(DomainError):
    """A capacity is used up: an access code already open in as many browsers as it allows, say."""

    default_message = "Limit reached"


class PaymentDeclined(DomainError):
    """The gateway refused the charge; `code` says why (card_declined, insufficient_funds, expired_card …)."""

    default_message = "The payment was declined"

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        super().__init__(message)
