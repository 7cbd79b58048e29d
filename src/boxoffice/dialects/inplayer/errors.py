"""The one place domain errors become InPlayer's `{code, message, errors}` bodies."""

from __future__ import annotations

from typing import NotRequired

from fastapi.exceptions import RequestValidationError
from starlette.responses import JSONResponse
from typing_extensions import TypedDict

from boxoffice.billing.refusals import NotOnSale, SaleRefusal
from boxoffice.dialects.inplayer.forms import BodyTooLarge, MalformedBody
from boxoffice.gateways.stores import StoreRefusal, StoreRefused
from boxoffice.identity.social_sign_in import SocialRefusal, SocialSignInRefused
from boxoffice.kit import errors
from boxoffice.promotions.refusals import VoucherRefusal, VoucherRefused

STATUS: list[tuple[type[errors.DomainError], int]] = [
    (BodyTooLarge, 413),
    (MalformedBody, 400),
    (errors.InvalidInput, 422),
    (errors.Unauthenticated, 401),
    (errors.InvalidCredentials, 403),
    (errors.Forbidden, 403),
    (errors.NoAccess, 402),
    (errors.PaymentDeclined, 402),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.RateLimited, 429),
    (errors.LimitReached, 400),
    (errors.Restricted, 403),
]
# A store's receipt refused: the message and the status.
STORE_REFUSALS: dict[StoreRefusal, tuple[str, int]] = {
    StoreRefusal.NOT_CONFIGURED: ("The merchant does not sell through this store", 422),
    StoreRefusal.MALFORMED: ("The receipt is not one of this store", 422),
    StoreRefusal.SIGNATURE: ("The receipt's signature does not verify", 422),
    StoreRefusal.OTHER_APP: ("The receipt is of another app", 422),
    StoreRefusal.ENVIRONMENT: ("The receipt is from another environment of the store (sandbox or production)", 422),
    StoreRefusal.UNKNOWN_PRODUCT: ("The store's product buys no access fee here", 422),
    StoreRefusal.NOT_PAID: ("The store has not been paid for this purchase", 402),
    StoreRefusal.UNKNOWN_RECEIPT: ("The store knows no such purchase", 422),
    StoreRefusal.USED: ("This receipt was used by another account", 409),
    StoreRefusal.UNAVAILABLE: ("The store could not be reached: please try again", 503),
}
# A social sign-in refused: its message, the status it answers with before the app is known, and the OAuth 2
# error code (RFC 6749 §4.1.2.1) the app is told in the fragment of its address once it is.
SOCIAL_REFUSALS: dict[SocialRefusal, tuple[str, int, str]] = {
    SocialRefusal.UNKNOWN_PROVIDER: ("This sign-in provider is not available", 404, "invalid_request"),
    SocialRefusal.REDIRECT: (
        "The redirect address is not on one of the merchant's allowed origins",
        422,
        "invalid_request",
    ),
    SocialRefusal.UNKNOWN_STATE: ("This sign-in is unknown or already finished", 400, "invalid_request"),
    SocialRefusal.EXPIRED: ("This sign-in took too long: please start again", 400, "invalid_request"),
    SocialRefusal.OTHER_BROWSER: ("This sign-in was started in another browser", 400, "invalid_request"),
    SocialRefusal.DENIED: ("The sign-in was cancelled", 400, "access_denied"),
    SocialRefusal.PROVIDER_UNAVAILABLE: (
        "The sign-in provider could not be reached: please try again",
        503,
        "temporarily_unavailable",
    ),
    SocialRefusal.ID_TOKEN: ("The sign-in provider's answer could not be verified", 401, "access_denied"),
    SocialRefusal.NO_EMAIL: ("The sign-in provider gave no usable e-mail address", 422, "access_denied"),
    SocialRefusal.EMAIL_UNVERIFIED: (
        "An account has this e-mail address, which the provider has not verified: sign in with the password",
        409,
        "access_denied",
    ),
    SocialRefusal.ALREADY_LINKED: (
        "The account with this e-mail address signs in with another account of this provider",
        409,
        "access_denied",
    ),
    SocialRefusal.ACCOUNT_DEACTIVATED: ("This account is deactivated", 403, "access_denied"),
}


