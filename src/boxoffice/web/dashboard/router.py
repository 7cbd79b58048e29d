"""Every page of the dashboard, one router per area."""

from __future__ import annotations

from fastapi import APIRouter

from boxoffice.web.dashboard import (
    account,
    analytics,
    analytics_reports,
    catalog,
    customer_switch,
    customers,
    developers,
    developers_branding,
    developers_clocks,
    developers_emails,
    developers_gateway,
    developers_restrictions,
    developers_webhooks,
    overview,
    sign_in,
    subscriptions,
    team,
    transaction_exports,
    transactions,
)

router = APIRouter()
for area in (
    sign_in,
    overview,
    account,
    team,
    catalog,
    developers,
    developers_webhooks,
    developers_emails,
    developers_clocks,
    developers_branding,
    developers_gateway,
    developers_restrictions,
    customers,
    transactions,
    analytics,
    analytics_reports,
    subscriptions,
    transaction_exports,
    customer_switch,
):
    router.include_router(area.router)
