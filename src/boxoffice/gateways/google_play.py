"""Google Play's purchases, asked of Google with its own API client (`google-api-python-client`, androidpublisher
v3, the `stores` extra) under the merchant's service account: a subscription by `purchases.subscriptionsv2.get`,
a one-time product by `purchases.products.get`, each acknowledged once verified (Google refunds a purchase not
acknowledged within three days). The token names the package it was bought in, so another app's is unknown here.

The client is synchronous (httplib2): it runs in a worker thread. Its address is the operator's
(`BOXOFFICE_GOOGLE_PLAY_API_BASE`, for tests); the service account's token address must be Google's unless the
operator allows private addresses, since the merchant's JSON names it and the server would post to it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import anyio

from boxoffice.gateways.stores import Store, StoreApp, StoreRefusal, StoreRefused, VerifiedPurchase
from boxoffice.kit import clock

try:
    import httplib2
    from google.auth.exceptions import GoogleAuthError
    from google.auth.transport import requests as google_requests
    from google.oauth2 import id_token as google_id_token
    from google.oauth2 import service_account
    from googleapiclient.discovery import build
    from googleapiclient.errors import HttpError
except ImportError:  # pragma: no cover - without the `stores` extra Google Play is refused as not set up
    build = None

SCOPE = "https://www.googleapis.com/auth/androidpublisher"
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105  (an address, no secret)
MAX_TOKEN = 1000
TIMEOUT = 15
# A subscription Google still serves: running, or in its grace period while Google retries the charge.
SERVED = frozenset({"SUBSCRIPTION_STATE_ACTIVE", "SUBSCRIPTION_STATE_IN_GRACE_PERIOD"})
# Auto-renewal turned off: paid until its expiry all the same.
ENDING = "SUBSCRIPTION_STATE_CANCELED"
PURCHASED = 0  # a one-time product's purchaseState
VOIDED_WINDOW_MS = 30 * 86_400_000  # Google lists voided purchases of the last 30 days at most


def service_account_problem(secret: str, *, allow_private: bool) -> str | None:
    """Why the JSON is not a usable service account key (None when it is)."""
    try:
        info = json.loads(secret)
    except (ValueError, RecursionError):
        return "The service account key must be the JSON file Google gave"
    if not isinstance(info, dict) or info.get("type") != "service_account":
        return "The service account key must be the JSON file Google gave"
    if not all(isinstance(info.get(name), str) for name in ("client_email", "private_key", "token_uri")):
        return "The service account key lacks its client_email, private_key or token_uri"
    if info["token_uri"] != GOOGLE_TOKEN_URI and not allow_private:
        return f"The service account's token_uri must be {GOOGLE_TOKEN_URI}"
    if build is not None:
        try:
            service_account.Credentials.from_service_account_info(info)  # type: ignore[no-untyped-call]
        except (ValueError, TypeError, GoogleAuthError):
            return "The service account's private_key is not a key"
    return None


class GooglePlay:
    def __init__(self, *, api_base: str | None, allow_private: bool) -> None:
        self._api_base, self._allow_private = api_base, allow_private

    async def verify(self, app: StoreApp, product_id: str, token: str, *, subscription: bool) -> VerifiedPurchase:
        """The purchase Google vouches for; StoreRefused when it vouches for nothing here."""
        if build is None or not app.secret:
            raise StoreRefused(StoreRefusal.NOT_CONFIGURED)
        if not token or len(token) > MAX_TOKEN or not token.isprintable():
            raise StoreRefused(StoreRefusal.MALFORMED)
        ask = self._subscription if subscription else self._product
        return await anyio.to_thread.run_sync(ask, app, product_id, token)

    async def subscription(self, app: StoreApp, token: str) -> tuple[bool, VerifiedPurchase | None]:
        """A subscription as it stands now (after a notification named its token), whichever product it is:
        whether Google still serves it, and its latest charge (None when Google has none to tell)."""
        if build is None or not app.secret:
            raise StoreRefused(StoreRefusal.NOT_CONFIGURED)
        if not token or len(token) > MAX_TOKEN or not token.isprintable():
            raise StoreRefused(StoreRefusal.MALFORMED)
        try:
            return True, await anyio.to_thread.run_sync(self._subscription, app, None, token)
        except StoreRefused as refused:
            if refused.reason is not StoreRefusal.NOT_PAID:
                raise
            return False, None

    async def voided(self, app: StoreApp, order_id: str) -> bool:
        """Whether Google lists the order among the app's voided purchases of the last 30 days (refunded,
        charged back or revoked): what a voided-purchase notification says is believed only then."""
        if build is None or not app.secret:
            raise StoreRefused(StoreRefusal.NOT_CONFIGURED)
        return await anyio.to_thread.run_sync(self._voided, app, order_id)

    def _voided(self, app: StoreApp, order_id: str) -> bool:
        since = clock.unix(clock.now()) * 1000 - VOIDED_WINDOW_MS
        listed = _asked(
            self._service(app)
            .purchases()
            .voidedpurchases()
            .list(packageName=app.app_id, startTime=since, type=1, maxResults=1000)
        )
        found = listed.get("voidedPurchases") or []
        return any(isinstance(item, dict) and item.get("orderId") == order_id for item in found)

    def _service(self, app: StoreApp) -> Any:
        assert app.secret is not None
        if service_account_problem(app.secret, allow_private=self._allow_private) is not None:
            raise StoreRefused(StoreRefusal.NOT_CONFIGURED)
        try:
            credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                json.loads(app.secret), scopes=[SCOPE]
            )
        except (ValueError, TypeError, GoogleAuthError):
            raise StoreRefused(StoreRefusal.NOT_CONFIGURED) from None
        options = {"api_endpoint": self._api_base} if self._api_base else None
        return build(
            "androidpublisher",
            "v3",
            credentials=credentials,
            client_options=options,
            cache_discovery=False,
            static_discovery=True,
        )

    def _subscription(self, app: StoreApp, product_id: str | None, token: str) -> VerifiedPurchase:
        purchases = self._service(app).purchases()
        found = _asked(purchases.subscriptionsv2().get(packageName=app.app_id, token=token))
        lines = [line for line in found.get("lineItems") or [] if isinstance(line, dict)]
        line = next((item for item in lines if product_id is None or item.get("productId") == product_id), None)
        if line is None:
            raise StoreRefused(StoreRefusal.UNKNOWN_PRODUCT)
        order, state = found.get("latestOrderId"), found.get("subscriptionState")
        expires = _moment(line.get("expiryTime"))
        ending = state == ENDING and expires > clock.now()
        if (state not in SERVED and not ending) or not isinstance(order, str) or not order:
            raise StoreRefused(StoreRefusal.NOT_PAID)
        if found.get("acknowledgementState") == "ACKNOWLEDGEMENT_STATE_PENDING":
            _asked(
                purchases.subscriptions().acknowledge(
                    packageName=app.app_id, subscriptionId=line["productId"], token=token, body={}
                )
            )
        return VerifiedPurchase(
            store=Store.GOOGLE_PLAY,
            transaction_id=order,
            # A renewal's order id is the first order's with `..N` after it.
            original_id=order.split("..", 1)[0],
            product_id=str(line["productId"]),
            purchased_at=_moment(found.get("startTime")),
            expires_at=expires,
            token=token,
        )

    def _product(self, app: StoreApp, product_id: str, token: str) -> VerifiedPurchase:
        purchases = self._service(app).purchases()
        found = _asked(purchases.products().get(packageName=app.app_id, productId=product_id, token=token))
        order = found.get("orderId")
        if found.get("purchaseState") != PURCHASED or not isinstance(order, str) or not order:
            raise StoreRefused(StoreRefusal.NOT_PAID)
        if found.get("acknowledgementState") == 0:
            _asked(purchases.products().acknowledge(packageName=app.app_id, productId=product_id, token=token, body={}))
        bought = int(found.get("purchaseTimeMillis") or 0)
        return VerifiedPurchase(
            store=Store.GOOGLE_PLAY,
            transaction_id=order,
            original_id=order,
            product_id=product_id,
            purchased_at=datetime.fromtimestamp(bought / 1000, UTC).replace(tzinfo=None),
            expires_at=None,
            token=token,
        )


def push_sender(token: str, *, audience: str, certs_url: str | None) -> str:
    """The account a Pub/Sub push's token (a Google-signed OpenID Connect token, for `audience`: the push
    endpoint's address) was issued to; ValueError when it is not one. Blocking: Google's keys are fetched."""
    if build is None:
        raise ValueError("the stores extra is not installed")
    try:
        claims = google_id_token.verify_token(
            token, google_requests.Request(), audience=audience, certs_url=certs_url or GOOGLE_CERTS_URL
        )
    except (GoogleAuthError, ValueError) as exc:
        raise ValueError(str(exc)) from None
    if claims.get("email_verified") is not True or not isinstance(claims.get("email"), str):
        raise ValueError("the token names no verified account")
    return str(claims["email"])


def _asked(request: Any) -> dict[str, Any]:
    request.http.timeout = TIMEOUT
    try:
        found = request.execute(num_retries=1)
    except HttpError as refused:
        status = int(refused.resp.status)
        if status in (400, 404, 410):
            raise StoreRefused(StoreRefusal.UNKNOWN_RECEIPT) from None
        if status in (401, 403):
            raise StoreRefused(StoreRefusal.NOT_CONFIGURED) from None
        raise StoreRefused(StoreRefusal.UNAVAILABLE) from None
    except GoogleAuthError:
        raise StoreRefused(StoreRefusal.NOT_CONFIGURED) from None
    except (OSError, httplib2.HttpLib2Error, ValueError):
        raise StoreRefused(StoreRefusal.UNAVAILABLE) from None
    return found if isinstance(found, dict) else {}


def _moment(text: object) -> datetime:
    """An RFC 3339 time as Google writes it (`2026-01-01T00:00:00.123Z`)."""
    if not isinstance(text, str):
        raise StoreRefused(StoreRefusal.MALFORMED)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)
    except ValueError:
        raise StoreRefused(StoreRefusal.MALFORMED) from None
