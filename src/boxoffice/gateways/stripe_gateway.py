"""The Stripe gateway: Boxoffice's neutral gateway calls made through Stripe's own Python library, asynchronously.

How it maps onto Stripe, where that is not obvious:

- A charge is one PaymentIntent, confirmed as it is made and for cards only (`allowed_payment_method_types`, so
  Stripe never asks for a `return_url` for redirect-based methods): off-session when there is nowhere to send the
  viewer back to, else with that `return_url`, and a 3-D Secure challenge comes back as
  `next_action.redirect_to_url`.
- A card Stripe declines is an answer, not an error: Stripe says it with HTTP 402 and the failed PaymentIntent in
  the error body, whose id becomes the charge id.
- Idempotency keys are scoped by merchant (`<merchant_id>:<key>`), as the sandbox's are, because merchants may
  share one Stripe account; intents carry `metadata[merchant_id]`, and one merchant's charge is neither confirmed
  nor refunded for another.
- Any other failure raises GatewayError: for most of them (timeouts, 5xx) the outcome is unknown, and the caller's
  idempotency key is what makes asking again safe. A key reused for a different request raises
  IdempotencyMismatch, as in the sandbox.
- A setup (a card kept for later, nothing charged) is one SetupIntent, for cards only and `usage=off_session`,
  confirmed as it is made; a challenge comes back as a redirect, as a charge's does.
- Giving up a charge or a setup awaiting the payer (`cancel`) cancels its PaymentIntent or SetupIntent; one that
  Stripe will no longer cancel (the payer got there first) is answered as it stands.
- Webhooks: `payment_intent.succeeded` / `payment_intent.payment_failed` become `charge.succeeded` /
  `charge.failed`, `setup_intent.succeeded` / `setup_intent.setup_failed` become `setup.succeeded` /
  `setup.failed` (a setup's id stands where a charge's would, as it does for its payment), and `charge.refunded`
  keeps its name; the charge id is otherwise always the PaymentIntent's. Every other
  event type, correctly signed, comes back as `stripe.<type>`, so that it can be acknowledged and ignored (a
  ValueError would make Stripe resend it for days) and is never taken for one of ours: Stripe has its own
  `charge.succeeded`, about Charge objects.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import stripe
from stripe.params import PaymentIntentCreateParams, SetupIntentCreateParams

from boxoffice.gateways.protocol import (
    Card,
    CardRejected,
    ChargeRequest,
    ChargeResult,
    CollectedCard,
    GatewayError,
    GatewayEvent,
    PaymentSource,
    RefundResult,
    SavedMethod,
    SetupResult,
    SetupStatus,
    charge_each,
)
from boxoffice.gateways.sandbox import CANCELED, IdempotencyMismatch

# Requests in flight at once for a batch of charges: well within Stripe's rate limits.
CONCURRENT_REQUESTS = 16

# Stripe's words for what the protocol already has words for.
DECLINE_ALIASES = {
    "generic_decline": "card_declined",
    "payment_intent_authentication_failure": "authentication_failed",
    "setup_intent_authentication_failure": "authentication_failed",
}
# A SetupIntent's id begins so; a PaymentIntent's with pi_.
SETUP_PREFIX = "seti_"
# Billing keeps a decline code in 32 characters; a longer one is told as the generic decline.
MAX_DECLINE_CODE = 32

WEBHOOK_KINDS = {
    "payment_intent.succeeded": "charge.succeeded",
    "payment_intent.payment_failed": "charge.failed",
    "charge.refunded": "charge.refunded",
    "setup_intent.succeeded": "setup.succeeded",
    "setup_intent.setup_failed": "setup.failed",
}


def _decline_code(code: str | None) -> str:
    code = DECLINE_ALIASES.get(code or "", code) or "card_declined"
    return code if len(code) <= MAX_DECLINE_CODE else "card_declined"


def _failure(exc: stripe.StripeError) -> GatewayError:
    if isinstance(exc, stripe.IdempotencyError):
        return IdempotencyMismatch(f"Stripe: {exc.user_message}")
    return GatewayError(f"Stripe: {exc.user_message or type(exc).__name__}")


def _result(intent: stripe.PaymentIntent) -> ChargeResult:
    amount, currency = intent.amount, intent.currency.upper()
    if intent.status == "succeeded":
        return ChargeResult(intent.id, "succeeded", amount, currency)
    if intent.status == "requires_action":
        redirect = getattr(intent.next_action, "redirect_to_url", None)
        url: str | None = getattr(redirect, "url", None)
        return ChargeResult(intent.id, "requires_action", amount, currency, redirect_url=url)
    if intent.status in ("requires_payment_method", "canceled"):
        # Stripe leaves out of an error what does not apply to it (no decline_code for a failed authentication).
        error = intent.last_payment_error
        code = getattr(error, "decline_code", None) or getattr(error, "code", None)
        if code is None and intent.status == "canceled":
            code = CANCELED
        return ChargeResult(intent.id, "declined", amount, currency, _decline_code(code))
    # processing, requires_capture, requires_confirmation: not a state a confirmed card charge settles in.
    raise GatewayError(f"Stripe: the payment is {intent.status}")


def _declined(exc: stripe.CardError, amount: int, currency: str) -> ChargeResult:
    error = exc.error
    code = _decline_code((error.decline_code or error.code) if error else exc.code)
    intent = error.payment_intent if error else None
    if intent is None:
        # Refused before any intent was made: nothing was charged, and there is nothing to point at.
        return ChargeResult("", "declined", amount, currency, code)
    return ChargeResult(intent.id, "declined", intent.amount, intent.currency.upper(), code)


def _setup_status(intent: stripe.SetupIntent) -> tuple[SetupStatus, str | None, str | None]:
    """The status, decline code and redirect of a SetupIntent, in the protocol's words."""
    if intent.status == "succeeded":
        return "succeeded", None, None
    if intent.status == "requires_action":
        redirect = getattr(intent.next_action, "redirect_to_url", None)
        return "requires_action", None, getattr(redirect, "url", None)
    if intent.status in ("requires_payment_method", "canceled"):
        error = intent.last_setup_error
        code = getattr(error, "decline_code", None) or getattr(error, "code", None)
        if code is None and intent.status == "canceled":
            code = CANCELED
        return "declined", _decline_code(code), None
    raise GatewayError(f"Stripe: the setup is {intent.status}")


