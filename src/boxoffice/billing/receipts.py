"""A customer's receipt for a payment that went through: what was bought, at what price, what a voucher took off,
what was charged and what was handed back since, as a one-page PDF."""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing import receipt_fonts
from boxoffice.billing import repository as repo
from boxoffice.billing.models import Payment, PaymentProfile, PaymentStatus
from boxoffice.catalog import repository as catalog_repo
from boxoffice.identity import repository as identity_repo
from boxoffice.kit.errors import NotFound
from boxoffice.kit.locales import locale_of, moment_text, money_text
from boxoffice.kit.money import Money
from boxoffice.promotions import repository as promotions_repo

if TYPE_CHECKING:
    from fpdf import FPDF

LABEL_WIDTH = 50  # mm, of the label column on an A4 page with 20 mm margins
CARD_BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover"}
# Bold, drawn with the one weight the fonts are loaded in: each glyph's outline stroked this wide (mm) as well.
BOLD_STROKE = 0.12
RULE_WIDTH = 0.2


@dataclass(frozen=True, slots=True)
class Receipt:
    payment: Payment
    merchant_name: str
    customer_name: str
    customer_email: str
    item_title: str
    access: str  # the price's description, such as "Seven days"; may be empty
    list_price: Money
    discount: Money
    voucher_code: str | None
    charged: Money
    refunded: Money
    payment_method: str
    locale: str | None  # the customer's, for the amounts and the date


async def load_receipt(session: AsyncSession, merchant_id: int, customer_id: int, payment_id: int) -> Receipt:
    """The receipt of one of the customer's own payments. Someone else's is as unknown as one that doesn't exist,
    so that payment ids can't be probed."""
    payment = await repo.payment_by_id(session, merchant_id, payment_id)
    if payment is None or payment.customer_id != customer_id:
        raise NotFound("Transaction not found")
    if payment.status != PaymentStatus.SUCCEEDED:
        raise NotFound("Only a payment that went through has a receipt")
    merchant = await identity_repo.merchant_by_id(session, merchant_id)
    customer = await identity_repo.customer_by_id(session, merchant_id, customer_id)
    product = await catalog_repo.product_by_id(session, merchant_id, payment.product_id)
    price = await catalog_repo.price_by_id(session, merchant_id, payment.price_id) if payment.price_id else None
    voucher = (
        await promotions_repo.voucher_by_id(session, merchant_id, payment.voucher_id)
        if payment.voucher_id is not None
        else None
    )
    profile = await repo.profile(session, merchant_id, customer_id, payment.gateway)
    currency = payment.currency
    return Receipt(
        payment=payment,
        merchant_name=merchant.full_name if merchant is not None else "",
        customer_name=customer.full_name if customer is not None else "",
        customer_email=customer.email if customer is not None else "",
        item_title=product.title if product is not None else f"Item {payment.product_id}",
        access=price.description if price is not None else "",
        # The price may have changed since: what was asked then is what was charged plus what was taken off.
        list_price=Money(payment.amount + payment.discount, currency),
        discount=Money(payment.discount, currency),
        voucher_code=voucher.code if voucher is not None else None,
        charged=Money(payment.amount, currency),
        refunded=Money(await repo.refunded_total(session, merchant_id, payment.id), currency),
        payment_method=payment_method(payment, profile),
        locale=customer.locale if customer is not None else None,
    )


def payment_method(payment: Payment, profile: PaymentProfile | None) -> str:
    """The profile holds the customer's default card today; it describes this payment only if it is the card
    that was charged."""
    if payment.amount == 0:
        return "None (nothing was charged)"
    if profile is None or not profile.method_token or profile.method_token != payment.gateway_method:
        return "Card"
    brand = CARD_BRANDS.get((profile.card_brand or "").lower(), "")
    ending = f"ending in {profile.card_last4}" if profile.card_last4 else ""
    details = " ".join(part for part in (brand, ending) if part)
    return f"Card ({details})" if details else "Card"


def printable(text: str) -> str:
    """`text` with line and paragraph breaks and control characters as spaces: a value is one line of the page."""
    return "".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in text)


