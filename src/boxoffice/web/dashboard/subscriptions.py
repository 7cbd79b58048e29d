"""Subscriptions: every customer's, filtered by state, item, the days they started, country and gateway, a page at a
time."""

from __future__ import annotations

from starlette.responses import Response

from boxoffice.billing import listings
from boxoffice.billing.models import NOT_STARTED, RUNNING, SubscriptionStatus
from boxoffice.kit.errors import InvalidInput
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard import transaction_filters
from boxoffice.web.dashboard.context import PATH, Dashboard
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/subscriptions"
PAGE = 50
# The states the list offers (the overview's figures link to these words), and the statuses each stands for.
STATES = {
    "running": RUNNING,
    "active": (SubscriptionStatus.ACTIVE,),
    "trial": (SubscriptionStatus.TRIALING,),
    "past_due": (SubscriptionStatus.PAST_DUE,),
    "cancelled": (SubscriptionStatus.CANCELED,),
    "ended": (SubscriptionStatus.ENDED,),
    "incomplete": NOT_STARTED,
}
STATE_OPTIONS = [
    ("", "Any state"),
    ("running", "Running (cancelled or not)"),
    ("active", "Active"),
    ("trial", "In a trial"),
    ("past_due", "Past due"),
    ("cancelled", "Cancelled, to end"),
    ("ended", "Ended"),
    ("incomplete", "Never started"),
]


@router.get(HERE)
async def subscriptions(page: Dashboard) -> Response:
    me = page.require(Permission.READ_CUSTOMERS)
    asked = transaction_filters.read(page.request.query_params, "state")
    state = asked.values["state"]
    if state and state not in STATES:
        asked.problems["state"] = "Choose a state from the list"
    found = None
    if not asked.problems:
        filters = listings.SubscriptionsFilter(
            customer_id=asked.customer,
            statuses=STATES.get(state),
            product_id=asked.item,
            country_code=asked.country,
            gateway=asked.gateway,
            since=asked.since,
            until=asked.until,
        )
        try:
            found = await listings.find_subscriptions(
                page.session, me.merchant.id, filters, page=asked.page, limit=PAGE
            )
        except InvalidInput as refused:
            asked.problems.update(refused.errors)
    return page.render(
        "subscriptions.html",
        422 if asked.problems else 200,
        found=found,
        asked=asked,
        pages=(found.total + PAGE - 1) // PAGE if found else 0,
        states=STATE_OPTIONS,
        gateways=transaction_filters.GATEWAYS,
        errors=asked.problems,
        values=asked.values,
    )
