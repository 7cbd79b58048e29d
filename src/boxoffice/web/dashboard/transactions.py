"""Transactions: every payment, filtered by kind, item, days, country and gateway, a page at a time; a payment
refunded, whole or in part, through its gateway."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from starlette.responses import Response

from boxoffice.billing import history, listings, refunds
from boxoffice.billing.models import Payment, RefundStatus
from boxoffice.kit.errors import InvalidInput, NotFound
from boxoffice.kit.money import Money
from boxoffice.kit.requests import OwnTransactions
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard import transaction_filters
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.customers import Id
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/transactions"
REFUND_FIELDS = ("amount", "reason")
PAGE = 50
REFUNDED = "refund"  # the kind of the payments refunded (the overview's refunds link to it)
KINDS = [
    ("", "Any kind"),
    ("payment", "Went through"),
    ("failed", "Declined"),
    (REFUNDED, "Refunded in the days chosen"),
    ("purchase", "Purchases"),
    ("subscription", "Subscriptions and renewals"),
    ("gift", "Gifts"),
    ("donation", "Donations"),
]


@router.get(HERE)
async def transactions(page: Dashboard) -> Response:
    me = page.require(Permission.READ_CUSTOMERS)
    asked = transaction_filters.read(page.request.query_params, "kind")
    kind = asked.values["kind"]
    if kind and kind not in dict(KINDS):
        asked.problems["kind"] = "Choose a kind from the list"
    found = None
    if not asked.problems:
        filters = history.PaymentsFilter(
            customer_id=asked.customer,
            since=asked.since,
            until=asked.until,
            type=kind if kind and kind != REFUNDED else None,
            product_id=asked.item,
            country_code=asked.country,
            gateway=asked.gateway,
            refunded=kind == REFUNDED,
        )
        try:
            found = await listings.find_payments(page.session, me.merchant.id, filters, page=asked.page, limit=PAGE)
        except InvalidInput as refused:
            asked.problems.update({"until" if name == "end_date" else name: m for name, m in refused.errors.items()})
    return page.render(
        "transactions.html",
        422 if asked.problems else 200,
        found=found,
        asked=asked,
        pages=(found.total + PAGE - 1) // PAGE if found else 0,
        kinds=KINDS,
        gateways=transaction_filters.GATEWAYS,
        errors=asked.problems,
        values=asked.values,
    )


async def _refund_page(page: DashboardContext, payment_id: int, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.SERVE_CUSTOMERS)
    payment = await history.payment_of(page.session, me.merchant.id, payment_id)
    if payment is None:
        raise NotFound("Transaction not found")
    return page.render(
        "transactions_refund.html",
        status,
        payment=payment,
        left=Money(payment.amount - payment.refunded, payment.currency),
        attempt=uuid.uuid4().hex,
        **values,
    )


@router.get(f"{HERE}/{{payment_id}}/refund")
async def refund_form(page: Dashboard, payment_id: Id) -> Response:
    return await _refund_page(page, payment_id)


MAX_DIGITS = 15  # more than any payment's amount, fewer than overflow a database's integer


def _amount(text: str, payment: Payment) -> int | None:
    """The amount typed in the payment's currency, in minor units (None: all that is left)."""
    if not text.strip():
        return None
    try:
        typed = Decimal(text.strip())
        if not typed.is_finite() or typed.adjusted() >= MAX_DIGITS:
            raise ValueError(text)
        return Money.from_decimal(typed, payment.currency).amount
    except (InvalidOperation, ValueError):
        raise InvalidInput({"amount": f"Give an amount in {payment.currency}, such as 2.50"}) from None


@router.post(f"{HERE}/{{payment_id}}/refund")
async def refund(page: Dashboard, payment_id: Id, sessions: OwnTransactions) -> Response:
    me = page.require(Permission.SERVE_CUSTOMERS)
    form = await page.check_form()
    payment = await history.payment_of(page.session, me.merchant.id, payment_id)
    if payment is None:
        raise NotFound("Transaction not found")
    attempt = form.get("attempt", "").strip()[:64] or uuid.uuid4().hex
    try:
        made = await refunds.refund_payment(
            sessions,
            page.request.app.state.gateways,
            me.merchant.id,
            payment_id,
            amount=_amount(form.get("amount", ""), payment),
            reason=form.get("reason", ""),
            idempotency_key=f"dashboard:{me.member.id}:{attempt}",
        )
    except InvalidInput as refused:
        shown = {name if name in REFUND_FIELDS else "form": message for name, message in refused.errors.items()}
        return await _refund_page(page, payment_id, 422, errors=shown, values=form)
    done = Money(made.amount, made.currency)
    page.audit_as("Refunded a payment", f"payment {payment_id}: {done.as_decimal()} {done.currency}")
    told = "refunded" if made.status == RefundStatus.SUCCEEDED else "refund_pending"
    return page.redirect(f"{PATH}/customers/{payment.customer_id}?told={told}")
