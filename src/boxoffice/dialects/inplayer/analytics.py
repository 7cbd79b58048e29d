"""InPlayer's analytics endpoints (`/v2/analytics/...`), in the shapes of the seed document they came from.

Some keys and one value there are misspelt — `total_subcriptions`, `desctiption`, `parrent_id`, the continent
`Euorope` — and are kept as spelt, because the clients that read these responses parse those names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from typing_extensions import TypedDict

from boxoffice.access.models import ContentRequest
from boxoffice.analytics import audience, payments, subscriptions
from boxoffice.analytics.customers import ContentVisit, Purchase, customer_activity, customer_lifetime
from boxoffice.billing.models import SubscriptionStatus
from boxoffice.dialects.inplayer import bodies
from boxoffice.dialects.inplayer.amounts import amount
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.catalog_render import access_control_type, item_metadata, item_type
from boxoffice.dialects.inplayer.dates import period
from boxoffice.dialects.inplayer.deps import CurrentMerchant, Session
from boxoffice.dialects.inplayer.forms import MAX_INTEGER, text
from boxoffice.dialects.inplayer.payment_methods import method_name
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.dialects.inplayer.subscriptions import ACTION_TYPES
from boxoffice.dialects.inplayer.transactions import GATEWAY_IDS, charge_token
from boxoffice.identity.models import LoginRecord, Merchant
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.geography import country

router = APIRouter(route_class=InPlayerRoute, tags=["analytics"])

PERIOD = bodies.form(
    bodies.moment("start_date", "The first day counted (also `?start_date=`)"),
    bodies.moment("end_date", "The last day counted (also `?end_date=`)"),
)


class Activity(TypedDict):
    """The customer's last sign-in and last content request (PHP-style dates, as InPlayer's clients parse them)."""

    last_login: dict[str, Any] | None
    content_requests_log: dict[str, Any] | None


class AmountInCurrency(TypedDict):
    total_amount: int | float
    currency: str


class Lifetime(TypedDict):
    total_assets_bought: int
    money_spent: list[AmountInCurrency]
    first_purchase: dict[str, Any] | None
    last_purchase: dict[str, Any] | None


class NamedTotal(TypedDict):
    name: str
    total: int


class Logins(TypedDict):
    total: int
    per_device: list[NamedTotal]
    per_country: list[NamedTotal]


class Registrations(Logins):
    per_register_source: list[NamedTotal]


class MethodTotals(TypedDict):
    total: int
    total_amount_per_currency: list[AmountInCurrency]


class MoneyTotals(TypedDict):
    total: int
    per_method: dict[str, MethodTotals]


class PaymentAnalytics(TypedDict):
    payment_analytics: MoneyTotals
    refund_analytics: MoneyTotals


class SubscriptionGroup(TypedDict):
    id: int
    description: str
    total_voucher_discount: int
    total_subcriptions: int
    total_subscriptions_per_state: list[dict[str, Any]]


class SubscriptionAnalytics(TypedDict):
    """Subscriptions by state, grouped as asked (`total_subcriptions` is spelt as InPlayer's clients read it)."""

    country_code: str | None
    country_name: str | None
    total_subcriptions: int
    grouped_by: str | None
    subscriptions_grouped_by: list[SubscriptionGroup]


CustomerId = Path(ge=1, le=MAX_INTEGER)
CONTINENTS = {"Europe": "Euorope"}
# The analytics' states as InPlayer's `action_type` names them, and back.
STATE_NAMES = {state: ACTION_TYPES[state] for state in subscriptions.STATES}
STATES_BY_NAME = {name: state for state, name in STATE_NAMES.items()} | {"about_to_churn": "about_to_churn"}


def _iso_ms(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _php_date(moment: datetime) -> dict[str, Any]:
    """A PHP DateTime as json_encode writes it; timezone_type 3 is a named zone."""
    return {"date": _iso_ms(moment), "timezone_type": 3, "timezone": "UTC"}


def _device(type_: str, os: str | None, model: str | None) -> dict[str, str]:
    return {"type": type_, "os": os or "", "model": model or ""}


def _last_login(record: LoginRecord, merchant: Merchant, name: str, email: str) -> dict[str, Any]:
    place = country(record.country_code)
    return {
        "timestamp": clock.unix(record.logged_in_at),
        "merchant_id": merchant.id,
        "merchant_email": merchant.email,
        "account_id": record.customer_id,
        "name": name,
        "consumer_email": email,
        "account_role": ["consumer"],
        "geo_data": {
            "ipAddress": record.ip_address or "",
            "continent": CONTINENTS.get(place.continent, place.continent),
            "countryISO": place.alpha3,
            "country": place.name,
        },
        "date": record.logged_in_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "device": _device(record.device_type, record.device_os, record.device_model),
        "client_id": record.client_id,
    }


def _content_request(visit: ContentVisit, email: str) -> dict[str, Any]:
    request: ContentRequest = visit.request
    product, access = visit.product, visit.entitlement
    kind = item_type(product) if product is not None else None
    place = country(request.country_code)
    return {
        "item_id": request.product_id,
        "item_title": product.title if product is not None else "",
        "created_at": _php_date(request.requested_at),
        "updated_at": _php_date(request.requested_at),
        "item_type": None
        if kind is None
        else {
            "id": kind["id"],
            "name": kind["name"],
            "desctiption": kind["description"],
            "content_type": kind["content_type"],
            "host": kind["host"],
        },
        "access_control_type": access_control_type(product) if product is not None else None,
        "customer_id": request.customer_id,
        "email": email,
        "metadata": item_metadata(product) if product is not None else [],
        "ip_address": request.ip_address or "",
        "country": place.name,
        "country_iso": place.alpha2,
        # The offline address database knows countries only.
        "state": "",
        "city": "",
        "device": _device(request.device_type, request.device_os, None),
        "date": request.requested_at.strftime("%Y-%m-%d %H:%M:%S"),
        "referrer": request.referrer or "",
        "date_from": _iso_ms(access.starts_at) if access else None,
        "date_to": _iso_ms(access.expires_at) if access else None,
    }


@router.get("/v2/analytics/customers/{customer_id}/activity")
async def activity(session: Session, merchant: CurrentMerchant, customer_id: int = CustomerId) -> Activity:
    """A customer's last sign-in and last content request."""
    found = await customer_activity(session, merchant.id, customer_id)
    customer = found.customer
    return {
        "last_login": _last_login(found.last_login, merchant, customer.full_name, customer.email)
        if found.last_login
        else None,
        "content_requests_log": _content_request(found.last_visit, customer.email) if found.last_visit else None,
    }


def _purchase(bought: Purchase | None) -> dict[str, Any] | None:
    if bought is None:
        return None
    payment, product = bought.payment, bought.product
    token = charge_token(payment)
    return {
        "id": payment.id,
        "parrent_id": bought.parent_payment_id or 0,
        "merchant_id": payment.merchant_id,
        "customer_id": payment.customer_id,
        "gateway_id": GATEWAY_IDS.get(payment.gateway, 0),
        "transaction_token": token,
        "payment_tool_token": payment.gateway_method,
        "payment_tool_info": method_name(payment.method),
        "payment_method_name": method_name(payment.method),
        "action_type": "payment",
        "item_access_id": payment.entitlement_id or 0,
        "item_id": payment.product_id,
        "item_type": product.asset_type if product is not None else "",
        "item_title": product.title if product is not None else "",
        "charged_amount": amount(payment.amount, payment.currency),
        "currency_iso": payment.currency,
        "issued_by": payment.customer_id,
        # Boxoffice settles in the currency it charges.
        "exchange_rate": 1.0,
        "settlement_currency": payment.currency,
        "note": payment.donation_description or "",
        "revenue_account": "revenue",
        "branding_id": 0,
        "created_at": _iso_ms(payment.created_at),
        "trx_token": token,
    }


@router.get("/v2/analytics/customers/{customer_id}/lifetime")
async def lifetime(session: Session, merchant: CurrentMerchant, customer_id: int = CustomerId) -> Lifetime:
    """What a customer has bought and spent, and their first and last purchase."""
    found = await customer_lifetime(session, merchant.id, customer_id)
    return {
        "total_assets_bought": found.products_bought,
        "money_spent": [
            {"total_amount": amount(minor, currency), "currency": currency} for currency, minor in found.spent.items()
        ],
        "first_purchase": _purchase(found.first),
        "last_purchase": _purchase(found.last),
    }


def _totals(totals: list[audience.Total]) -> list[NamedTotal]:
    return [{"name": t.name, "total": t.total} for t in totals]


@router.get("/v2/analytics/customers/logins")
async def logins(session: Session, merchant: CurrentMerchant) -> Logins:
    """The merchant's customers' sign-ins, by device and by country."""
    found = await audience.count_logins(session, merchant.id)
    return {"total": found.total, "per_device": _totals(found.per_device), "per_country": _totals(found.per_country)}


# Accounts made by signing up are InPlayer's own; those a merchant made keep the core's name.
REGISTER_SOURCES = {"signup": "inplayer", "merchant": "merchant"}


@router.get("/v2/analytics/customers/registrations")
async def registrations(session: Session, merchant: CurrentMerchant) -> Registrations:
    """The merchant's customers' sign-ups, by device, country and source."""
    found = await audience.count_registrations(session, merchant.id)
    sources = [audience.Total(REGISTER_SOURCES.get(t.name, t.name), t.total) for t in found.per_register_source]
    return {
        "total": found.total,
        "per_device": _totals(found.per_device),
        "per_country": _totals(found.per_country),
        "per_register_source": _totals(sources),
    }


def _money(totals: payments.MoneyTotals) -> MoneyTotals:
    return {
        "total": totals.count,
        "per_method": {
            method_name(method): {
                "total": per.count,
                "total_amount_per_currency": [
                    {"total_amount": amount(minor, currency), "currency": currency}
                    for currency, minor in per.per_currency.items()
                ],
            }
            for method, per in totals.per_method.items()
        },
    }


# GET with a query, or POST with a form: the seed's `curl -d` sends a POST.
@router.get("/v2/analytics/payments", operation_id="payment_analytics")
@router.post("/v2/analytics/payments", operation_id="payment_analytics_from_a_form")
async def payment_analytics(
    session: Session,
    merchant: CurrentMerchant,
    body: Annotated[Fields, Depends(PERIOD)],
    start_date: str | None = Query(None, max_length=32),
    end_date: str | None = Query(None, max_length=32),
) -> PaymentAnalytics:
    """Payments and refunds over a period, by payment method and currency.

    The period is given in the query (GET) or a form (POST)."""
    since, until = period(start_date or text(body, "start_date"), end_date or text(body, "end_date"))
    found = await payments.count_payments(session, merchant.id, since=since, until=until)
    return {"payment_analytics": _money(found.payments), "refund_analytics": _money(found.refunds)}


def _state(total: subscriptions.StateTotal) -> dict[str, Any]:
    body: dict[str, Any] = {"action_type": STATE_NAMES[total.state], "total_subscriptions": total.total}
    if total.state == SubscriptionStatus.CANCELED:
        body["sub_action_type"] = {"action_type": "about_to_churn", "total_subscriptions": total.about_to_churn}
    return body


@router.get("/v2/analytics/subscriptions")
async def subscription_analytics(
    session: Session,
    merchant: CurrentMerchant,
    country_code: str | None = Query(None, max_length=3),
    grouped_by: str | None = Query(None, max_length=16),
    action_type: str | None = Query(None, max_length=32),
) -> SubscriptionAnalytics:
    """The merchant's subscriptions by state.

    `grouped_by` groups them (by item, access fee …), `country_code` and `action_type` narrow them."""
    state = (action_type or "").strip() or None
    if state is not None and state not in STATES_BY_NAME:
        raise InvalidInput({"action_type": f"The action type is one of {', '.join(STATES_BY_NAME)}"})
    found = await subscriptions.count_subscriptions(
        session,
        merchant.id,
        grouped_by=(grouped_by or "").strip() or None,
        country_code=(country_code or "").strip() or None,
        state=STATES_BY_NAME[state] if state else None,
    )
    return {
        "country_code": found.country_code,
        "country_name": found.country_name,
        "total_subcriptions": found.total,
        "grouped_by": found.grouped_by,
        "subscriptions_grouped_by": [
            {
                "id": group.id,
                "description": group.description,
                "total_voucher_discount": group.with_voucher,
                "total_subcriptions": group.total,
                "total_subscriptions_per_state": [_state(s) for s in group.per_state],
            }
            for group in found.groups
        ],
    }
