"""The sandbox gateway's 3-D Secure challenge page, where a viewer sent by `redirect_to_url` passes or fails it.

Visiting with `?result=success` or `?result=fail` answers it (as the page's two buttons do), then sends the
viewer on to the purchase's return URL with `payment_intent=<charge>`, where the app calls `confirmPayment`; the
worker settles the payment from the sandbox's signed event if the app never does. A setup (a way to pay kept for
later, nothing charged) returns with `setup_intent=<setup>` instead, and is finished by the app that started it.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Path, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from boxoffice.billing import gateway_events
from boxoffice.gateways.protocol import GatewayError
from boxoffice.gateways.sandbox import SandboxGateway, is_setup
from boxoffice.identity.merchants import merchant_of
from boxoffice.kit.errors import NotFound
from boxoffice.kit.locales import money_text
from boxoffice.kit.money import Money
from boxoffice.web.transactions import OwnTransactions

router = APIRouter(tags=["sandbox"])
MAX_ID = 2**53
PAGE = {"text/html": {"schema": {"type": "string"}}}

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem">
<h1>{title}</h1><p>{text}</p>{actions}</body></html>"""


def _page(title: str, text: str, actions: str = "", status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=escape(title), text=escape(text), actions=actions), status_code=status)


@router.get(
    "/sandbox/3ds/{merchant_id}/{charge_id}",
    summary="The sandbox gateway's 3-D Secure page",
    response_class=HTMLResponse,
    responses={
        200: {"description": "The challenge, or what became of it", "content": PAGE},
        303: {"description": "Answered: on to the purchase's return URL, with `payment_intent` or `setup_intent`"},
        404: {"description": "No payment to authenticate here", "content": PAGE},
    },
    openapi_extra={"security": []},
)
async def challenge(
    request: Request,
    sessions: OwnTransactions,
    merchant_id: int = Path(ge=1, le=MAX_ID),
    charge_id: str = Path(max_length=40, pattern=r"^pi_[0-9a-f]{1,37}$"),
    result: str | None = None,
) -> Response:
    """A page for people, not apps: it asks the payer to pass or fail the test bank's challenge; `?result=success`
    or `?result=fail` answers it, as its two links do. Anyone with the link may answer: it names an unguessable
    charge, as a bank's page would."""
    gateway: SandboxGateway = request.app.state.sandbox
    try:
        charge = await gateway.confirm(merchant_id, charge_id)
    except GatewayError:
        return _page("Unknown payment", "There is no payment to authenticate here.", status=404)
    if result not in ("success", "fail"):
        if charge.status != "requires_action":
            return _page("Already answered", "This payment's authentication is already complete.")
        actions = (
            '<p><a href="?result=success">Complete authentication</a></p>'
            '<p><a href="?result=fail">Fail authentication</a></p>'
        )
        if is_setup(charge):
            asked = "a way to pay kept for later payments; nothing is charged now"
        else:
            # The amount as the paying customer reads it (their stored locale).
            locale = await gateway_events.payer_locale(sessions, merchant_id, charge_id)
            asked = f"a payment of {money_text(Money(charge.amount, charge.currency), locale)}"
        return _page("Sandbox 3-D Secure", f"A test bank asks you to confirm {asked}.", actions)
    try:
        async with sessions() as session:
            merchant = await merchant_of(session, merchant_id)
    except NotFound:
        return _page("Unknown payment", "There is no payment to authenticate here.", status=404)
    payload, signature = await gateway.complete_challenge(
        merchant_id, charge_id, passed=result == "success", signing_secret=merchant.client_secret
    )
    # As a real gateway would, the sandbox tells the outcome by a signed event; the worker settles the payment
    # with it, so it goes through even if the viewer never comes back to the app.
    await gateway_events.receive_event(sessions, request.app.state.gateways, merchant, "sandbox", payload, signature)
    onward = await gateway.return_url_of(merchant_id, charge_id)
    if onward:
        return RedirectResponse(onward, status_code=303)
    return _page("Authentication answered", "You may close this page and return to the app.")