class StripeGateway:
    name = "stripe"

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str | None = None,
        webhook_secret: str | None = None,
        timeout: float = 30.0,
        max_network_retries: int = 2,
    ) -> None:
        # The key lives only inside the client: nothing here prints or logs it.
        self._http = stripe.HTTPXClient(timeout=timeout, allow_sync_methods=False)
        self.client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else {},
            http_client=self._http,
            max_network_retries=max_network_retries,
        )
        self.webhook_secret = webhook_secret

    async def aclose(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]

    async def create_customer(self, merchant_id: int, *, email: str, name: str) -> str:
        try:
            customer = await self.client.v1.customers.create_async(
                {"email": email, "name": name, "metadata": {"merchant_id": str(merchant_id)}}
            )
        except stripe.StripeError as exc:
            raise _failure(exc) from exc
        return customer.id

    async def save_payment_method(self, merchant_id: int, customer_ref: str, source: PaymentSource) -> SavedMethod:
        if not isinstance(source, Card | CollectedCard):
            # Bank debits and wallets need Stripe.js on the page that collects them; only cards come this way.
            raise CardRejected("unsupported_method", "This payment method is not taken through Stripe here")
        methods = self.client.v1.payment_methods
        try:
            if isinstance(source, CollectedCard):
                # Stripe.js made it in the payer's browser, from the publishable key: only its id came here.
                method = await methods.retrieve_async(source.token)
            else:
                method = await methods.create_async(
                    {
                        "type": "card",
                        "card": {
                            "number": source.number.replace(" ", "").replace("-", ""),
                            "exp_month": source.exp_month,
                            "exp_year": source.exp_year,
                            "cvc": source.cvv,
                        },
                        "billing_details": {"name": source.holder},
                        "metadata": {"merchant_id": str(merchant_id)},
                    }
                )
            await methods.attach_async(method.id, {"customer": customer_ref})
            await self.client.v1.customers.update_async(
                customer_ref, {"invoice_settings": {"default_payment_method": method.id}}
            )
        except stripe.CardError as exc:
            raise CardRejected(exc.code or "card_declined", exc.user_message or "The card was refused") from exc
        except stripe.InvalidRequestError as exc:
            if isinstance(source, CollectedCard):  # a token Stripe doesn't know, or one already someone else's
                raise CardRejected("invalid_payment_method", "The card could not be read: enter it again") from exc
            raise _failure(exc) from exc
        except stripe.StripeError as exc:
            raise _failure(exc) from exc
        if method.card is None:
            raise GatewayError("Stripe: the payment method has no card")
        details = method.card
        return SavedMethod(method.id, details.brand, details.last4, details.exp_month, details.exp_year)

    async def charge(
        self,
        merchant_id: int,
        *,
        amount: int,
        currency: str,
        customer_ref: str,
        method_token: str,
        idempotency_key: str,
        return_url: str | None = None,
        off_session: bool = False,
    ) -> ChargeResult:
        params: PaymentIntentCreateParams = {
            "amount": amount,
            "currency": currency.lower(),
            "customer": customer_ref,
            "payment_method": method_token,
            "allowed_payment_method_types": ["card"],
            "confirm": True,
            "metadata": {"merchant_id": str(merchant_id)},
        }
        if return_url and not off_session:
            params["return_url"] = return_url
        else:
            params["off_session"] = True
        try:
            intent = await self.client.v1.payment_intents.create_async(
                params, {"idempotency_key": self._key(merchant_id, idempotency_key)}
            )
        except stripe.CardError as exc:
            return _declined(exc, amount, currency)
        except stripe.StripeError as exc:
            raise _failure(exc) from exc
        return _result(intent)

    async def charge_many(self, requests: Sequence[ChargeRequest]) -> list[ChargeResult | GatewayError]:
        return await charge_each(self, requests, CONCURRENT_REQUESTS)

    async def confirm(self, merchant_id: int, charge_id: str) -> ChargeResult:
        return _result(await self._intent(merchant_id, charge_id))

    async def cancel(self, merchant_id: int, charge_id: str) -> ChargeResult:
        if charge_id.startswith(SETUP_PREFIX):
            await self.confirm_setup(merchant_id, charge_id)  # this merchant's, or GatewayError
            try:
                await self.client.v1.setup_intents.cancel_async(charge_id)
            except stripe.InvalidRequestError:
                pass  # no longer cancelable: it succeeded or failed first, as its answer below says
            except stripe.StripeError as exc:
                raise _failure(exc) from exc
            setup = await self.confirm_setup(merchant_id, charge_id)
            return ChargeResult(setup.setup_id, setup.status, 0, "", setup.decline_code)
        await self._intent(merchant_id, charge_id)
        try:
            return _result(await self.client.v1.payment_intents.cancel_async(charge_id))
        except stripe.InvalidRequestError:
            return await self.confirm(merchant_id, charge_id)  # no longer cancelable: it ended first
        except stripe.StripeError as exc:
            raise _failure(exc) from exc

    async def set_up(
        self,
        merchant_id: int,
        *,
        customer_ref: str,
        method_token: str,
        idempotency_key: str,
        return_url: str | None = None,
    ) -> SetupResult:
        params: SetupIntentCreateParams = {
            "customer": customer_ref,
            "payment_method": method_token,
            "allowed_payment_method_types": ["card"],
            "usage": "off_session",
            "confirm": True,
            "metadata": {"merchant_id": str(merchant_id)},
        }
        if return_url:
            params["return_url"] = return_url
        try:
            intent = await self.client.v1.setup_intents.create_async(
                params, {"idempotency_key": self._key(merchant_id, idempotency_key)}
            )
        except stripe.CardError as exc:
            failed = exc.error.setup_intent if exc.error else None
            if failed is None:
                raise CardRejected(exc.code or "card_declined", exc.user_message or "The card was refused") from exc
            intent = failed
        except stripe.StripeError as exc:
            raise _failure(exc) from exc
        return await self._setup_result(intent)

    async def confirm_setup(self, merchant_id: int, setup_id: str) -> SetupResult:
        try:
            intent = await self.client.v1.setup_intents.retrieve_async(setup_id)
        except stripe.StripeError as exc:
            raise _failure(exc) from exc
        metadata = intent.metadata.to_dict() if intent.metadata else {}
        if metadata.get("merchant_id") != str(merchant_id):
            raise GatewayError("no such setup")
        return await self._setup_result(intent)

    async def _setup_result(self, intent: stripe.SetupIntent) -> SetupResult:
        # Stripe takes a failed setup's payment method off it, and tells the card tried only in its error.
        tried = intent.payment_method or getattr(intent.last_setup_error, "payment_method", None)
        method_id = getattr(tried, "id", tried)
        customer = getattr(intent.customer, "id", intent.customer)
        if not isinstance(method_id, str) or not isinstance(customer, str):
            raise GatewayError("Stripe: the setup has no card or no customer")
        try:
            method = await self.client.v1.payment_methods.retrieve_async(method_id)
        except stripe.StripeError as exc:
            raise _failure(exc) from exc
        if method.card is None:
            raise GatewayError("Stripe: the payment method has no card")
        card = method.card
        saved = SavedMethod(method.id, card.brand, card.last4, card.exp_month, card.exp_year)
        status, decline, redirect = _setup_status(intent)
        return SetupResult(intent.id, status, customer, saved, decline, redirect)

    async def refund(self, merchant_id: int, charge_id: str, amount: int, idempotency_key: str) -> RefundResult:
        await self._intent(merchant_id, charge_id)
        try:
            refund = await self.client.v1.refunds.create_async(
                {"payment_intent": charge_id, "amount": amount, "metadata": {"merchant_id": str(merchant_id)}},
                {"idempotency_key": self._key(merchant_id, idempotency_key)},
            )
        except stripe.StripeError as exc:
            raise _failure(exc) from exc
        if refund.status in ("failed", "canceled"):
            raise GatewayError(f"Stripe: the refund {refund.id} is {refund.status}")
        return RefundResult(refund.id, charge_id, refund.amount)

    def parse_webhook(self, payload: bytes, signature: str | None, secret: str) -> GatewayEvent:
        """`secret` is the endpoint's signing secret (`whsec_…`); the one given at construction stands in for
        an empty one. Events older than Stripe's tolerance (5 minutes) are refused, as replays."""
        try:
            stripe.WebhookSignature.verify_header(
                payload, signature, secret or self.webhook_secret, tolerance=stripe.Webhook.DEFAULT_TOLERANCE
            )
        except stripe.SignatureVerificationError as exc:
            raise ValueError(f"the event's signature does not match: {exc.user_message}") from exc
        try:
            body = json.loads(payload)
            event_id, event_type, subject = str(body["id"]), str(body["type"]), body["data"]["object"]
            charge_id = _charge_of(event_type, subject)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError("the event is not shaped as Stripe's are") from exc
        return GatewayEvent(event_id, WEBHOOK_KINDS.get(event_type, f"stripe.{event_type}"), charge_id)

    async def _intent(self, merchant_id: int, charge_id: str) -> stripe.PaymentIntent:
        try:
            intent = await self.client.v1.payment_intents.retrieve_async(charge_id)
        except stripe.StripeError as exc:
            raise _failure(exc) from exc
        if intent.metadata.to_dict().get("merchant_id") != str(merchant_id):
            raise GatewayError("no such charge")
        return intent

    @staticmethod
    def _key(merchant_id: int, idempotency_key: str) -> str:
        return f"{merchant_id}:{idempotency_key}"


def _charge_of(event_type: str, subject: dict[str, Any]) -> str:
    """The PaymentIntent (or SetupIntent) an event is about: the subject itself, or the one a Charge (or
    Refund…) belongs to."""
    if event_type.startswith(("payment_intent.", "setup_intent.")):
        return str(subject["id"])
    return str(subject.get("payment_intent") or subject.get("id") or "")
