"""Google Play's Developer API on a local port, as far as Boxoffice asks it: the OAuth token endpoint a service
account's JSON names, `purchases.subscriptionsv2.get`, `purchases.products.get` and both `acknowledge`s, in
Google's wire format. A test says what each purchase token stands for; the server answers 404 for any other, and
401 to a call without the token it issued."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.stores.local_server import serving

ACCESS_TOKEN = "ya29.fake-access-token"
_SUBSCRIPTION = re.compile(r"^/androidpublisher/v3/applications/([^/]+)/purchases/subscriptionsv2/tokens/([^/:?]+)$")
_PRODUCT = re.compile(r"^/androidpublisher/v3/applications/([^/]+)/purchases/products/([^/]+)/tokens/([^/:?]+)$")
_VOIDED = re.compile(r"^/androidpublisher/v3/applications/([^/]+)/purchases/voidedpurchases$")
_ACKNOWLEDGE = re.compile(
    r"^/androidpublisher/v3/applications/([^/]+)/purchases/(subscriptions|products)/([^/]+)/tokens/([^/:?]+):acknowledge$"
)


def _signing_pair(name: str) -> tuple[rsa.RSAPrivateKey, str]:
    """A key and a self-signed certificate of it, as Google publishes its token-signing keys (v1 certs)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = datetime(2020, 1, 1, tzinfo=UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * 30))
        .sign(key, hashes.SHA256())
    )
    return key, certificate.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class FakeGooglePlay:
    url: str = ""
    subscriptions: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    products: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    acknowledged: list[tuple[str, str]] = field(default_factory=list)  # (product id, token)
    voided: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # package -> voidedPurchases
    lock: threading.Lock = field(default_factory=threading.Lock)
    signing: tuple[rsa.RSAPrivateKey, str] = field(default_factory=lambda: _signing_pair("Google test signer"))

    def push_token(self, audience: str, *, email: str = "pubsub@boxoffice-test.iam.gserviceaccount.com") -> str:
        """The token Pub/Sub sends with a push: Google-signed OpenID Connect, for the push endpoint's address.
        Its times are the wall clock's, as Google's library checks them."""
        now = int(time.time())
        claims = {
            "iss": "https://accounts.google.com", "aud": audience, "email": email, "email_verified": True,
            "sub": "1234", "iat": now, "exp": now + 3600,
        }  # fmt: skip
        return jwt.encode(claims, self.signing[0], algorithm="RS256", headers={"kid": "test-kid"})

    def push(self, notification: dict[str, Any]) -> dict[str, Any]:
        """A Pub/Sub push's body carrying `notification`."""
        data = base64.b64encode(json.dumps(notification).encode()).decode()
        return {
            "message": {"data": data, "messageId": str(time.time_ns())},
            "subscription": "projects/p/subscriptions/s",
        }

    def service_account(self) -> str:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return json.dumps(
            {
                "type": "service_account",
                "project_id": "boxoffice-test",
                "private_key_id": "k1",
                "private_key": pem.decode(),
                "client_email": "play@boxoffice-test.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": f"{self.url}/token",
            }
        )

    def subscription(
        self,
        package: str,
        token: str,
        product_id: str,
        *,
        order: str,
        start: str,
        expiry: str,
        state: str = "SUBSCRIPTION_STATE_ACTIVE",
        acknowledged: bool = False,
    ) -> None:
        """What `subscriptionsv2.get` answers for the token (times in RFC 3339, as Google writes them)."""
        with self.lock:
            self.subscriptions[(package, token)] = {
                "kind": "androidpublisher#subscriptionPurchaseV2",
                "startTime": start,
                "subscriptionState": state,
                "latestOrderId": order,
                "acknowledgementState": "ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED"
                if acknowledged
                else "ACKNOWLEDGEMENT_STATE_PENDING",
                "lineItems": [
                    {"productId": product_id, "expiryTime": expiry, "autoRenewingPlan": {"autoRenewEnabled": True}}
                ],
            }

    def void(self, package: str, token: str, order: str) -> None:
        """Google refunds the order: it is listed among the package's voided purchases."""
        with self.lock:
            self.voided.setdefault(package, []).append(
                {"kind": "androidpublisher#voidedPurchase", "purchaseToken": token, "orderId": order,
                 "voidedTimeMillis": str(int(time.time() * 1000)), "voidedSource": 0, "voidedReason": 1}
            )  # fmt: skip

    def product(self, package: str, product_id: str, token: str, *, order: str, bought_ms: int, state: int = 0) -> None:
        with self.lock:
            self.products[(package, product_id, token)] = {
                "kind": "androidpublisher#productPurchase",
                "purchaseTimeMillis": str(bought_ms),
                "purchaseState": state,
                "consumptionState": 0,
                "orderId": order,
                "acknowledgementState": 0,
            }


def _handler(fake: FakeGooglePlay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: Any = None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") == f"Bearer {ACCESS_TOKEN}":
                return True
            self._answer(401, {"error": {"code": 401, "message": "Request is missing required authentication"}})
            return False

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self.path.split("?", 1)[0]
            if path == "/token":
                self._answer(200, {"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"})
                return
            if not self._authorised():
                return
            if match := _ACKNOWLEDGE.match(path):
                with fake.lock:
                    fake.acknowledged.append((match.group(3), match.group(4)))
                self._answer(204)
                return
            self._answer(404, {"error": {"code": 404, "message": "Not found"}})

        def do_GET(self) -> None:
            if self.path == "/oauth2/v1/certs":
                self._answer(200, {"test-kid": fake.signing[1]})
                return
            if not self._authorised():
                return
            path = self.path.split("?", 1)[0]
            with fake.lock:
                if match := _VOIDED.match(path):
                    self._answer(200, {"voidedPurchases": fake.voided.get(match.group(1), [])})
                    return
                if match := _SUBSCRIPTION.match(path):
                    found = fake.subscriptions.get((match.group(1), match.group(2)))
                elif match := _PRODUCT.match(path):
                    found = fake.products.get((match.group(1), match.group(2), match.group(3)))
                else:
                    found = None
            if found is None:
                self._answer(404, {"error": {"code": 404, "message": "The purchase token was not found."}})
            else:
                self._answer(200, found)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_google_play() -> Iterator[FakeGooglePlay]:
    fake = FakeGooglePlay()
    with serving(_handler(fake), "fake-google-play") as url:
        fake.url = url
        yield fake