def render_receipt(receipt: Receipt, number: str) -> bytes:
    """The receipt as a PDF; the same receipt always renders to the same bytes. Amounts and the date are in the
    customer's locale; names in any script print, in the fonts of `receipt_fonts`."""
    issued = receipt.payment.created_at.replace(tzinfo=UTC)
    # Imported here: the PDF library costs every process that imports billing some 30 MB, and receipts are rare.
    from fpdf import FPDF

    merchant = printable(receipt.merchant_name) or "Receipt"
    customer = printable(receipt.customer_name).strip()
    billed_to = f"{customer} <{receipt.customer_email}>" if customer else receipt.customer_email
    rows = [
        ("Receipt number", number),
        ("Date", moment_text(issued, receipt.locale)),
        ("Billed to", billed_to),
        ("Payment method", receipt.payment_method),
    ]
    item = [("Item", printable(receipt.item_title))]
    if receipt.access.strip():
        item.append(("Access", printable(receipt.access)))
    item.append(("Currency", receipt.charged.currency))
    amounts = _amounts(receipt)

    pdf = FPDF(format="A4")
    receipt_fonts.set_up(pdf, [merchant, *(value for _, value in rows + item), *(a[1] for a in amounts)])
    pdf.set_margins(20, 20, 20)
    pdf.set_creation_date(issued)  # not the wall clock, so rendering again gives the same file
    pdf.set_title(f"Receipt {number}")
    pdf.set_author(merchant)
    language = locale_of(receipt.locale)
    pdf.set_lang(str(language).replace("_", "-") if language else "en")
    pdf.add_page()

    with _bold(pdf):
        pdf.set_font(receipt_fonts.FAMILY, "", 18)
        pdf.multi_cell(0, 9, merchant, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=13)
    pdf.cell(0, 8, "Receipt", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    pdf.set_font(size=10)
    for label, value in rows:
        _row(pdf, label, value)
    _rule(pdf)
    for label, value in item:
        _row(pdf, label, value)
    _rule(pdf)
    for label, value, bold in amounts:
        _amount(pdf, label, value, bold=bold)
    _rule(pdf)

    pdf.set_font(size=8)
    pdf.multi_cell(0, 4, f"Thank you for your purchase. Issued by {merchant}.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


async def receipt_pdf(receipt: Receipt, number: str) -> bytes:
    """`render_receipt` off the event loop: shaping and embedding fonts take a while, a CJK one a second or so."""
    return await asyncio.to_thread(render_receipt, receipt, number)


def _amounts(receipt: Receipt) -> list[tuple[str, str, bool]]:
    """The amount lines: label, amount in the customer's locale, whether it is a total (bold)."""
    locale, currency = receipt.locale, receipt.charged.currency
    lines = [("List price", money_text(receipt.list_price, locale), False)]
    if receipt.discount.amount:
        label = f"Voucher discount ({receipt.voucher_code})" if receipt.voucher_code else "Voucher discount"
        lines.append((label, money_text(Money(-receipt.discount.amount, currency), locale), False))
    lines.append(("Amount charged", money_text(receipt.charged, locale), True))
    if receipt.refunded.amount:
        lines.append(("Amount refunded", money_text(Money(-receipt.refunded.amount, currency), locale), False))
        net = Money(receipt.charged.amount - receipt.refunded.amount, currency)
        lines.append(("Net amount paid", money_text(net, locale), True))
    return lines


@contextmanager
def _bold(pdf: FPDF, bold: bool = True) -> Iterator[None]:
    from fpdf.enums import TextMode

    if bold:
        pdf.text_mode = TextMode.FILL_STROKE
        pdf.set_line_width(BOLD_STROKE)
    try:
        yield
    finally:
        pdf.text_mode = TextMode.FILL
        pdf.set_line_width(RULE_WIDTH)


def _row(pdf: FPDF, label: str, value: str) -> None:
    with _bold(pdf):
        pdf.cell(LABEL_WIDTH, 6, label)
    pdf.multi_cell(0, 6, printable(value), new_x="LMARGIN", new_y="NEXT")


def _amount(pdf: FPDF, label: str, value: str, *, bold: bool = False) -> None:
    with _bold(pdf, bold):
        pdf.cell(pdf.epw - LABEL_WIDTH, 7, printable(label))
        pdf.cell(LABEL_WIDTH, 7, value, align="R", new_x="LMARGIN", new_y="NEXT")


def _rule(pdf: FPDF) -> None:
    pdf.ln(2)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(3)
