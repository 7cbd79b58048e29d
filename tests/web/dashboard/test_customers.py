"""Customers over HTTP: found by e-mail, name or id; a customer's page with what they hold, pay and how they sign
in, nobody else's; and what the team does for them there, each within its role and in the audit log."""

from __future__ import annotations

import re

import pytest

from boxoffice.billing import customer_record
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Merchant, Viewer, make_merchant, sign_up
from tests.dialects.inplayer.test_payments import card_form
from tests.dialects.inplayer.test_subscriptions import YEARLY, monthly_fee, subscribe
from tests.web.dashboard.desk import Desk, invite, owner


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def buy(server: Server, merchant: Merchant, viewer: Viewer, amount: str = "4.99") -> tuple[int, int]:
    """The viewer buys a new item at `amount`: the item's id and the payment's."""
    item = (await add_item(server, merchant))["id"]
    fee = await add_fee(server, merchant, item, amount=amount)
    paid = await server.http.post("/payments", headers=viewer.auth, data=card_form(fee["id"]))
    assert paid.status_code == 200, paid.text
    history = (await server.http.get("/v2/accounting/payment-history", headers=viewer.auth)).json()
    return item, int(history["collection"][0]["transaction_token"].split("-")[1])


async def access_status(server: Server, viewer: Viewer, item: int) -> int:
    return (await server.http.get(f"/items/{item}/access", headers=viewer.auth)).status_code


async def test_customers_are_found_by_email_name_or_id_and_shown_to_their_merchant_only(
    server: Server, mailbox: Mailbox, merchant: Merchant, monkeypatch: pytest.MonkeyPatch
) -> None:
    vera = await sign_up(server, merchant, "vera@example.com", full_name="Vera Viewer")
    otto = await sign_up(server, merchant, "otto@example.com", full_name="Otto Other")
    item, payment = await buy(server, merchant, vera)
    boss = await owner(server, merchant)

    everyone = (await boss.get("/dashboard/customers")).text
    assert "2 customers." in everyone and "vera@example.com" in everyone and "otto@example.com" in everyone
    for text in ("VERA@", "Viewer", str(vera.id)):
        found = (await boss.get("/dashboard/customers", q=text)).text
        assert "1 customer." in found and "vera@example.com" in found and "otto@" not in found, text
    assert "0 customers." in (await boss.get("/dashboard/customers", q="%")).text  # literal, not a wildcard

    page = await boss.get(f"/dashboard/customers/{vera.id}")
    assert page.status_code == 200
    access = page.text.split("data-access")[1].split("</table>")[0]
    assert f'data-item="{item}"' in access and "in force" in access
    payments = page.text.split("data-payments")[1].split("</table>")[0]
    assert f'data-payment="{payment}"' in payments and "€4.99" in payments and "succeeded" in payments
    logins = page.text.split("data-logins")[1].split("</table>")[0]
    assert logins.count("<tr>") == 2  # the header and the sign-up's sign-in
    _, newer = await buy(server, merchant, vera, amount="1.00")
    monkeypatch.setattr(customer_record, "SHOWN", 1)
    newest = (await boss.get(f"/dashboard/customers/{vera.id}")).text.split("data-payments")[0]
    assert f'The newest 1: <a href="/dashboard/transactions?customer={vera.id}">all of them</a>' in newest
    every = (await boss.get("/dashboard/transactions", customer=str(vera.id))).text
    assert f'data-payment="{newer}"' in every and f'data-payment="{payment}"' in every
    monkeypatch.undo()
    receipt = await boss.get(f"/dashboard/customers/{vera.id}/receipts/{payment}")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
    assert (await boss.get(f"/dashboard/customers/{otto.id}/receipts/{payment}")).status_code == 404

    other = await make_merchant(server, "owner@other.example.com")
    ada = await sign_up(server, other, "ada@example.com")
    assert (await boss.get(f"/dashboard/customers/{ada.id}")).status_code == 404
    assert "ada@example.com" not in (await boss.get("/dashboard/customers", q="ada")).text
    assert (await boss.get("/dashboard/customers/not-a-number")).status_code == 404
    assert (await boss.get(f"/dashboard/customers/{2**60}")).status_code == 404

    analyst = await invite(server, mailbox, boss, "ann@publisher.example.com", "analyst")
    assert (await analyst.get("/dashboard/customers")).status_code == 403
    assert (await analyst.get(f"/dashboard/customers/{vera.id}")).status_code == 403
    assert (await analyst.get(f"/dashboard/customers/{vera.id}/receipts/{payment}")).status_code == 403


