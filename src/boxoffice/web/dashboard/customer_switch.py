"""A customer's subscription switched to another plan by the team: the plans it may switch to, and the switch made
at once, charged to the subscription's payment method."""

from __future__ import annotations

import uuid

from starlette.responses import Response

from boxoffice.billing import merchant_switch
from boxoffice.billing.models import PaymentStatus
from boxoffice.kit.errors import DomainError, InvalidInput, NotFound
from boxoffice.kit.requests import OwnTransactions
from boxoffice.kit.validation import whole_number
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.customers import Id
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/customers/{{customer_id}}/subscriptions/{{subscription_id}}/switch"


async def _shown(
    page: DashboardContext, customer_id: int, subscription_id: int, status: int = 200, **values: object
) -> Response:
    me = page.require(Permission.SERVE_CUSTOMERS)
    choice = await merchant_switch.switch_choices(page.session, me.merchant, customer_id, subscription_id)
    return page.render(
        "customer_switch.html", status, choice=choice, customer_id=customer_id, attempt=uuid.uuid4().hex, **values
    )


@router.get(HERE)
async def switch_form(page: Dashboard, customer_id: Id, subscription_id: Id) -> Response:
    return await _shown(page, customer_id, subscription_id)


@router.post(HERE)
async def switch(page: Dashboard, customer_id: Id, subscription_id: Id, sessions: OwnTransactions) -> Response:
    me = page.require(Permission.SERVE_CUSTOMERS)
    form = await page.check_form()
    price_id = whole_number(form.get("price_id", "").strip())
    attempt = form.get("attempt", "").strip()[:64] or uuid.uuid4().hex
    try:
        if price_id is None:
            raise InvalidInput({"price_id": "Choose the plan to switch to"})
        payment = await merchant_switch.switch_for_customer(
            sessions,
            page.request.app.state.gateways,
            me.merchant,
            customer_id=customer_id,
            subscription_id=subscription_id,
            price_id=price_id,
            idempotency_key=f"{customer_id}:dashboard-switch:{attempt}",
        )
    except NotFound:
        raise
    except DomainError as refused:
        problems = refused.errors if isinstance(refused, InvalidInput) else {"form": refused.message}
        shown = {"price_id" if name == "price_id" else "form": message for name, message in problems.items()}
        return await _shown(page, customer_id, subscription_id, 422, errors=shown, values=form)
    page.audit_as("Switched a subscription's plan", f"subscription {subscription_id} to price {price_id}")
    told = "switched" if payment.status == PaymentStatus.SUCCEEDED else "switch_pending"
    return page.redirect(f"{PATH}/customers/{customer_id}?told={told}")