# The core's field names, as InPlayer's forms and clients name them.
FIELDS = {
    "price": "access_fee",
    "price_id": "access_fee_id",
    "price_ids": "access_fee_ids",
    "product_id": "item_id",
    "product_ids": "item_ids",
    "subscription_id": "inplayer_token",
    "payment_id": "transaction_token",
    "card_currency": "currency_iso",
    "store_product_id": "product_name",
}
# A look's fields (branding/looks.py) as InPlayer's branding forms name them.
LOOK_FIELDS = {
    "logo": "paywall_brand_logo",
    "cover_image": "paywall_cover_photo",
    "primary_color": "paywall_primary_color",
    "secondary_color": "paywall_secondary_color",
    "button_color": "paywall_buttons_bg_color",
    "button_text_color": "paywall_buttons_text_color",
    "preview_button_color": "preview_buttons_bg_color",
    "preview_button_text_color": "preview_buttons_text_color",
    "protected_label": "inplayer_protected_label",
    "footer": "paywall_footer",
    "is_default": "default",
}
FIELDS |= LOOK_FIELDS
NOT_FOUND = {
    errors.Missing.PRODUCT: "Item not found",
    errors.Missing.PRICE: "Access fee not found",
    errors.Missing.PACKAGE: "Package not found",
    errors.Missing.OFFER: "Offer not found",
    errors.Missing.ORDER: "Order not found",
    errors.Missing.SUBSCRIPTION: "Subscription not found",
    errors.Missing.BRANDING: "Branding not found",
    errors.Missing.PAYMENT: "Payment not found",
    errors.Missing.PAYMENT_DETAILS: "Payment details not found",
    errors.Missing.CUSTOMER: "Customer not found",
    errors.Missing.ASSOCIATE: "Associate not found",
    errors.Missing.CAMPAIGN: "Voucher campaign not found",
    errors.Missing.IDENTITY_PROVIDER: "Identity provider not found",
}
UNAUTHENTICATED = {errors.Credential.BEARER: "Invalid auth token"}
ALREADY_HELD = {
    errors.Holding.ACCESS: "You already have access to this item",
    errors.Holding.SUBSCRIPTION: "You already have a subscription to this item",
}
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


def worded(error: errors.DomainError) -> tuple[str, dict[str, str] | None]:
    """The refusal's message and field errors in InPlayer's words: typed reasons worded, core fields renamed."""
    if isinstance(error, StoreRefused):
        return STORE_REFUSALS[error.reason][0], {"receipt": STORE_REFUSALS[error.reason][0]}
    if isinstance(error, SocialSignInRefused):
        message = SOCIAL_REFUSALS[error.reason][0]
        return message, {"redirect": message} if error.reason is SocialRefusal.REDIRECT else None
    if isinstance(error, VoucherRefused):
        message = error.worded(VOUCHER_REFUSALS)
        return message, {"voucher_code": message}
    if isinstance(error, NotOnSale):
        return SALE_REFUSALS[error.reason], {FIELDS["price"]: SALE_REFUSALS[error.reason]}
    if isinstance(error, errors.InvalidInput):
        return error.message, {FIELDS.get(name, name): message for name, message in error.errors.items()}
    if isinstance(error, errors.NotFound) and error.what is not None:
        return NOT_FOUND[error.what], None
    if isinstance(error, errors.Unauthenticated) and error.credential in UNAUTHENTICATED:
        return UNAUTHENTICATED[error.credential], None
    if isinstance(error, errors.AlreadyHeld):
        return ALREADY_HELD[error.holding], None
    if isinstance(error, errors.Restricted):
        return error.message, {"restriction": error.reason}
    if isinstance(error, errors.PaymentDeclined):
        return error.message, {"decline_code": error.code}
    return error.message, None


class ErrorBody(TypedDict):
    """InPlayer's refusal: the HTTP status again, a message, and per-field messages when fields were wrong."""

    code: int
    message: str
    errors: NotRequired[dict[str, str]]


def error_response(status: int, message: str, field_errors: dict[str, str] | None = None) -> JSONResponse:
    body: ErrorBody = {"code": status, "message": message}
    if field_errors:
        body["errors"] = field_errors
    return JSONResponse(body, status_code=status)


def render_domain_error(error: errors.DomainError) -> JSONResponse:
    if isinstance(error, SocialSignInRefused):
        status = SOCIAL_REFUSALS[error.reason][1]
    elif isinstance(error, StoreRefused):
        status = STORE_REFUSALS[error.reason][1]
    else:
        status = next((code for kind, code in STATUS if isinstance(error, kind)), 400)
    response = error_response(status, *worded(error))
    if isinstance(error, errors.RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def render_validation_error(error: RequestValidationError) -> JSONResponse:
    """Path and query parameters FastAPI could not parse (an id that isn't a number, say)."""
    field_errors = {}
    for problem in error.errors():
        location = [str(part) for part in problem.get("loc", ()) if part not in ("path", "query", "body")]
        field_errors[".".join(location) or "request"] = str(problem.get("msg", "Invalid value"))
    return error_response(422 if field_errors else 400, "Invalid input", field_errors)
