"""PDF receipts: the SDK's `getBillingReceipt` (`GET /v2/accounting/transactions/{trxToken}/receipt`)."""

from __future__ import annotations

import io
import unicodedata
from datetime import datetime

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import update

from boxoffice.identity.models import Customer
from boxoffice.kit import clock
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


# A customer named in each script the receipt's fonts cover, and an item title mixing several.
NAMES = (
    ("boris@example.com", "Борис Пастернак", ("Борис Пастернак",)),
    ("eleni@example.com", "Ελένη Παπαδοπούλου", ("Ελένη Παπαδοπούλου",)),
    ("taro@example.com", "山田太郎", ("山田太郎",)),
    ("xiaoming@example.com", "王小明", ("王小明",)),
    ("minjun@example.com", "김민준", ("김민준",)),
    # Drawn right to left, so the words come out in the order they appear on the page.
    ("mohammed@example.com", "محمد الأحمد", ("محمد", "الأحمد")),
    ("lukasz@example.com", "Łukasz Żółć", ("Łukasz Żółć",)),
)


def _squeezed(text: str) -> str:
    """Text as compared here: pypdf's extraction spaces out glyphs as wide as CJK ones and leaks a control
    character where the text switches fonts (the PDF draws neither; a receipt's own text has no control
    characters), and gives ligatures back as drawn (NFKC: "ﬁ" → "fi")."""
    kept = (char for char in unicodedata.normalize("NFKC", text) if unicodedata.category(char) != "Cc")
    return "".join("".join(kept).split())


async def test_names_in_any_script_are_printed(server: Server, merchant: Merchant) -> None:
    for email, name, words in NAMES:
        viewer = await sign_up(server, merchant, email=email, full_name=name)
        token = await buy(server, merchant, viewer, "Caf\u00e9 \u2013 東京 Финал \ufb01nal")
        shown = _squeezed(text_of(await receipt(server, viewer, token)))
        for word in words:
            assert _squeezed(word) in shown, (name, shown)
        assert "?" not in shown
        if len(words) == 1:
            assert _squeezed(f"Billed to {name} <{email}>") in shown, shown
        # The ligature is kept as it was typed: extraction gives its letters back.
        assert _squeezed("Item Caf\u00e9 \u2013 東京 Финал final") in shown, shown


async def set_locale(server: Server, merchant: Merchant, viewer: Viewer, locale: str) -> None:
    """The locale the customer's account stores (MediaStore's registration and account update set it)."""
    async with server.app.state.sessions() as session:
        mine = (Customer.merchant_id == merchant.id, Customer.id == viewer.id)
        await session.execute(update(Customer).where(*mine).values(locale=locale))
        await session.commit()


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "de_DE",
            (
                "Date 14. März 2026, 09:30 UTC",
                "List price 15,00\u00a0€",
                "Voucher discount (TAKE250) -2,50\u00a0€",
                "Amount charged 12,50\u00a0€",
            ),
        ),
        ("ja", ("Date 2026年3月14日, 9:30 UTC", "List price €15.00", "Amount charged €12.50")),
        ("fr", ("Date 14 mars 2026, 09:30 UTC", "Amount charged 12,50\u00a0€")),
    ],
)
async def test_amounts_and_the_date_are_in_the_customers_locale(
    server: Server, merchant: Merchant, viewer: Viewer, locale: str, expected: tuple[str, ...]
) -> None:
    await set_locale(server, merchant, viewer, locale)
    await add_voucher(server, merchant, code="TAKE250", discount="", amount_off="2.50", currency="EUR")
    previous = clock.set_clock(clock.FrozenClock(datetime(2026, 3, 14, 9, 30)))
    try:
        token = await buy(server, merchant, viewer, voucher="TAKE250", amount="15.00")
    finally:
        clock.set_clock(previous)
    shown = _squeezed(text_of(await receipt(server, viewer, token)))
    for line in expected:
        assert _squeezed(line) in shown, (line, shown)


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
