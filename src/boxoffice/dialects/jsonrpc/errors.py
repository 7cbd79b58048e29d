"""The one place the core's refusals become Cleeng's JSON-RPC error codes (`{code, message}` in the reply, with
HTTP 200 always: Cleeng's PHP SDK throws on any other status)."""

from __future__ import annotations

from enum import IntEnum

from boxoffice.billing.refusals import NotOnSale
from boxoffice.identity.refusals import AccountDeactivated, AccountExists, ResetTokenRefused
from boxoffice.kit import errors
from boxoffice.promotions.refusals import AssociateExists, VoucherRefused


class Code(IntEnum):
    """Cleeng's error codes, and JSON-RPC 2.0's own for a request that is no call at all."""

    CUSTOMER_TOKEN = 1  # no customer token, or one that is invalid, expired or revoked
    PUBLISHER_TOKEN = 3
    OFFER_NOT_FOUND = 4
    ACCESS_DENIED = 5
    CUSTOMER_UNKNOWN = 10  # no such customer (by e-mail, id or external id) with the publisher
    INVALID_ARGUMENTS = 11
    INACTIVE = 12  # the customer's account is deactivated
    CUSTOMER_EXISTS = 13
    IP_LIMIT = 14  # too many addresses or devices, or too many attempts
    CREDENTIALS = 15
    RESET_TOKEN = 16
    GENERIC = 999
    PARSE_ERROR = -32700
    INVALID_REQUEST = -32600
    METHOD_NOT_FOUND = -32601


class Refused(errors.DomainError):
    """A refusal in Cleeng's terms, where no domain error says it the way its clients expect."""

    def __init__(self, code: Code, message: str) -> None:
        self.code = code
        super().__init__(message)


class InvalidParams(Refused):
    """A parameter missing or of the wrong type or value (code 11)."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(Code.INVALID_ARGUMENTS, message)


CODES: list[tuple[type[errors.DomainError], Code]] = [
    (errors.InvalidInput, Code.INVALID_ARGUMENTS),
    (errors.InvalidCredentials, Code.CREDENTIALS),
    (errors.RateLimited, Code.IP_LIMIT),
    (errors.LimitReached, Code.IP_LIMIT),
    (errors.Forbidden, Code.ACCESS_DENIED),
    (errors.NoAccess, Code.ACCESS_DENIED),
    (errors.Restricted, Code.ACCESS_DENIED),
    (AssociateExists, Code.CUSTOMER_EXISTS),
    (AccountExists, Code.CUSTOMER_EXISTS),
    (AccountDeactivated, Code.INACTIVE),
    (ResetTokenRefused, Code.RESET_TOKEN),
    (errors.AlreadyHeld, Code.GENERIC),
    (errors.Conflict, Code.GENERIC),
    (VoucherRefused, Code.INVALID_ARGUMENTS),
    (NotOnSale, Code.INVALID_ARGUMENTS),
]
UNAUTHENTICATED = {errors.Credential.PUBLISHER_TOKEN: Code.PUBLISHER_TOKEN}
NOT_FOUND = {
    errors.Missing.CUSTOMER: Code.CUSTOMER_UNKNOWN,
    errors.Missing.ASSOCIATE: Code.CUSTOMER_UNKNOWN,  # Cleeng's code for an e-mail no one is known by
    errors.Missing.CAMPAIGN: Code.OFFER_NOT_FOUND,
    errors.Missing.PAYMENT_DETAILS: Code.INVALID_ARGUMENTS,  # Cleeng has no code of its own for them
}
# What was not found, where the code alone would name something else.
NOT_FOUND_MESSAGES = {
    errors.Missing.ASSOCIATE: "Associate not found",
    errors.Missing.CAMPAIGN: "Coupon campaign not found",
    errors.Missing.PAYMENT_DETAILS: "Payment details not found",
}
MESSAGES = {
    Code.CUSTOMER_TOKEN: "Invalid or expired customer token",
    Code.PUBLISHER_TOKEN: "Invalid publisher token",
    Code.OFFER_NOT_FOUND: "Offer not found",
    Code.CUSTOMER_UNKNOWN: "Customer not found",
}


def code_of(error: errors.DomainError) -> Code:
    if isinstance(error, Refused):
        return error.code
    if isinstance(error, errors.Unauthenticated):
        return UNAUTHENTICATED.get(error.credential, Code.CUSTOMER_TOKEN)
    if isinstance(error, errors.NotFound):
        return NOT_FOUND.get(error.what, Code.OFFER_NOT_FOUND) if error.what else Code.GENERIC
    return next((code for kind, code in CODES if isinstance(error, kind)), Code.GENERIC)


def message_of(error: errors.DomainError, code: Code) -> str:
    """The refusal's words: a typed refusal's own message, several field errors joined."""
    if isinstance(error, errors.InvalidInput) and error.errors:
        return " ".join(error.errors.values())
    if isinstance(error, errors.NotFound) and error.what in NOT_FOUND_MESSAGES:
        return NOT_FOUND_MESSAGES[error.what]
    if isinstance(error, errors.NotFound) and error.what is not None and code in MESSAGES:
        return MESSAGES[code]
    if isinstance(error, errors.Unauthenticated) and code in MESSAGES:
        return MESSAGES[code]
    return error.message
