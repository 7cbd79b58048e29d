"""What the app stores tell afterwards — a subscription renewed, expired or revoked, a purchase refunded — proven
when it arrives, then acted on by the worker through the jobs table, once however many times it is told.

Google Play's Real-time Developer Notifications come as Pub/Sub pushes: a Google-signed token for the push
endpoint's address proves Pub/Sub sent it, and the notification names only a purchase token, so the worker asks
Google how the subscription stands (under the merchant's own service account) and acts on that, never on the
notification's word: a forged one could only make Boxoffice ask again. The App Store's Server Notifications
(V2) are signed by Apple, as its transactions are: verified on arrival, and the transaction they carry again
where it is acted on."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import repository as repo
from boxoffice.billing.models import SubscriptionStatus
from boxoffice.billing.store_purchases import payment_key, record_store_refund, record_store_renewal
from boxoffice.billing.store_settings import store_app_of
from boxoffice.gateways import app_store
from boxoffice.gateways import repository as gateways_repo
from boxoffice.gateways.amazon_appstore import AmazonAppstore
from boxoffice.gateways.app_store import root_certificates
from boxoffice.gateways.google_play import GooglePlay, push_sender
from boxoffice.gateways.models import StoreAppSettings
from boxoffice.gateways.roku_pay import RokuPay
from boxoffice.gateways.stores import Store, StoreRefusal, StoreRefused, VerifiedPurchase
from boxoffice.identity import merchants
from boxoffice.identity import repository as identity_repo
from boxoffice.identity.models import Merchant
from boxoffice.kit import clock, jobs
from boxoffice.kit.db import hold, transaction
from boxoffice.kit.errors import Forbidden, InvalidInput
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings

log = structlog.get_logger(__name__)
NOTIFICATION_JOB = "billing.store_notification"
# Apple's notification types acted on: a renewal's (a new transaction), and a refund's or revocation's.
APPLE_ACTED_ON = {"DID_RENEW": "subscription", "SUBSCRIBED": "subscription", "REFUND": "voided", "REVOKE": "voided"}
MAX_NOTIFICATION = 64 * 1024
SUBSCRIPTION, VOIDED = "subscription", "voided"


@dataclass(frozen=True, slots=True)
class GoogleNotice:
    package: str
    kind: str  # SUBSCRIPTION (its state changed: renewed, expired, revoked …), VOIDED (refunded), or another
    token: str
    order_id: str | None


def google_notice(body: bytes) -> GoogleNotice:
    """The Real-time Developer Notification a Pub/Sub push carries; InvalidInput when it carries none."""
    problem = {"message": "The body is not a Pub/Sub push of a Google Play notification"}
    try:
        push = json.loads(body)
        data = json.loads(base64.b64decode(push["message"]["data"], validate=True))
    except (ValueError, KeyError, TypeError, binascii.Error, RecursionError):
        raise InvalidInput(problem) from None
    if not isinstance(data, dict) or not isinstance(data.get("packageName"), str):
        raise InvalidInput(problem)
    found: Any = data.get("subscriptionNotification") or data.get("voidedPurchaseNotification") or {}
    if not isinstance(found, dict):
        raise InvalidInput(problem)
    kind = (
        SUBSCRIPTION if "subscriptionNotification" in data else VOIDED if "voidedPurchaseNotification" in data else ""
    )
    token, order = found.get("purchaseToken"), found.get("orderId")
    return GoogleNotice(
        data["packageName"],
        kind if isinstance(token, str) and token else "",
        token if isinstance(token, str) else "",
        order if isinstance(order, str) and order else None,
    )


async def receive_google_notification(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    merchant_uuid: str,
    body: bytes,
    bearer: str | None,
    audience: str,
) -> bool:
    """Check that Pub/Sub pushed it and queue it; False for a notification nothing is done about (a test, another
    app's, a one-time product's), acknowledged all the same, or Pub/Sub would push it again for days."""
    async with transaction(sessions) as session:
        merchant = await merchants.find_merchant(session, merchant_uuid)
        app = await gateways_repo.store_app(session, merchant.id, Store.GOOGLE_PLAY)
        package = app.app_id if app is not None else None
        account = app.notification_account if app is not None else None
    if not bearer or account is None:
        raise Forbidden("The push carries no token, or the merchant has named no account to take pushes from")
    try:
        sender = await anyio.to_thread.run_sync(
            lambda: push_sender(bearer, audience=audience, certs_url=settings.google_certs_url)
        )
    except ValueError as exc:
        raise Forbidden("The push's token is not Google's for this address") from exc
    if sender.lower() != account:
        # Any Google account can push to this address: only the merchant's own subscription is taken.
        raise Forbidden("The push is not from the merchant's Pub/Sub account")
    notice = google_notice(body)
    if notice.package != package or notice.kind not in (SUBSCRIPTION, VOIDED):
        return False
    async with transaction(sessions) as session:
        jobs.enqueue(
            session,
            NOTIFICATION_JOB,
            {
                "merchant_id": merchant.id,
                "store": Store.GOOGLE_PLAY.value,
                "kind": notice.kind,
                "token": notice.token,
                "order_id": notice.order_id,
            },
        )
    return True


async def receive_apple_notification(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, merchant_uuid: str, body: bytes
) -> bool:
    """Check that Apple signed it, for the merchant's app, and queue it; False for a kind nothing is done about
    (acknowledged all the same, or Apple would send it again)."""
    async with transaction(sessions) as session:
        merchant = await merchants.find_merchant(session, merchant_uuid)
        row = await gateways_repo.store_app(session, merchant.id, Store.APPLE)
        if row is None:
            raise Forbidden("The merchant does not sell in the App Store")
        app = store_app_of(row, Sealer(settings.encryption_keys))
    try:
        signed = json.loads(body).get("signedPayload")
    except (ValueError, AttributeError, RecursionError):
        signed = None
    if not isinstance(signed, str):
        raise InvalidInput({"notification": "The body is not an App Store Server Notification"})
    try:
        notice = app_store.verify_notification(signed, app, root_certificates(tuple(settings.apple_root_certificates)))
    except StoreRefused as refused:
        raise Forbidden("The notification is not the App Store's for this app") from refused
    if notice.kind not in APPLE_ACTED_ON or notice.signed_transaction is None:
        return False
    async with transaction(sessions) as session:
        jobs.enqueue(
            session,
            NOTIFICATION_JOB,
            {
                "merchant_id": merchant.id,
                "store": Store.APPLE.value,
                "kind": APPLE_ACTED_ON[notice.kind],
                "transaction": notice.signed_transaction,
            },
        )
    return True


@jobs.handles(NOTIFICATION_JOB)
async def act_on_store_notification(session: AsyncSession, payload: dict[str, Any], settings: Settings) -> None:
    merchant = await identity_repo.merchant_by_id(session, int(payload["merchant_id"]))
    store = Store(payload.get("store", Store.GOOGLE_PLAY.value))
    row = await gateways_repo.store_app(session, int(payload["merchant_id"]), store)
    if merchant is None or row is None:
        return
    if store is Store.APPLE:
        await _apple(session, merchant, row, payload, settings)
        return
    google = GooglePlay(api_base=settings.google_play_api_base, allow_private=settings.outbound_allow_private)
    app = store_app_of(row, Sealer(settings.encryption_keys))
    if payload["kind"] == VOIDED:
        order = str(payload.get("order_id") or "")
        paid = await repo.external_payment_by_charge(session, merchant.id, Store.GOOGLE_PLAY.value, "", order[:64])
        # The notification's word is not taken: Google is asked whether it voided the order.
        if paid is not None and await google.voided(app, order):
            await record_store_refund(session, merchant, paid, f"voided:{order}")
        return
    served, latest = await google.subscription(app, str(payload["token"]))
    if not served or latest is None:
        return  # expired or on hold at Google: it ends here at its period's end, as no renewal came
    await _renewed(session, merchant, latest, row.fee_rate)


async def _apple(
    session: AsyncSession, merchant: Merchant, row: StoreAppSettings, payload: dict[str, Any], settings: Settings
) -> None:
    app = store_app_of(row, Sealer(settings.encryption_keys))
    roots = root_certificates(tuple(settings.apple_root_certificates))
    try:
        told = app_store.verify_transaction(str(payload["transaction"]), app, roots)
    except StoreRefused as refused:
        if refused.reason is not StoreRefusal.NOT_PAID or payload["kind"] != VOIDED:
            return
        # A refunded transaction carries its revocation: read who it was without the paid check.
        told = app_store.verify_transaction(str(payload["transaction"]), app, roots, revoked=True)
    if payload["kind"] == VOIDED:
        paid = await repo.payment_by_key(session, merchant.id, payment_key(told))
        if paid is not None:
            await record_store_refund(session, merchant, paid, f"apple-refund:{told.transaction_id}")
        return
    if told.expires_at is not None:
        await _renewed(session, merchant, told, row.fee_rate)


async def _renewed(session: AsyncSession, merchant: Merchant, told: VerifiedPurchase, fee_rate: int) -> None:
    """A charge the store tells of, for a subscription recorded here, recorded once (the app may be sending the
    same receipt this very moment: both take the hold its validation takes)."""
    await hold(session, "store transaction", merchant.id, told.store, told.original_id)
    subscription = await repo.store_subscription(session, merchant.id, told.store, told.original_id)
    if subscription is None or subscription.status == SubscriptionStatus.INCOMPLETE:
        return  # bought in the app and not reported yet: the app's receipt records it
    if await repo.payment_by_key(session, merchant.id, payment_key(told)) is None:
        await record_store_renewal(session, merchant, subscription, told, fee_rate)


POLL_EVERY = 3600
POLL_AHEAD = timedelta(days=1)  # asked a day before its period ends: the store renews in its last day
POLL_BATCH = 200
POLLED = (Store.AMAZON, Store.ROKU)


@jobs.every(POLL_EVERY, "billing.poll_store_subscriptions")
async def poll_store_subscriptions(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Amazon and Roku tell a renewal only through the receipt, its expiry moved on: their subscriptions near
    their period's end are asked about, and a renewal found is recorded as the app's receipt would be."""
    sealer = Sealer(settings.encryption_keys)
    amazon = AmazonAppstore(base=settings.amazon_rvs_base, allow_private=settings.outbound_allow_private)
    roku = RokuPay(base=settings.roku_api_base, allow_private=settings.outbound_allow_private)
    async with transaction(sessions) as session:
        due = await repo.store_subscriptions_due(
            session, [store.value for store in POLLED], clock.now() + POLL_AHEAD, limit=POLL_BATCH
        )
        asked = []
        for subscription in due:
            row = await gateways_repo.store_app(session, subscription.merchant_id, subscription.gateway)
            if row is not None and subscription.external_id:
                asked.append((subscription.merchant_id, store_app_of(row, sealer), row.fee_rate, subscription))
    for merchant_id, app, fee_rate, subscription in asked:
        try:
            receipt = str(subscription.external_id)
            if app.store is Store.AMAZON:
                found = await amazon.verify(app, receipt, subscription.gateway_customer_ref or None)
            else:
                found = await roku.verify(app, receipt, subscription=True)
        except StoreRefused as refused:
            log.info("store subscription not renewed", store=app.store.value, reason=refused.reason.value)
            continue
        if found.expires_at is None or found.expires_at <= subscription.current_period_end:
            continue
        async with transaction(sessions) as session:
            merchant = await identity_repo.merchant_by_id(session, merchant_id)
            if merchant is not None:
                await _renewed(session, merchant, found, fee_rate)
