"""The one place domain errors become MediaStore refusals: an HTTP status, the message, and the `code` of the
SDK's `errorCodes.ts` where it has one."""

from __future__ import annotations

from typing import Final

from fastapi.exceptions import RequestValidationError
from starlette.responses import JSONResponse

from boxoffice.billing.refusals import NotOnSale, SaleRefusal
from boxoffice.dialects.cleeng.body import BadBody
from boxoffice.dialects.mediastore.envelope import Code, refusal
from boxoffice.gateways.stores import StoreRefusal, StoreRefused
from boxoffice.kit import errors
from boxoffice.promotions.refusals import VoucherRefusal, VoucherRefused

# What the SDK knows them as (`REQ` a bad request, `USER` an account, `AUTH` the JWT).
INVALID_BODY: Final = "REQ0001"
INVALID_QUERY: Final = "REQ0002"
INVALID_PATH: Final = "REQ0003"
WRONG_CREDENTIALS: Final = "USER0001"
ALREADY_EXISTS: Final = "USER0002"
MISSING_JWT: Final = "AUTH0001"
INVALID_JWT: Final = "AUTH0002"
EXPIRED_JWT: Final = "AUTH0003"


class Refused(errors.DomainError):
    """A refusal in MediaStore's own terms, where no domain error says it the way its clients expect."""

    def __init__(self, status: int, message: str, code: Code | None = None) -> None:
        self.status, self.code = status, code
        super().__init__(message)


class MalformedRequest(Refused):
    def __init__(self, message: str, code: Code = INVALID_BODY) -> None:
        super().__init__(400, message, code)


STATUS: list[tuple[type[errors.DomainError], int, Code | None]] = [
    (errors.InvalidInput, 422, INVALID_BODY),
    (errors.Unauthenticated, 401, INVALID_JWT),
    (errors.InvalidCredentials, 401, WRONG_CREDENTIALS),
    (errors.Forbidden, 403, None),
    (errors.NotFound, 404, None),
    (errors.Conflict, 409, None),
    (errors.NoAccess, 403, None),
    (errors.PaymentDeclined, 402, None),
    (errors.RateLimited, 429, None),
    (errors.LimitReached, 422, None),
    (errors.Restricted, 403, None),
]


# The SDK's checkout matches this text to tell a customer they have what they are buying.
ALREADY_HELD = "Access already granted"
NOT_FOUND = {
    errors.Missing.PRODUCT: "Item not found",
    errors.Missing.PRICE: "Access fee not found",
    errors.Missing.PACKAGE: "Package not found",
    errors.Missing.OFFER: "Offer not found",
    errors.Missing.ORDER: "Order with {key} not found",  # the checkout matches it to start a new order
    errors.Missing.SUBSCRIPTION: "Subscription not found",
    errors.Missing.BRANDING: "Branding not found",
    errors.Missing.PAYMENT: "Payment not found",
    errors.Missing.PAYMENT_DETAILS: "Payment details not found",
    errors.Missing.CUSTOMER: "Customer not found",
    errors.Missing.ASSOCIATE: "Associate not found",
    errors.Missing.CAMPAIGN: "Voucher campaign not found",
}
UNAUTHENTICATED = {errors.Credential.BEARER: "Invalid auth token"}
# A coupon refused, in the texts ott-web-app's checkout and subscription pages match (`not found`, `cannot be
# applied on this offer`, `cannot be applied on existing subscription`, `already used`).
COUPON_REFUSALS = {
    VoucherRefusal.NOT_FOUND: "Coupon {code} not found",
    VoucherRefusal.NOT_STARTED: "Coupon {code} is inactive",
    VoucherRefusal.EXPIRED: "Coupon {code} is inactive",
    VoucherRefusal.USED_UP: "Coupon {code} is already used",
    VoucherRefusal.WRONG_PRICE: "Coupon {code} cannot be applied on this offer",
    VoucherRefusal.WRONG_CURRENCY: "Coupon {code} cannot be applied on this offer",
    VoucherRefusal.NOT_RUNNING: "Coupon {code} cannot be applied on existing subscription",
}
# My Account's subscription page words a coupon that isn't running as unknown and a used one without "is".
SUBSCRIPTION_COUPON_REFUSALS = COUPON_REFUSALS | {
    VoucherRefusal.NOT_STARTED: "Coupon {code} not found",
    VoucherRefusal.EXPIRED: "Coupon {code} not found",
    VoucherRefusal.USED_UP: "Coupon {code} already used",
}
# An order paid with a coupon used up meanwhile: the request names no code by then.
COUPON_USED = "Coupon is already used"
# The core's voucher and sale refusals where no route words them as above.
VOUCHER_REFUSALS = {
    VoucherRefusal.NOT_FOUND: "This voucher code is not valid",
    VoucherRefusal.NOT_STARTED: "This voucher can't be used now",
    VoucherRefusal.EXPIRED: "This voucher can't be used now",
    VoucherRefusal.USED_UP: "This voucher has been used up",
    VoucherRefusal.WRONG_PRICE: "This voucher doesn't apply to this access fee",
    VoucherRefusal.WRONG_CURRENCY: "This voucher is in {voucher_currency}, the access fee in {price_currency}",
    VoucherRefusal.NOT_RUNNING: "A voucher applies to a running subscription only",
}
SALE_REFUSALS = {
    SaleRefusal.INACTIVE: "This access fee is not for sale",
    SaleRefusal.SUBSCRIPTION_ONLY: "This access fee is a subscription: subscribe to it instead",
    SaleRefusal.ONE_TIME_ONLY: "This access fee is a one-time purchase: pay for it instead",
    SaleRefusal.NOT_NOW: "This access fee is not on sale now",
}