async def test_support_grants_and_revokes_access_and_the_viewers_next_check_is_refused(
    server: Server, mailbox: Mailbox, merchant: Merchant
) -> None:
    vera = await sign_up(server, merchant, "vera@example.com")
    item, _payment = await buy(server, merchant, vera)
    other = (await add_item(server, merchant, title="Semi final"))["id"]
    boss = await owner(server, merchant)
    support = await invite(server, mailbox, boss, "sam@publisher.example.com", "support")
    page = f"/dashboard/customers/{vera.id}"
    assert await access_status(server, vera, item) == 200

    revoked = await support.post(f"{page}/access/{item}/revoke", form_on=page)
    assert revoked.status_code == 303 and revoked.headers["location"] == f"{page}?told=revoked"
    assert await access_status(server, vera, item) == 402
    again = await support.post(f"{page}/access/{item}/revoke", form_on=page)
    assert again.status_code == 404  # nothing left to revoke

    assert await access_status(server, vera, other) == 402
    assert f'<option value="{other}">Semi final</option>' in (await support.get(page)).text  # offered by title
    for wrong, field, problem in (
        ({"item_id": "x", "expires_on": "2099-01-01"}, "item_id", "Give the id of one of your items"),
        ({"item_id": str(other), "expires_on": "soon"}, "expires_on", "Give the last day of access"),
        ({"item_id": str(other), "expires_on": "2001-01-01"}, "expires_on", "The expiry must be in the future"),
        ({"item_id": "999999", "expires_on": "2099-01-01"}, "item_id", "You have no item of this id"),
    ):
        refused = await support.post(f"{page}/access", wrong, form_on=page)
        assert refused.status_code == 422, wrong
        assert f'id="problem-{field}"' in refused.text and problem in refused.text, refused.text
    assert await access_status(server, vera, other) == 402
    granted = await support.post(f"{page}/access", {"item_id": str(other), "expires_on": "2099-12-31"}, form_on=page)
    assert granted.status_code == 303, granted.text
    assert await access_status(server, vera, other) == 200
    shown = (await support.get(page)).text.split("data-access")[1].split("</table>")[0]
    assert "2100-01-01 00:00" in shown and "grant" in shown and "revoked" in shown

    analyst = await invite(server, mailbox, boss, "ann@publisher.example.com", "analyst")
    for path, data in (
        (f"{page}/access/{other}/revoke", {}),
        (f"{page}/access", {"item_id": str(item), "expires_on": "2099-12-31"}),
    ):
        assert (await analyst.post(path, data)).status_code == 403, path
    assert await access_status(server, vera, other) == 200

    log = (await boss.get("/dashboard/audit", q="access")).text
    assert f"customer {vera.id} to item {item}" in log and "Revoked access" in log
    assert f"customer {vera.id} to item {other} until 2099-12-31" in log and "sam@publisher.example.com" in log


async def refund(desk: Desk, payment: int, amount: str) -> str:
    path = f"/dashboard/transactions/{payment}/refund"
    answer = await desk.post(path, {"amount": amount, "reason": "asked"}, form_on=path)
    return f"{answer.status_code} {answer.headers.get('location', '')} {answer.text}"


async def test_support_refunds_never_more_than_is_left_and_the_analyst_may_not(
    server: Server, mailbox: Mailbox, merchant: Merchant
) -> None:
    vera = await sign_up(server, merchant, "vera@example.com")
    item, payment = await buy(server, merchant, vera, amount="10.00")
    boss = await owner(server, merchant)
    support = await invite(server, mailbox, boss, "sam@publisher.example.com", "support")
    analyst = await invite(server, mailbox, boss, "ann@publisher.example.com", "analyst")
    form = f"/dashboard/transactions/{payment}/refund"
    assert (await analyst.get(form)).status_code == 403
    assert (await analyst.post(form, {"amount": "1.00"})).status_code == 403

    assert (await refund(support, payment, "2.50")).startswith(f"303 /dashboard/customers/{vera.id}?told=refunded")
    assert "€7.50" in (await support.get(form)).text.split("data-left")[1][:40]
    too_much = await refund(support, payment, "7.51")
    assert too_much.startswith("422") and "A refund may not be more than what is left of the payment" in too_much
    for bad in ("abc", "1.001", "-1", "0"):
        assert (await refund(support, payment, bad)).startswith("422"), bad
    assert await access_status(server, vera, item) == 200  # a partial refund leaves the access bought
    assert (await refund(support, payment, "")).startswith("303")  # all that is left
    assert await access_status(server, vera, item) == 402
    done = await refund(support, payment, "")
    assert done.startswith("422") and "already refunded in full" in done
    history = (await server.http.get("/v2/accounting/payment-history", headers=vera.auth)).json()
    assert history["collection"][0]["refunded_amount"] == 10

    other = await make_merchant(server, "owner@other.example.com")
    elsewhere = await owner(server, other)
    assert (await elsewhere.get(form)).status_code == 404
    log = (await boss.get("/dashboard/audit", q="refunded")).text
    assert f"payment {payment}: 2.50 EUR" in log and f"payment {payment}: 7.50 EUR" in log


