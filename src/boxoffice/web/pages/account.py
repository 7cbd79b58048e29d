"""My Account: the viewer's profile and password, what they may watch, their subscriptions (cancel, take back),
their card (replace it), and their payments with a PDF receipt for each."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from boxoffice.billing import account_summary, charges, payment_methods, plan_switch, receipts, subscriptions
from boxoffice.billing.models import PaymentStatus
from boxoffice.identity import accounts, authentication
from boxoffice.kit.errors import DomainError, InvalidInput
from boxoffice.kit.requests import OwnTransactions
from boxoffice.kit.validation import MIN_PASSWORD, whole_number
from boxoffice.web.pages.cards import CARD_FIELDS, card_form, card_of
from boxoffice.web.pages.context import Page, PageContext
from boxoffice.web.pages.refusals import shown
from boxoffice.web.pages.routing import PageRoute

router = APIRouter(route_class=PageRoute)

Id = Annotated[int, Path(ge=1, le=2**53)]
PASSWORD_FIELDS = ("old_password", "password", "password_confirmation")
# What the page says once a change is made, by the `done` it is shown with.
NOTICES = {
    "profile": "Your profile is saved.",
    "password": "Your password is changed.",
    "cancelled": "The subscription is cancelled. You can watch until the end of the period you paid for.",
    "resumed": "The subscription goes on.",
    "card": "Your card is saved.",
    "switched": "Your subscription is on its new plan.",
}


async def _account_page(page: PageContext, status: int = 200, **shown: object) -> Response:
    assert page.viewer is not None
    gateway = await page.request.app.state.gateways.current(page.merchant.id)
    summary = await account_summary.summary_of(page.session, page.merchant, page.viewer, gateway)
    card = await card_form(page.session, page.merchant.id, page.request.app.state.sealer)
    page.gateway_origins = card.origins
    return page.render(
        "account.html",
        status,
        summary=summary,
        stripe_key=card.stripe_key,
        min_password=MIN_PASSWORD,
        done=page.request.query_params.get("done"),
        notices=NOTICES,
        attempt=uuid.uuid4(),
        **shown,
    )


def _signed_out(page: PageContext) -> Response:
    return page.redirect(page.url("sign-in", next="account"))


@router.get("/pages/{merchant_uuid}/account")
async def account(page: Page) -> Response:
    if page.viewer is None:
        return _signed_out(page)
    return await _account_page(page)


@router.post("/pages/{merchant_uuid}/account/profile")
async def change_profile(page: Page) -> Response:
    form = await page.check_form()
    if page.viewer is None:
        return _signed_out(page)
    try:
        await accounts.update_account(page.session, page.viewer, full_name=form.get("full_name", ""))
    except InvalidInput as refused:
        return await _account_page(page, 422, errors=shown(refused, ("full_name",)), values=form)
    return page.redirect(page.url("account", done="profile"))


@router.post("/pages/{merchant_uuid}/account/password")
async def change_password(page: Page) -> Response:
    form = await page.check_form()
    if page.viewer is None:
        return _signed_out(page)
    try:
        await accounts.change_password(
            page.session,
            page.viewer,
            old_password=form.get("old_password"),
            password=form.get("password"),
            password_confirmation=form.get("password_confirmation"),
        )
    except DomainError as refused:
        return await _account_page(page, 422, errors=shown(refused, PASSWORD_FIELDS))
    # A new password ends every session, this one too: the viewer who chose it carries on in a new one.
    issued = await authentication.start_session(page.session, page.settings, page.merchant, page.viewer, page.client)
    page.sign_in_as(issued.access_token)
    return page.redirect(page.url("account", done="password"))


@router.post("/pages/{merchant_uuid}/account/subscriptions/{subscription_id}/cancel")
async def cancel_subscription(page: Page, subscription_id: Id) -> Response:
    await page.check_form()
    if page.viewer is None:
        return _signed_out(page)
    held = await subscriptions.subscription_of(
        page.session, page.merchant.id, subscription_id, customer_id=page.viewer.id
    )
    await subscriptions.cancel(page.session, page.merchant.id, held, immediately=False)
    return page.redirect(page.url("account", done="cancelled"))


@router.post("/pages/{merchant_uuid}/account/subscriptions/{subscription_id}/resume")
async def resume_subscription(page: Page, subscription_id: Id) -> Response:
    await page.check_form()
    if page.viewer is None:
        return _signed_out(page)
    held = await subscriptions.subscription_of(
        page.session, page.merchant.id, subscription_id, customer_id=page.viewer.id
    )
    await subscriptions.resume(page.session, page.merchant.id, held)
    return page.redirect(page.url("account", done="resumed"))


@router.post("/pages/{merchant_uuid}/account/subscriptions/{subscription_id}/switch")
async def switch_plan(page: Page, subscription_id: Id, sessions: OwnTransactions) -> Response:
    form = await page.check_form()
    if page.viewer is None:
        return _signed_out(page)
    price = form.get("price_id", "")
    try:
        payment = await plan_switch.switch_plan(
            sessions,
            page.request.app.state.gateways,
            page.merchant,
            page.viewer,
            subscription_id=subscription_id,
            price_id=whole_number(price) or 0,
            idempotency_key=f"{page.viewer.id}:page-switch:{form.get('attempt', '')[:64] or uuid.uuid4()}",
            client=page.client,
        )
        declined = charges.refusal(payment)
        if declined is not None:
            raise declined
    except DomainError as refused:
        return await _account_page(page, 422, errors=shown(refused, ()))
    if payment.status == PaymentStatus.REQUIRES_ACTION and payment.redirect_url:
        return page.redirect(payment.redirect_url)
    return page.redirect(page.url("account", done="switched"))


@router.post("/pages/{merchant_uuid}/account/card")
async def replace_card(page: Page, sessions: OwnTransactions) -> Response:
    form = await page.check_form()
    if page.viewer is None:
        return _signed_out(page)
    gateway = await page.request.app.state.gateways.current(page.merchant.id)
    try:
        await payment_methods.set_default_card(
            sessions, gateway, page.merchant, page.viewer, card_of(form), form.get("currency", "")
        )
    except DomainError as refused:
        return await _account_page(page, 422, errors=shown(refused, CARD_FIELDS), values=form)
    return page.redirect(page.url("account", done="card"))


@router.get("/pages/{merchant_uuid}/account/receipts/{payment_id}")
async def receipt(page: Page, payment_id: Id) -> Response:
    if page.viewer is None:
        return _signed_out(page)
    found = await receipts.load_receipt(page.session, page.merchant.id, page.viewer.id, payment_id)
    number = f"{page.merchant.id}-{payment_id}"
    return page.finish(
        Response(
            await receipts.receipt_pdf(found, number),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="receipt-{number}.pdf"'},
        )
    )
