"""A fake Stripe API on 127.0.0.1 for tests, speaking Stripe's wire format: form-encoded requests in bracket
notation (`metadata[merchant_id]=7`), JSON objects with their `object` field, Stripe's error bodies and status
codes, and its `Idempotency-Key` (the first answer to a key is the answer to every retry of the same request, and a
different request under that key is a 400 `idempotency_error`). Stripe's test cards behave as on Stripe:

  4242 4242 4242 4242   succeeds (so does any other valid number)
  4000 0000 0000 0002   is declined: card_declined, decline_code generic_decline
  4000 0000 0000 9995   is declined: card_declined, decline_code insufficient_funds
  4000 0000 0000 0069   is declined: expired_card
  4000 0025 0000 3155   needs 3-D Secure: `requires_action` with a redirect when the charge has a `return_url`,
                        declined `authentication_required` off-session; `complete_challenge` answers it

A PaymentMethod with a past expiry or a number that isn't one is refused when it is made (402 card_error).

SetupIntents (a card verified for later, nothing charged) take the same cards: a declining one fails the setup as
it fails a payment (402, the failed SetupIntent in the error, its `payment_method` cleared and the card kept in
`last_setup_error`), and 4000 0025 0000 3155 asks for 3-D Secure, with a redirect given a `return_url` and for
Stripe.js (`use_stripe_sdk`) without one. Once set up for `off_session` use, that card is charged off-session without
a challenge, as Stripe's is.

A PaymentIntent or SetupIntent not yet succeeded can be canceled (`POST …/cancel`); one that has succeeded (or
was canceled) answers 400 `payment_intent_unexpected_state` / `setup_intent_unexpected_state`, and its 3-D Secure
page can no longer pass it (`complete_challenge` leaves it canceled).

Tests can count what it was asked (`count`) and make the next requests fail (`fail_next`): with a 500, or by doing
the work and then never answering, which is what a timeout looks like to a client that cannot know the outcome.
`hang_next(path)` does the latter to the next requests to one path, and tells of each (`hung`, a semaphore) once
its work is done, so that a test knows its client is waiting there.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

Json = dict[str, Any]
Fault = Literal["500", "timeout"]

DECLINES = {
    "4000000000000002": ("card_declined", "generic_decline", "Your card was declined."),
    "4000000000009995": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    "4000000000000069": ("expired_card", "expired_card", "Your card has expired."),
}
CHALLENGE = "4000002500003155"
AUTHENTICATION_FAILED = (
    "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new "
    "PaymentMethod to attempt to fulfill this PaymentIntent again."
)
CANCELABLE = ("requires_payment_method", "requires_capture", "requires_confirmation", "requires_action", "processing")
CANCELABLE_SETUP = ("requires_payment_method", "requires_confirmation", "requires_action")
SETUP_AUTHENTICATION_FAILED = (
    "The latest attempt to set up the payment method has failed because authentication failed."
)


def sign_webhook(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header as Stripe makes it: HMAC-SHA256, keyed with the endpoint's secret, of
    `<timestamp>.<payload>`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def event(event_type: str, subject: Json) -> bytes:
    """A webhook body as Stripe sends it (a snapshot event)."""
    return json.dumps(
        {
            "id": _id("evt"),
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": int(time.time()),
            "data": {"object": subject},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
    ).encode()


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _brand(digits: str) -> str:
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in ("34", "37"):
        return "amex"
    return "mastercard" if digits[:1] in ("2", "5") else "unknown"


def _nested(params: dict[str, str], name: str) -> dict[str, str]:
    """`metadata[a]=1&metadata[b]=2` → {"a": "1", "b": "2"}: one level of Stripe's bracket notation."""
    prefix = f"{name}["
    return {key[len(prefix) : -1]: value for key, value in params.items() if key.startswith(prefix)}