async def test_a_subscription_is_cancelled_a_password_mail_sent_and_a_customer_erased(
    server: Server, mailbox: Mailbox, merchant: Merchant
) -> None:
    vera = await sign_up(server, merchant, "vera@example.com", full_name="Vera Viewer")
    item, fee = await monthly_fee(server, merchant)
    assert (await subscribe(server, vera, fee)).status_code == 200
    boss = await owner(server, merchant)
    page = f"/dashboard/customers/{vera.id}"
    shown = (await boss.get(page)).text
    found = re.search(r'data-subscription="(\d+)"', shown)
    assert found and "active" in shown.split("data-subscriptions")[1]
    cancel = f"{page}/subscriptions/{found.group(1)}/cancel"
    analyst = await invite(server, mailbox, boss, "ann@publisher.example.com", "analyst")
    for path, data in (
        (cancel, {"when": "now"}),
        (f"{page}/password-reset", {}),
        (f"{page}/erase", {"confirmation": "vera@example.com"}),
    ):
        assert (await analyst.post(path, data)).status_code == 403, path
    assert (await analyst.get(f"{page}/erase")).status_code == 403
    assert await access_status(server, vera, item) == 200
    assert (await boss.post(cancel, {"when": "period_end"}, form_on=page)).status_code == 303
    assert await access_status(server, vera, item) == 200  # runs to the end of the period paid
    assert (await boss.post(cancel, {"when": "now"}, form_on=page)).status_code == 303
    assert await access_status(server, vera, item) == 402
    ended = await boss.post(cancel, {"when": "now"}, form_on=page)
    assert ended.status_code == 422 and "This subscription has already ended" in ended.text
    assert (await boss.post(f"{page}/subscriptions/999999/cancel", {"when": "now"}, form_on=page)).status_code == 404

    assert (await boss.post(f"{page}/password-reset", form_on=page)).status_code == 303
    await server.run_jobs()
    mail = mailbox.last("vera@example.com").get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert f"/pages/{merchant.uuid}/new-password?token=" in mail

    wrong = await boss.post(f"{page}/erase", {"confirmation": "otto@example.com"}, form_on=f"{page}/erase")
    assert wrong.status_code == 422 and "Type the customer&#39;s e-mail address exactly" in wrong.text
    assert (await boss.get(page)).status_code == 200
    erased = await boss.post(f"{page}/erase", {"confirmation": " VERA@example.com "}, form_on=f"{page}/erase")
    assert erased.status_code == 303 and erased.headers["location"] == "/dashboard/customers?told=erased"
    assert (await boss.get(page)).status_code == 404
    assert "vera@example.com" not in (await boss.get("/dashboard/customers")).text
    assert (await server.http.get("/accounts", headers=vera.auth)).status_code == 401  # her sessions ended

    log = (await boss.get("/dashboard/audit")).text
    assert "Cancelled a subscription" in log and "at the end of its period" in log and ", at once" in log
    assert "Sent a password e-mail" in log and f"Erased a customer</td>\n  <td>customer {vera.id}" in log
    assert "vera@example.com" not in log


async def test_support_switches_a_subscription_to_another_plan_of_the_item(
    server: Server, mailbox: Mailbox, merchant: Merchant
) -> None:
    vera = await sign_up(server, merchant, "vera@example.com")
    item, monthly = await monthly_fee(server, merchant, amount="30.00")
    yearly = (await add_fee(server, merchant, item, access_type_id=YEARLY, amount="120.00", description="Yearly"))["id"]
    assert (await subscribe(server, vera, monthly)).status_code == 200
    boss = await owner(server, merchant)
    support = await invite(server, mailbox, boss, "sam@publisher.example.com", "support")
    page = f"/dashboard/customers/{vera.id}"
    found = re.search(r'href="(/dashboard/customers/\d+/subscriptions/(\d+)/switch)"', (await support.get(page)).text)
    assert found
    switch = found.group(1)
    closed = (await support.get(switch)).text
    assert "There is no plan this subscription can switch to now." in closed and "switching is off" in closed
    refused = await support.post(switch, {"price_id": str(yearly)}, form_on=switch)
    assert refused.status_code == 422 and "can&#39;t switch plans" in refused.text

    allowed = await server.http.put(f"/v2/items/{item}", headers=merchant.auth, data={"plan_switch_enabled": "true"})
    assert allowed.status_code == 200
    offered = (await support.get(switch)).text
    assert f'<option value="{yearly}">Yearly: €120.00 every 1 year (downgrade)</option>' in offered  # cheaper per day
    assert (await support.post(switch, {"price_id": ""}, form_on=switch)).status_code == 422
    switched = await support.post(switch, {"price_id": str(yearly)}, form_on=switch)
    assert switched.status_code == 303 and switched.headers["location"] == f"{page}?told=switched", switched.text
    shown = (await server.http.get("/subscriptions", headers=vera.auth)).json()["collection"][0]
    assert shown["access_fee_id"] == yearly
    again = await support.post(switch, {"price_id": str(yearly)}, form_on=switch)
    assert again.status_code == 422 and "already on this access fee" in again.text

    analyst = await invite(server, mailbox, boss, "ann@publisher.example.com", "analyst")
    assert (await analyst.get(switch)).status_code == 403
    assert (await analyst.post(switch, {"price_id": str(monthly)})).status_code == 403
    other = await owner(server, await make_merchant(server, "owner@other.example.com"))
    assert (await other.get(switch)).status_code == 404
    log = (await boss.get("/dashboard/audit", q="switched")).text
    assert f"subscription {found.group(2)} to price {yearly}" in log
