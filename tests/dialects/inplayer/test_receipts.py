"""PDF receipts: the SDK's `getBillingReceipt` (`GET /v2/accounting/transactions/{trxToken}/receipt`)."""

from __future__ import annotations

import io

import httpx
from pypdf import PdfReader

from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, make_merchant, sign_up
from tests.dialects.inplayer.test_payments import DECLINED, VISA, card_form, pay
from tests.dialects.inplayer.test_refunds import refund
from tests.dialects.inplayer.test_vouchers import add_voucher


async def buy(
    server: Server,
    merchant: Merchant,
    viewer: Viewer,
    title: str = "Cup final",
    *,
    number: str = VISA,
    voucher: str | None = None,
    **fee: str,
) -> str:
    """Buy a new item; the transaction token of the payment, as the viewer's payment history shows it."""
    item = await add_item(server, merchant, title=title)
    fee_id = (await add_fee(server, merchant, item["id"], **fee))["id"]
    await pay(server, viewer, card_form(fee_id, number) | ({"voucher_code": voucher} if voucher else {}))
    history = (await server.http.get("/v2/accounting/payment-history", headers=viewer.auth)).json()
    return str(history["collection"][0]["trx_token"])


async def receipt(server: Server, who: Viewer | Merchant, token: str) -> httpx.Response:
    return await server.http.get(f"/v2/accounting/transactions/{token}/receipt", headers=who.auth)


def text_of(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == 1
    return pages[0].extract_text()


async def test_a_receipt_shows_the_price_the_voucher_the_charge_and_later_refunds(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    await add_voucher(server, merchant, code="TAKE250", discount="", amount_off="2.50", currency="EUR")
    token = await buy(
        server, merchant, viewer, "Derby highlights", voucher="take250", amount="15.00", description="Two days"
    )
    first = await receipt(server, viewer, token)
    assert first.headers["content-disposition"] == f'attachment; filename="receipt-{token}.pdf"'
    shown = text_of(first)
    for expected in (
        "Publisher",  # the merchant's name
        f"Receipt number {token}",
        "Billed to Vera Viewer <viewer@example.com>",
        "Payment method Card (Visa ending in 4242)",
        "Item Derby highlights",
        "Access Two days",
        "Currency EUR",
        "List price 15.00 EUR",
        "Voucher discount (TAKE250) -2.50 EUR",
        "Amount charged 12.50 EUR",
        " UTC",
    ):
        assert expected in shown, (expected, shown)
    assert "refunded" not in shown
    # Nothing but what it shows changes a receipt: asked again, it is the same file.
    assert (await receipt(server, viewer, token)).content == first.content

    assert (await refund(server, merchant, token, amount="5.00")).status_code == 200
    shown = text_of(await receipt(server, viewer, token))
    assert "Amount charged 12.50 EUR" in shown
    assert "Amount refunded -5.00 EUR" in shown and "Net amount paid 7.50 EUR" in shown


async def test_a_currency_without_decimals_and_a_free_purchase(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    yen = await buy(server, merchant, viewer, amount="1500", currency="JPY")
    shown = text_of(await receipt(server, viewer, yen))
    assert "Amount charged 1,500 JPY" in shown and "Currency JPY" in shown and "discount" not in shown
    await add_voucher(server, merchant, code="ALLFREE", discount="100")
    free = await buy(server, merchant, viewer, voucher="ALLFREE", amount="3.00")
    shown = text_of(await receipt(server, viewer, free))
    assert "Voucher discount (ALLFREE) -3.00 EUR" in shown and "Amount charged 0.00 EUR" in shown
    assert "Payment method None (nothing was charged)" in shown


async def test_text_outside_latin1_is_drawn_in_look_alikes(server: Server, merchant: Merchant) -> None:
    viewer = await sign_up(server, merchant, email="lukasz@example.com", full_name="Łukasz Żółć")
    token = await buy(server, merchant, viewer, "Café \u2013 東京 ✨ ﬁnal")
    shown = text_of(await receipt(server, viewer, token))
    assert "Item Café - ?? ? final" in shown
    assert "Billed to Lukasz Zólc <lukasz@example.com>" in shown


async def test_only_the_buyer_gets_a_receipt_and_only_of_a_payment_that_went_through(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    token = await buy(server, merchant, viewer)
    declined = await buy(server, merchant, viewer, number=DECLINED)
    assert declined != token
    other = await sign_up(server, merchant, email="other@example.com")
    rival = await make_merchant(server, "owner@rival.example.com")
    stranger = await sign_up(server, rival, email="viewer@example.com")
    payment_id = int(token.split("-")[1])
    for who, asked in [
        (other, token),
        (stranger, token),
        (viewer, declined),
        (viewer, f"C-{payment_id}-ST"),  # the right payment, but not its token
        (viewer, "C-999999999-SB"),
    ]:
        assert_error(await receipt(server, who, asked), 404)
    assert "went through" in (await receipt(server, viewer, declined)).json()["message"]
    for malformed in ("abc", "C-abc-SB", "C-0-SB", "C-1-XX", f"R-{payment_id}-SB", "%20"):
        assert_error(await receipt(server, viewer, malformed), 422, "transaction_token")
    assert_error(await server.http.get(f"/v2/accounting/transactions/{token}/receipt"), 401)
    assert_error(await receipt(server, merchant, token), 403)
    assert (await receipt(server, viewer, token)).status_code == 200