class StripeFailure(Exception):
    """An answer in Stripe's error format."""

    def __init__(self, status: int, kind: str, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": kind, "message": message, **fields}}


def _error(failure: StripeFailure) -> tuple[int, bytes]:
    return failure.status, json.dumps(failure.body).encode()


def _missing(kind: str, object_id: str, param: str) -> StripeFailure:
    return StripeFailure(
        404, "invalid_request_error", f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def _cancel(intent: Json, kind: str, name: str, cancelable: tuple[str, ...], params: dict[str, str]) -> None:
    """Cancel a PaymentIntent or SetupIntent as Stripe does: only from the statuses it allows, else a 400
    `<name>_unexpected_state` with the intent in the error."""
    if intent["status"] not in cancelable:
        raise StripeFailure(
            400,
            "invalid_request_error",
            f"You cannot cancel this {kind} because it has a status of {intent['status']}. Only a {kind} with one "
            f"of the following statuses may be canceled: {', '.join(cancelable)}.",
            code=f"{name}_unexpected_state",
            **{name: json.loads(json.dumps(intent))},
        )
    intent.update(
        status="canceled",
        next_action=None,
        cancellation_reason=params.get("cancellation_reason"),
        canceled_at=int(time.time()),
    )


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    idempotency_key: str | None


class FakeStripe:
    def __init__(self) -> None:
        self.customers: dict[str, Json] = {}
        self.methods: dict[str, Json] = {}
        self.intents: dict[str, Json] = {}
        self.setup_intents: dict[str, Json] = {}
        self.refunds: dict[str, Json] = {}
        self.requests: list[Request] = []
        self._numbers: dict[str, str] = {}  # payment method → card number, which only Stripe ever keeps
        # Cards set up for off-session use, which their bank lets be charged off-session without a challenge.
        self._set_up: set[str] = set()
        self._refunded: dict[str, int] = {}
        self._answers: dict[str, tuple[tuple[str, str, str], int, bytes]] = {}
        self._faults: deque[Fault] = deque()
        self._hangs: dict[str, int] = {}
        self.hung = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        # Polled often, so that stopping the fake after each test takes no noticeable time.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Json]]] = [
            ("POST", re.compile(r"/v1/customers"), self._create_customer),
            ("POST", re.compile(r"/v1/customers/(?P<id>[^/]+)"), self._update_customer),
            ("POST", re.compile(r"/v1/payment_methods"), self._create_method),
            ("GET", re.compile(r"/v1/payment_methods/(?P<id>[^/]+)"), self._retrieve_method),
            ("POST", re.compile(r"/v1/payment_methods/(?P<id>[^/]+)/attach"), self._attach_method),
            ("POST", re.compile(r"/v1/payment_intents"), self._create_intent),
            ("GET", re.compile(r"/v1/payment_intents/(?P<id>[^/]+)"), self._retrieve_intent),
            ("POST", re.compile(r"/v1/payment_intents/(?P<id>[^/]+)/cancel"), self._cancel_intent),
            ("POST", re.compile(r"/v1/setup_intents"), self._create_setup_intent),
            ("GET", re.compile(r"/v1/setup_intents/(?P<id>[^/]+)"), self._retrieve_setup_intent),
            ("POST", re.compile(r"/v1/setup_intents/(?P<id>[^/]+)/cancel"), self._cancel_setup_intent),
            ("POST", re.compile(r"/v1/refunds"), self._create_refund),
        ]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeStripe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # What tests ask of it.

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if (r.method, r.path) == (method, path))

    def fail_next(self, times: int = 1, how: Fault = "500") -> None:
        self._faults.extend([how] * times)

    def hang_next(self, path: str, times: int = 1) -> None:
        with self._lock:
            self._hangs[path] = self._hangs.get(path, 0) + times

    def complete_challenge(self, intent_id: str, *, passed: bool) -> None:
        """The viewer passes or fails the 3-D Secure page that `next_action.redirect_to_url` sent them to, for a
        PaymentIntent or a SetupIntent."""
        with self._lock:
            if intent_id in self.setup_intents:
                self._complete_setup(self.setup_intents[intent_id], passed=passed)
                return
            intent = self.intents[intent_id]
            if intent["status"] == "canceled":
                return
            assert intent["status"] == "requires_action", intent["status"]
            intent["next_action"] = None
            if passed:
                self._succeed(intent)
            else:
                intent["status"] = "requires_payment_method"
                intent["last_payment_error"] = {
                    "type": "card_error",
                    "code": "payment_intent_authentication_failure",
                    "message": AUTHENTICATION_FAILED,
                    "payment_method": self.methods[intent["payment_method"]],
                }

    # The server's side.

    def answer(self, method: str, target: str, params: dict[str, str], headers: Any) -> tuple[int, bytes, bool]:
        """Status, body, and whether the client must be left without an answer."""
        path = urlsplit(target).path
        key = headers.get("Idempotency-Key") if method == "POST" else None
        with self._lock:
            self.requests.append(Request(method, path, key))
            fault = self._faults.popleft() if self._faults else None
            if fault == "500":
                return *_error(StripeFailure(500, "api_error", "An unknown error occurred")), False
            if not (headers.get("Authorization") or "").startswith("Bearer sk_test_"):
                return *_error(StripeFailure(401, "invalid_request_error", "Invalid API Key provided")), False
            fingerprint = (method, path, json.dumps(sorted(params.items())))
            if key is not None and key in self._answers:
                first, status, body = self._answers[key]
                if first != fingerprint:
                    failure = StripeFailure(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                    )
                    return *_error(failure), False
                return status, body, fault == "timeout"
            status, answer = self._route(method, path, params)
            # Serialised under the lock, so that it is this moment's state, and what a retry is answered with.
            body = json.dumps(answer).encode()
            if key is not None:
                self._answers[key] = (fingerprint, status, body)
            if self._hangs.get(path):
                self._hangs[path] -= 1
                self.hung.release()
                return status, body, True
            return status, body, fault == "timeout"

    def _route(self, method: str, path: str, params: dict[str, str]) -> tuple[int, Json]:
        for verb, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if verb == method and match:
                try:
                    return 200, handler(params, **match.groupdict())
                except StripeFailure as failure:
                    return failure.status, failure.body
        return 404, StripeFailure(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path})").body

    def _create_customer(self, params: dict[str, str]) -> Json:
        customer: Json = {
            "id": _id("cus"),
            "object": "customer",
            "email": params.get("email"),
            "name": params.get("name"),
            "metadata": _nested(params, "metadata"),
            "invoice_settings": {"default_payment_method": None},
            "created": int(time.time()),
            "livemode": False,
        }
        self.customers[customer["id"]] = customer
        return customer

    def _update_customer(self, params: dict[str, str], id: str) -> Json:
        customer = self.customers.get(id)
        if customer is None:
            raise _missing("customer", id, "id")
        default = params.get("invoice_settings[default_payment_method]")
        if default is not None:
            method = self.methods.get(default)
            if method is None or method["customer"] != id:
                raise StripeFailure(
                    400,
                    "invalid_request_error",
                    f"No such PaymentMethod: '{default}'",
                    param="invoice_settings[default_payment_method]",
                )
            customer["invoice_settings"]["default_payment_method"] = default
        customer["metadata"].update(_nested(params, "metadata"))
        return customer

    def _create_method(self, params: dict[str, str]) -> Json:
        if params.get("type") != "card":
            raise StripeFailure(400, "invalid_request_error", "Only cards here", param="type")
        card = _nested(params, "card")
        number, month, year = card.get("number", ""), int(card.get("exp_month", 0)), int(card.get("exp_year", 0))
        if not (number.isdigit() and 12 <= len(number) <= 19 and _luhn(number)):
            raise StripeFailure(
                402, "card_error", "Your card number is incorrect.", code="incorrect_number", param="card[number]"
            )
        today = date.today()
        if (year, month) < (today.year, today.month):
            raise StripeFailure(
                402, "card_error", "Your card has expired.", code="expired_card", param="card[exp_month]"
            )
        method: Json = {
            "id": _id("pm"),
            "object": "payment_method",
            "type": "card",
            "card": {
                "brand": _brand(number),
                "last4": number[-4:],
                "exp_month": month,
                "exp_year": year,
                "funding": "credit",
                "country": "US",
            },
            "billing_details": {"name": params.get("billing_details[name]")},
            "customer": None,
            "metadata": _nested(params, "metadata"),
            "created": int(time.time()),
            "livemode": False,
        }
        self.methods[method["id"]] = method
        self._numbers[method["id"]] = number
        return method

    def _retrieve_method(self, params: dict[str, str], id: str) -> Json:
        method = self.methods.get(id)
        if method is None:
            raise _missing("PaymentMethod", id, "payment_method")
        return method

    def _attach_method(self, params: dict[str, str], id: str) -> Json:
        method = self.methods.get(id)
        if method is None:
            raise _missing("PaymentMethod", id, "payment_method")
        customer = params.get("customer", "")
        if customer not in self.customers:
            raise _missing("customer", customer, "customer")
        method["customer"] = customer
        return method

    def _create_intent(self, params: dict[str, str]) -> Json:
        amount, currency = int(params.get("amount", "0")), params.get("currency", "")
        if amount < 1:
            raise StripeFailure(400, "invalid_request_error", "Invalid positive integer", param="amount")
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise StripeFailure(400, "invalid_request_error", f"Invalid currency: {currency}", param="currency")
        method = self._customers_method(params)
        customer, method_id = method["customer"], method["id"]
        intent: Json = {
            "id": _id("pi"),
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "currency": currency,
            "customer": customer,
            "payment_method": method_id,
            "status": "requires_confirmation",
            "metadata": _nested(params, "metadata"),
            "next_action": None,
            "last_payment_error": None,
            "latest_charge": None,
            "capture_method": "automatic",
            "confirmation_method": "automatic",
            "created": int(time.time()),
            "livemode": False,
        }
        intent["client_secret"] = f"{intent['id']}_secret_{secrets.token_hex(8)}"
        self.intents[intent["id"]] = intent
        if params.get("confirm") == "true":
            self._confirm(intent, method, off_session=params.get("off_session") == "true", params=params)
        return intent

    def _customers_method(self, params: dict[str, str]) -> Json:
        """The `payment_method` an intent names, which must be the `customer`'s."""
        method_id, customer = params.get("payment_method", ""), params.get("customer")
        method = self.methods.get(method_id)
        if method is None or method["customer"] != customer:
            raise StripeFailure(
                400,
                "invalid_request_error",
                f"The provided PaymentMethod {method_id} does not belong to the Customer {customer}.",
                param="payment_method",
            )
        return method

    def _confirm(self, intent: Json, method: Json, *, off_session: bool, params: dict[str, str]) -> None:
        number = self._numbers[method["id"]]
        if number == CHALLENGE and off_session and method["id"] in self._set_up:
            # Authenticated when it was set up: its bank lets it be charged with its holder away.
            self._succeed(intent)
        elif number == CHALLENGE and off_session:
            # A card that must be authenticated cannot be charged with nobody there to authenticate it.
            self._decline(
                intent,
                method,
                ("authentication_required", "authentication_required", "This transaction requires authentication."),
            )
        elif number == CHALLENGE:
            intent["status"] = "requires_action"
            intent["next_action"] = {
                "type": "redirect_to_url",
                "redirect_to_url": {
                    "url": f"{self.base_url}/3ds/{intent['id']}",
                    "return_url": params.get("return_url"),
                },
            }
        elif number in DECLINES:
            self._decline(intent, method, DECLINES[number])
        else:
            self._succeed(intent)

    def _succeed(self, intent: Json) -> None:
        intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=_id("ch"))

    def _decline(self, intent: Json, method: Json, decline: tuple[str, str, str]) -> None:
        code, decline_code, message = decline
        charge = _id("ch")
        error = {"type": "card_error", "code": code, "decline_code": decline_code, "message": message}
        intent.update(
            status="requires_payment_method",
            latest_charge=charge,
            last_payment_error={**error, "payment_method": method},
        )
        # Stripe answers a declined confirmation with 402 and the failed intent inside the error.
        raise StripeFailure(
            402,
            "card_error",
            message,
            code=code,
            decline_code=decline_code,
            charge=charge,
            payment_intent=json.loads(json.dumps(intent)),
            payment_method=method,
        )

    def _retrieve_intent(self, params: dict[str, str], id: str) -> Json:
        intent = self.intents.get(id)
        if intent is None:
            raise _missing("payment_intent", id, "intent")
        return intent

    def _cancel_intent(self, params: dict[str, str], id: str) -> Json:
        intent = self._retrieve_intent(params, id)
        _cancel(intent, "PaymentIntent", "payment_intent", CANCELABLE, params)
        return intent

    def _create_setup_intent(self, params: dict[str, str]) -> Json:
        method = self._customers_method(params)
        usage = params.get("usage", "off_session")
        if usage not in ("on_session", "off_session"):
            raise StripeFailure(
                400, "invalid_request_error", "Invalid usage: must be one of on_session or off_session", param="usage"
            )
        allowed = list(_nested(params, "allowed_payment_method_types").values())
        # Without a list of its own, an intent takes the methods enabled in the Dashboard, some of which redirect.
        redirects = params.get("automatic_payment_methods[allow_redirects]", "always")
        automatic = None if allowed else {"enabled": True, "allow_redirects": redirects}
        confirm, return_url = params.get("confirm") == "true", params.get("return_url")
        if confirm and automatic and automatic["allow_redirects"] == "always" and not return_url:
            raise StripeFailure(
                400,
                "invalid_request_error",
                "This SetupIntent is configured to accept payment methods enabled in your Dashboard. Because some of "
                "these payment methods might redirect your customer off of your page, you must provide a `return_url`.",
                param="return_url",
            )
        setup: Json = {
            "id": _id("seti"),
            "object": "setup_intent",
            "allowed_payment_method_types": allowed or None,
            "automatic_payment_methods": automatic,
            "cancellation_reason": None,
            "customer": method["customer"],
            "last_setup_error": None,
            "latest_attempt": None,
            "metadata": _nested(params, "metadata"),
            "next_action": None,
            "payment_method": method["id"],
            "payment_method_types": allowed or ["card"],
            "status": "requires_confirmation",
            "usage": usage,
            "created": int(time.time()),
            "livemode": False,
        }
        setup["client_secret"] = f"{setup['id']}_secret_{secrets.token_hex(8)}"
        self.setup_intents[setup["id"]] = setup
        if confirm:
            self._confirm_setup(setup, method, return_url)
        return setup

    def _confirm_setup(self, setup: Json, method: Json, return_url: str | None) -> None:
        number = self._numbers[method["id"]]
        setup["latest_attempt"] = _id("setatt")
        if number == CHALLENGE:
            url = f"{self.base_url}/3ds/{setup['id']}"
            setup["status"] = "requires_action"
            # With no page to come back to, the challenge is left to Stripe.js on the page the payer is on.
            setup["next_action"] = (
                {"type": "redirect_to_url", "redirect_to_url": {"url": url, "return_url": return_url}}
                if return_url
                else {
                    "type": "use_stripe_sdk",
                    "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": url, "source": _id("src")},
                }
            )
        elif number in DECLINES:
            code, decline_code, message = DECLINES[number]
            error = {"type": "card_error", "code": code, "decline_code": decline_code, "message": message}
            self._fail_setup(setup, method, error)
            # As a declined payment is: 402, with the failed intent inside the error.
            raise StripeFailure(
                402,
                "card_error",
                message,
                code=code,
                decline_code=decline_code,
                setup_intent=json.loads(json.dumps(setup)),
                payment_method=method,
            )
        else:
            self._succeed_setup(setup)

    def _complete_setup(self, setup: Json, *, passed: bool) -> None:
        if setup["status"] == "canceled":
            return
        assert setup["status"] == "requires_action", setup["status"]
        setup["next_action"] = None
        if passed:
            self._succeed_setup(setup)
        else:
            error = {
                "type": "card_error",
                "code": "setup_intent_authentication_failure",
                "message": SETUP_AUTHENTICATION_FAILED,
            }
            self._fail_setup(setup, self.methods[setup["payment_method"]], error)

    def _succeed_setup(self, setup: Json) -> None:
        setup["status"] = "succeeded"
        if setup["usage"] == "off_session":
            self._set_up.add(setup["payment_method"])

    @staticmethod
    def _fail_setup(setup: Json, method: Json, error: Json) -> None:
        # Stripe takes a failed setup's payment method off it: the card tried is told only in the error.
        setup.update(
            status="requires_payment_method",
            payment_method=None,
            next_action=None,
            last_setup_error={**error, "payment_method": method},
        )

    def _retrieve_setup_intent(self, params: dict[str, str], id: str) -> Json:
        setup = self.setup_intents.get(id)
        if setup is None:
            raise _missing("setupintent", id, "intent")
        return setup

    def _cancel_setup_intent(self, params: dict[str, str], id: str) -> Json:
        setup = self._retrieve_setup_intent(params, id)
        _cancel(setup, "SetupIntent", "setup_intent", CANCELABLE_SETUP, params)
        return setup

    def _create_refund(self, params: dict[str, str]) -> Json:
        intent_id = params.get("payment_intent", "")
        intent = self.intents.get(intent_id)
        if intent is None:
            raise _missing("payment_intent", intent_id, "payment_intent")
        if intent["status"] != "succeeded":
            raise StripeFailure(
                400, "invalid_request_error", "This PaymentIntent does not have a successful charge to refund."
            )
        remaining = intent["amount"] - self._refunded.get(intent_id, 0)
        amount = int(params.get("amount", remaining))
        if remaining == 0:
            raise StripeFailure(
                400,
                "invalid_request_error",
                f"Charge {intent['latest_charge']} has already been refunded.",
                code="charge_already_refunded",
            )
        if not 0 < amount <= remaining:
            raise StripeFailure(
                400,
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
                param="amount",
            )
        self._refunded[intent_id] = self._refunded.get(intent_id, 0) + amount
        refund: Json = {
            "id": _id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "charge": intent["latest_charge"],
            "payment_intent": intent_id,
            "status": "succeeded",
            "metadata": _nested(params, "metadata"),
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        return refund

    def refunded(self, intent_id: str) -> int:
        return self._refunded.get(intent_id, 0)


class _Server(ThreadingHTTPServer):
    request_queue_size = 64  # the default 5 drops a burst of concurrent connections into a 1 s SYN retry
    fake: FakeStripe


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        # Keys stay flat (`card[number]`): the fake reads them one by one, as Stripe's encoding writes them.
        params = dict(parse_qsl(raw, keep_blank_values=True))
        status, data, hang = fake.answer(method, self.path, params, self.headers)
        if hang:
            # Done, but never told: hold the answer until the client gives up and closes the connection.
            self.connection.settimeout(30)
            with contextlib.suppress(OSError):
                while self.connection.recv(1024):
                    pass
            self.close_connection = True
            return
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", _id("req"))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows what matters."""