def coupon_refused(refused: VoucherRefused, code: str | None) -> Refused:
    """A coupon the core refused at checkout, in the words clients match; without the code the request gave, the
    one refusal a checkout meets when paying (the coupon used up since the order was priced)."""
    if code is None:
        return Refused(422, COUPON_USED)
    return Refused(422, COUPON_REFUSALS[refused.reason].format(code=code))


def subscription_coupon_refused(refused: VoucherRefused, code: str) -> Refused:
    """A coupon the core refused on a running subscription."""
    return Refused(422, SUBSCRIPTION_COUPON_REFUSALS[refused.reason].format(code=code))


def offer_inactive(refused: NotOnSale) -> Refused:
    """An order for an offer not sold now."""
    return Refused(422, f"Offer is inactive: {SALE_REFUSALS[refused.reason]}")


def message_of(error: errors.DomainError) -> str:
    """The refusal's message in MediaStore's words: typed reasons worded, several field errors joined."""
    if isinstance(error, VoucherRefused):
        return error.worded(VOUCHER_REFUSALS)
    if isinstance(error, NotOnSale):
        return SALE_REFUSALS[error.reason]
    if isinstance(error, errors.InvalidInput) and len(error.errors) > 1:
        return " ".join(error.errors.values())
    if isinstance(error, errors.NotFound) and error.what is not None:
        return NOT_FOUND[error.what].format(key=error.key)
    if isinstance(error, errors.Unauthenticated) and error.credential in UNAUTHENTICATED:
        return UNAUTHENTICATED[error.credential]
    return error.message


# A store's receipt refused: the message and the status.
STORE_REFUSALS: dict[StoreRefusal, tuple[str, int]] = {
    StoreRefusal.NOT_CONFIGURED: ("The publisher does not sell through this store", 422),
    StoreRefusal.MALFORMED: ("Invalid param receipt", 400),
    StoreRefusal.SIGNATURE: ("The receipt's signature does not verify", 422),
    StoreRefusal.OTHER_APP: ("The receipt is of another app", 422),
    StoreRefusal.ENVIRONMENT: ("The receipt is from another environment of the store", 422),
    StoreRefusal.UNKNOWN_PRODUCT: ("The receipt is not for this order's offer", 422),
    StoreRefusal.NOT_PAID: ("The store has not been paid for this purchase", 402),
    StoreRefusal.UNKNOWN_RECEIPT: ("The store knows no such purchase", 422),
    StoreRefusal.USED: ("This receipt was used by another customer", 409),
    StoreRefusal.UNAVAILABLE: ("The store could not be reached: please try again", 503),
}


def render_domain_error(error: errors.DomainError) -> JSONResponse:
    if isinstance(error, StoreRefused):
        message, status = STORE_REFUSALS[error.reason]
        return refusal(status, message, INVALID_BODY if status == 400 else None)
    if isinstance(error, Refused):
        return refusal(error.status, error.message, error.code)
    if isinstance(error, BadBody):
        return refusal(error.status, error.message, INVALID_BODY)
    if isinstance(error, errors.AlreadyHeld):
        return refusal(409, ALREADY_HELD)
    status, code = next(((s, c) for kind, s, c in STATUS if isinstance(error, kind)), (400, None))
    response = refusal(status, message_of(error), code)
    if isinstance(error, errors.RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def render_validation_error(error: RequestValidationError) -> JSONResponse:
    """Path and query parameters that could not be parsed (an id that isn't a number, say)."""
    problems = error.errors()
    where = str(problems[0].get("loc", ("body",))[0]) if problems else "body"
    codes: dict[str, Code] = {"path": INVALID_PATH, "query": INVALID_QUERY}
    code = codes.get(where, INVALID_BODY)
    names = [".".join(str(p) for p in problem.get("loc", ())[1:]) for problem in problems]
    return refusal(400, f"Invalid param {', '.join(n for n in names if n) or where}", code)
