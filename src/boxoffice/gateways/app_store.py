"""Apple's signed transactions (StoreKit 2's JWS, App Store Server Notifications' `signedTransactionInfo`),
verified with Apple's own library (`app-store-server-library`, the `stores` extra): the chain in the JWS's `x5c`
must lead to one of the trusted roots (Apple's, `BOXOFFICE_APPLE_ROOT_CERTIFICATES`; tests trust a root of their
own), its leaf and intermediate must carry Apple's markers, and the transaction must be of the merchant's app in
the environment it is set to. Apple's LOCAL_TESTING and XCODE environments, which the library does not verify,
are never accepted: an app is set to production or the sandbox. Revocation (OCSP) is not asked online: Apple's
responder would be on the path of every purchase."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from boxoffice.gateways.stores import Environment, Store, StoreApp, StoreRefusal, StoreRefused, VerifiedPurchase

try:
    from appstoreserverlibrary.models.Environment import Environment as AppleEnvironment
    from appstoreserverlibrary.models.Type import Type
    from appstoreserverlibrary.signed_data_verifier import (
        SignedDataVerifier,
        VerificationException,
        VerificationStatus,
    )
    from cattrs.errors import BaseValidationError
except ImportError:  # pragma: no cover - without the `stores` extra Apple is refused as not set up
    SignedDataVerifier = None  # type: ignore[assignment,misc]

MAX_JWS = 20_000
_ENVIRONMENTS = {Environment.PRODUCTION: "Production", Environment.SANDBOX: "Sandbox"}


@cache
def root_certificates(paths: tuple[str, ...]) -> list[bytes]:
    """The trusted roots, DER or PEM files, read once."""
    found = []
    for path in paths:
        data = Path(path).read_bytes()
        if data.lstrip().startswith(b"-----BEGIN"):
            data = x509.load_pem_x509_certificate(data).public_bytes(Encoding.DER)
        found.append(data)
    return found


@dataclass(frozen=True, slots=True)
class AppleNotice:
    """An App Store Server Notification (V2): what happened (`DID_RENEW`, `REFUND` …) and the transaction it tells
    of, still signed (verified again where it is acted on)."""

    kind: str
    notification_id: str
    signed_transaction: str | None


def verify_notification(signed: str, app: StoreApp, roots: list[bytes]) -> AppleNotice:
    """The notification a `signedPayload` is, signed under a trusted root, of the merchant's app and environment;
    StoreRefused when it is not."""
    if SignedDataVerifier is None or not roots:
        raise StoreRefused(StoreRefusal.NOT_CONFIGURED)
    if not signed or len(signed) > MAX_JWS or signed.count(".") != 2:
        raise StoreRefused(StoreRefusal.MALFORMED)
    try:
        decoded = _verifier(app, roots).verify_and_decode_notification(signed)
    except VerificationException as refused:
        raise StoreRefused(_REFUSALS.get(refused.status, StoreRefusal.SIGNATURE)) from None
    except (ValueError, TypeError, KeyError, BaseValidationError):
        raise StoreRefused(StoreRefusal.MALFORMED) from None
    return AppleNotice(
        decoded.rawNotificationType or "",
        decoded.notificationUUID or "",
        decoded.data.signedTransactionInfo if decoded.data else None,
    )


def _verifier(app: StoreApp, roots: list[bytes]) -> SignedDataVerifier:
    return SignedDataVerifier(
        roots, False, AppleEnvironment(_ENVIRONMENTS[app.environment]), app.app_id, app.apple_app_id
    )


def verify_transaction(signed: str, app: StoreApp, roots: list[bytes], *, revoked: bool = False) -> VerifiedPurchase:
    """The purchase a signed transaction vouches for; StoreRefused when it vouches for nothing here (NOT_PAID for
    one Apple revoked, unless `revoked`: a refund's notification names the transaction it gave back)."""
    if SignedDataVerifier is None or not roots:
        raise StoreRefused(StoreRefusal.NOT_CONFIGURED)
    if not signed or len(signed) > MAX_JWS or signed.count(".") != 2:
        raise StoreRefused(StoreRefusal.MALFORMED)
    try:
        decoded = _verifier(app, roots).verify_and_decode_signed_transaction(signed)
    except VerificationException as refused:
        raise StoreRefused(_REFUSALS.get(refused.status, StoreRefusal.SIGNATURE)) from None
    except (ValueError, TypeError, KeyError, BaseValidationError):  # a payload not readable as a transaction
        raise StoreRefused(StoreRefusal.MALFORMED) from None
    if not decoded.transactionId or not decoded.productId or decoded.purchaseDate is None:
        raise StoreRefused(StoreRefusal.MALFORMED)
    if decoded.revocationDate is not None and not revoked:
        raise StoreRefused(StoreRefusal.NOT_PAID)
    subscription = decoded.type == Type.AUTO_RENEWABLE_SUBSCRIPTION
    if subscription and decoded.expiresDate is None:
        raise StoreRefused(StoreRefusal.MALFORMED)
    return VerifiedPurchase(
        store=Store.APPLE,
        transaction_id=decoded.transactionId,
        original_id=decoded.originalTransactionId or decoded.transactionId,
        product_id=decoded.productId,
        purchased_at=_moment(decoded.purchaseDate),
        expires_at=_moment(decoded.expiresDate) if subscription and decoded.expiresDate else None,
        unpaid=decoded.rawOfferDiscountType == "FREE_TRIAL" or decoded.rawInAppOwnershipType == "FAMILY_SHARED",
    )


def _moment(milliseconds: int) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, UTC).replace(tzinfo=None)


_REFUSALS = (
    {
        VerificationStatus.INVALID_APP_IDENTIFIER: StoreRefusal.OTHER_APP,
        VerificationStatus.INVALID_ENVIRONMENT: StoreRefusal.ENVIRONMENT,
    }
    if SignedDataVerifier is not None
    else {}
)
