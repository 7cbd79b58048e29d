"""Customers: found by e-mail, name or id; a customer's page with what they hold, pay and how they sign in; and
what the team does for them there (grant or revoke access, cancel a subscription, send a password e-mail, erase)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Path
from starlette.responses import Response

from boxoffice.access import service as access
from boxoffice.billing import customer_record, erasure, plan_switch, receipts, subscriptions
from boxoffice.billing.models import FINISHED
from boxoffice.identity import customers, recovery
from boxoffice.kit import base_url
from boxoffice.kit.errors import InvalidInput, Missing, NotFound
from boxoffice.kit.validation import whole_number
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/customers"
PAGE = 25
Id = Annotated[int, Path(ge=1, le=2**53)]


def _page_number(page: DashboardContext) -> int:
    return min(whole_number(page.request.query_params.get("page")) or 0, 100_000)


@router.get(HERE)
async def search(page: Dashboard) -> Response:
    me = page.require(Permission.READ_CUSTOMERS)
    text = page.request.query_params.get("q", "")
    number = _page_number(page)
    total, found = await customers.find_customers(page.session, me.merchant, text, page=number, limit=PAGE)
    pages = (total + PAGE - 1) // PAGE
    told = page.request.query_params.get("told", "")
    return page.render("customers.html", customers=found, total=total, q=text, page=number, pages=pages, told=told)


async def _shown(page: DashboardContext, customer_id: int, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.READ_CUSTOMERS)
    record = await customer_record.describe_customer(page.session, me.merchant, customer_id)
    told = page.request.query_params.get("told", "")
    return page.render(
        "customer.html",
        status,
        record=record,
        told=told,
        finished=FINISHED,
        switchable=plan_switch.SWITCHABLE,
        **values,
    )


@router.get(f"{HERE}/{{customer_id}}")
async def customer(page: Dashboard, customer_id: Id) -> Response:
    return await _shown(page, customer_id)


@router.get(f"{HERE}/{{customer_id}}/receipts/{{payment_id}}")
async def receipt(page: Dashboard, customer_id: Id, payment_id: Id) -> Response:
    me = page.require(Permission.READ_CUSTOMERS)
    found = await receipts.load_receipt(page.session, me.merchant.id, customer_id, payment_id)
    number = f"{me.merchant.id}-{payment_id}"
    return page.finish(
        Response(
            await receipts.receipt_pdf(found, number),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="receipt-{number}.pdf"'},
        )
    )


def _day(text: str) -> date | None:
    """A day written as the date field sends it (YYYY-MM-DD); None if it isn't one."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _grant_of(form: dict[str, str]) -> tuple[int, date]:
    """The item and the last day of access the grant's form asks for."""
    item_id, last_day = whole_number(form.get("item_id", "").strip()), _day(form.get("expires_on", ""))
    problems: dict[str, str] = {}
    if item_id is None:
        problems["item_id"] = "Give the id of one of your items"
    if last_day is None or last_day == date.max:
        problems["expires_on"] = "Give the last day of access, such as 2031-12-31"
    if problems or item_id is None or last_day is None:
        raise InvalidInput(problems)
    return item_id, last_day


@router.post(f"{HERE}/{{customer_id}}/access")
async def grant(page: Dashboard, customer_id: Id) -> Response:
    me = page.require(Permission.SERVE_CUSTOMERS)
    form = await page.check_form()
    try:
        item_id, last_day = _grant_of(form)
        # Access runs to the end of the last day (UTC).
        until = datetime.combine(last_day, time()) + timedelta(days=1)
        granted = await access.grant_access_by_merchant(
            page.session, me.merchant, customer_id, item_id, expires_at=until, price_id=None
        )
    except InvalidInput as refused:
        fields = {"expires_at": "expires_on"}
        shown = {fields.get(name, name): message for name, message in refused.errors.items()}
        return await _shown(page, customer_id, 422, errors=shown, values=form)
    except NotFound as refused:
        if refused.what != Missing.PRODUCT:
            raise
        return await _shown(page, customer_id, 422, errors={"item_id": "You have no item of this id"}, values=form)
    page.audit_as("Granted access", f"customer {customer_id} to item {granted.product.id} until {last_day}")
    return page.redirect(f"{HERE}/{customer_id}?told=granted")


@router.post(f"{HERE}/{{customer_id}}/access/{{item_id}}/revoke")
async def revoke(page: Dashboard, customer_id: Id, item_id: Id) -> Response:
    me = page.require(Permission.SERVE_CUSTOMERS)
    await page.check_form()
    await access.revoke_access(page.session, me.merchant, customer_id, item_id)
    page.audit_as("Revoked access", f"customer {customer_id} to item {item_id}")
    return page.redirect(f"{HERE}/{customer_id}?told=revoked")


@router.post(f"{HERE}/{{customer_id}}/subscriptions/{{subscription_id}}/cancel")
async def cancel(page: Dashboard, customer_id: Id, subscription_id: Id) -> Response:
    me = page.require(Permission.SERVE_CUSTOMERS)
    form = await page.check_form()
    now = form.get("when") == "now"
    try:
        await subscriptions.cancel_subscription(
            page.session, me.merchant.id, subscription_id, customer_id=customer_id, immediately=now
        )
    except InvalidInput as refused:
        return await _shown(page, customer_id, 422, errors={f"subscription-{subscription_id}": refused.message})
    wording = "at once" if now else "at the end of its period"
    page.audit_as("Cancelled a subscription", f"subscription {subscription_id} of customer {customer_id}, {wording}")
    return page.redirect(f"{HERE}/{customer_id}?told=cancelled")


@router.post(f"{HERE}/{{customer_id}}/password-reset")
async def password_reset(page: Dashboard, customer_id: Id) -> Response:
    me = page.require(Permission.SERVE_CUSTOMERS)
    await page.check_form()
    found = await customers.get_customer(page.session, me.merchant, customer_id)
    pages = f"{base_url.of(page.settings.public_url)}/pages/{me.merchant.uuid}"
    await recovery.request_password_reset(
        page.session,
        page.settings,
        me.merchant,
        found.email,
        link=lambda token, _address: f"{pages}/new-password?token={quote(token)}",
    )
    page.audit_as("Sent a password e-mail", f"customer {customer_id}")
    return page.redirect(f"{HERE}/{customer_id}?told=reset")


@router.get(f"{HERE}/{{customer_id}}/erase")
async def erase_form(page: Dashboard, customer_id: Id) -> Response:
    me = page.require(Permission.SERVE_CUSTOMERS)
    found = await customers.get_customer(page.session, me.merchant, customer_id)
    return page.render("customer_erase.html", customer=found)


@router.post(f"{HERE}/{{customer_id}}/erase")
async def erase(page: Dashboard, customer_id: Id) -> Response:
    me = page.require(Permission.SERVE_CUSTOMERS)
    form = await page.check_form()
    try:
        await erasure.erase_customer(page.session, me.merchant, customer_id, confirmation=form.get("confirmation"))
    except InvalidInput as refused:
        found = await customers.get_customer(page.session, me.merchant, customer_id)
        return page.render("customer_erase.html", 422, customer=found, errors=refused.errors, values=form)
    # The audit log names the customer by id only: their address is what was erased.
    page.audit_as("Erased a customer", f"customer {customer_id}")
    return page.redirect(f"{HERE}?told=erased")
