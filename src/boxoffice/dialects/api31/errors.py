"""The one place domain errors become API 3.1 refusals: `{"message": …}` with the status codes Cleeng uses
(400 malformed, 401 no or a wrong publisher token, 403, 404, 409, 412 a stale `If-Match`, 422 refused)."""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError
from starlette.responses import JSONResponse
from typing_extensions import TypedDict

from boxoffice.billing.refusals import NotOnSale, SaleRefusal, SubscriptionRefusal, SubscriptionRefused
from boxoffice.catalog.seasons import SeasonRefusal, SeasonRefused
from boxoffice.dialects.cleeng.body import BadBody
from boxoffice.kit import errors
from boxoffice.promotions.refusals import VoucherRefusal, VoucherRefused


class ErrorMessage(TypedDict):
    """Every refusal: what is wrong, in words."""

    message: str


class Refused(errors.DomainError):
    """A refusal in API 3.1's own terms, where no domain error says it the way its clients expect."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


STATUS: list[tuple[type[errors.DomainError], int]] = [
    (errors.InvalidInput, 422),
    (errors.Unauthenticated, 401),
    (errors.InvalidCredentials, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.AlreadyHeld, 409),
    (errors.Conflict, 409),
    (errors.NoAccess, 403),
    (errors.PaymentDeclined, 422),
    (errors.RateLimited, 429),
    (errors.LimitReached, 422),
    (errors.Restricted, 403),
]
NOT_FOUND = {
    errors.Missing.PRODUCT: "Item not found",
    errors.Missing.PRICE: "Offer not found",
    errors.Missing.PACKAGE: "Package not found",
    errors.Missing.OFFER: "Offer not found",
    errors.Missing.ORDER: "Order not found",
    errors.Missing.SUBSCRIPTION: "Subscription not found",
    errors.Missing.BRANDING: "Branding not found",
    errors.Missing.PAYMENT: "Payment not found",
    errors.Missing.PAYMENT_DETAILS: "Payment details not found",
    errors.Missing.CUSTOMER: "Customer not found",
    errors.Missing.ASSOCIATE: "Associate not found",
    errors.Missing.CAMPAIGN: "Campaign not found",
    errors.Missing.SEASON_GROUP: "Season group not found",
    errors.Missing.SEASON: "Season not found",
}
UNAUTHENTICATED = {errors.Credential.PUBLISHER_TOKEN: "Invalid or missing X-Publisher-Token"}
VOUCHER_REFUSALS = {
    VoucherRefusal.NOT_FOUND: "Coupon not found",
    VoucherRefusal.NOT_STARTED: "Coupon is inactive",
    VoucherRefusal.EXPIRED: "Coupon is inactive",
    VoucherRefusal.USED_UP: "Coupon is already used",
    VoucherRefusal.WRONG_PRICE: "Coupon cannot be applied on this offer",
    VoucherRefusal.WRONG_CURRENCY: "Coupon cannot be applied on this offer",
    VoucherRefusal.NOT_RUNNING: "Coupon cannot be applied on this subscription",
}
SALE_REFUSALS = {
    SaleRefusal.INACTIVE: "Offer is inactive",
    SaleRefusal.SUBSCRIPTION_ONLY: "Offer is a subscription",
    SaleRefusal.ONE_TIME_ONLY: "Offer is not a subscription",
    SaleRefusal.NOT_NOW: "Offer is not on sale now",
}

SEASON_REFUSALS = {
    SeasonRefusal.NO_NAME: "name is required",
    SeasonRefusal.ENDS_BEFORE_START: "A season's endDate must be after its startDate",
    SeasonRefusal.OVERLAPS: "Seasons of a season group cannot overlap",
    SeasonRefusal.IN_THE_PAST: "A season cannot start or end in the past",
    SeasonRefusal.OVER: "A season that has ended cannot be changed or deleted",
    SeasonRefusal.STARTED: "A season that has started cannot be deleted or have its startDate changed",
    SeasonRefusal.TOO_MANY: "A season group cannot hold more seasons",
    SeasonRefusal.NOT_A_SUBSCRIPTION: "Only a subscription offer can be seasonal",
}

# A subscription's state that doesn't allow what was asked: 409 when it conflicts with what the subscription is
# now, 422 when it is not a subscription that can be asked that.
SUBSCRIPTION_REFUSALS = {
    SubscriptionRefusal.ENDED: (409, "Subscription has ended"),
    SubscriptionRefusal.RUNNING: (409, "Subscription has not ended"),
    SubscriptionRefusal.NOT_PAUSED: (409, "Subscription is not paused"),
    SubscriptionRefusal.PAUSED: (409, "Subscription is already paused"),
    SubscriptionRefusal.PAUSE_DUE: (409, "Subscription is paused or has a pause scheduled: resume it first"),
    SubscriptionRefusal.NOT_PAUSABLE: (422, "Only an active subscription, out of its trial, can be paused"),
    SubscriptionRefusal.NOT_MERCHANT_BILLED: (422, "Subscription is not externally managed"),
    SubscriptionRefusal.MERCHANT_BILLED: (422, "Subscription is externally managed"),
    SubscriptionRefusal.CONNECTOR_BILLED: (422, "Subscription is charged through an external payment connector"),
    SubscriptionRefusal.STORE_BILLED: (422, "Subscription is billed by an app store"),
    SubscriptionRefusal.CHARGED: (422, "Subscription is charged to its customer's own payment method"),
    SubscriptionRefusal.SAME_CUSTOMER: (422, "Subscription is already that customer's"),
    SubscriptionRefusal.EXTERNAL_ID_TAKEN: (409, "A running subscription already has this externalId"),
}


def message_of(error: errors.DomainError) -> str:
    if isinstance(error, VoucherRefused):
        return error.worded(VOUCHER_REFUSALS)
    if isinstance(error, NotOnSale):
        return SALE_REFUSALS[error.reason]
    if isinstance(error, SeasonRefused):
        return SEASON_REFUSALS[error.reason]
    if isinstance(error, errors.InvalidInput) and error.errors:
        return " ".join(error.errors.values())
    if isinstance(error, errors.NotFound) and error.what is not None:
        return NOT_FOUND[error.what]
    if isinstance(error, errors.Unauthenticated) and error.credential in UNAUTHENTICATED:
        return UNAUTHENTICATED[error.credential]
    return error.message


def refusal(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)


def render_domain_error(error: errors.DomainError) -> JSONResponse:
    if isinstance(error, Refused | BadBody):
        return refusal(error.status, error.message)
    if isinstance(error, SubscriptionRefused):
        return refusal(*SUBSCRIPTION_REFUSALS[error.reason])
    status = next((s for kind, s in STATUS if isinstance(error, kind)), 400)
    response = refusal(status, message_of(error))
    if isinstance(error, errors.RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def render_validation_error(error: RequestValidationError) -> JSONResponse:
    """Path and query parameters that could not be parsed (an id that isn't a number, a limit out of range)."""
    problems = error.errors()
    names = [".".join(str(p) for p in problem.get("loc", ())[1:]) for problem in problems]
    return refusal(400, f"Invalid parameter {', '.join(n for n in names if n) or 'in the request'}")
