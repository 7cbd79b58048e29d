"""Domain errors. The core raises these; each dialect maps them, once, to its own wire format."""

from __future__ import annotations


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


class Unauthenticated(DomainError):
    """No credentials, or credentials that are malformed, expired or revoked."""

    default_message = "Invalid auth token"


class InvalidCredentials(DomainError):
    default_message = "Invalid credentials"


class Forbidden(DomainError):
    default_message = "Invalid privileges"


class NotFound(DomainError):
    default_message = "Not found"


class Conflict(DomainError):
    default_message = "Conflict"


class AlreadyHeld(Conflict):
    """A purchase of what the customer may already watch (or is already subscribed to)."""

    default_message = "You already have access to this item"


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
