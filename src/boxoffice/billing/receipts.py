"""A customer's receipt for a payment that went through: what was bought, at what price, what a voucher took off,
what was charged and what was handed back since, as a one-page PDF."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing import repository as repo
from boxoffice.billing.models import Payment, PaymentProfile, PaymentStatus
from boxoffice.catalog import repository as catalog_repo
from boxoffice.identity import repository as identity_repo
from boxoffice.kit.errors import NotFound
from boxoffice.kit.money import Money
from boxoffice.promotions import repository as promotions_repo

if TYPE_CHECKING:
    from fpdf import FPDF

LABEL_WIDTH = 50  # mm, of the label column on an A4 page with 20 mm margins
CARD_BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover"}
# Characters outside Latin-1 with a plain look-alike that decomposing them would not find; the rest are decomposed
# (accented letters, ligatures, full-width forms) or become "?".
_LOOKALIKES = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": ",",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2026": "...",
        "\u2022": "*",
        "\u20ac": "EUR",
        "\u0141": "L",
        "\u0142": "l",
        "\u0110": "D",
        "\u0111": "d",
        "\u0131": "i",
        "\u0152": "OE",
        "\u0153": "oe",
    }
)


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


def latin1(text: str) -> str:
    """`text` in the characters the PDF core fonts can draw (Latin-1): look-alikes, decompositions, or "?"."""
    shown: list[str] = []
    for char in text.translate(_LOOKALIKES):
        category = unicodedata.category(char)
        if category == "Cc" or category in ("Zl", "Zp"):
            shown.append(" ")
        elif category == "Cf":
            continue  # invisible marks (soft hyphens, direction marks) draw nothing anyway
        elif ord(char) < 256:
            shown.append(char)
        else:
            parts = [c for c in unicodedata.normalize("NFKD", char) if ord(c) < 256 and unicodedata.category(c) != "Mn"]
            shown.append("".join(parts) if parts else "?")
    return "".join(shown)


def formatted(money: Money) -> str:
    """1250 EUR → "12.50 EUR", 500 JPY → "500 JPY": as many decimals as the currency has."""
    return f"{money.as_decimal():,f} {money.currency}"


def render_receipt(receipt: Receipt, number: str) -> bytes:
    """The receipt as a PDF; the same receipt always renders to the same bytes."""
    issued = receipt.payment.created_at.replace(tzinfo=UTC)
    # Imported here: the PDF library costs every process that imports billing some 30 MB, and receipts are rare.
    from fpdf import FPDF

    merchant = latin1(receipt.merchant_name) or "Receipt"
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_creation_date(issued)  # not the wall clock, so rendering again gives the same file
    pdf.set_title(latin1(f"Receipt {number}"))
    pdf.set_author(merchant)
    pdf.set_lang("en")
    pdf.add_page()

    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 9, merchant, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 13)
    pdf.cell(0, 8, "Receipt", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    pdf.set_font("Helvetica", "", 10)
    customer = receipt.customer_name.strip()
    billed_to = f"{customer} <{receipt.customer_email}>" if customer else receipt.customer_email
    _row(pdf, "Receipt number", number)
    _row(pdf, "Date", _when(issued))
    _row(pdf, "Billed to", billed_to)
    _row(pdf, "Payment method", receipt.payment_method)
    _rule(pdf)

    _row(pdf, "Item", receipt.item_title)
    if receipt.access.strip():
        _row(pdf, "Access", receipt.access)
    _row(pdf, "Currency", receipt.charged.currency)
    _rule(pdf)

    _amount(pdf, "List price", formatted(receipt.list_price))
    if receipt.discount.amount:
        label = f"Voucher discount ({receipt.voucher_code})" if receipt.voucher_code else "Voucher discount"
        _amount(pdf, label, "-" + formatted(receipt.discount))
    _amount(pdf, "Amount charged", formatted(receipt.charged), bold=True)
    if receipt.refunded.amount:
        _amount(pdf, "Amount refunded", "-" + formatted(receipt.refunded))
        net = Money(receipt.charged.amount - receipt.refunded.amount, receipt.charged.currency)
        _amount(pdf, "Net amount paid", formatted(net), bold=True)
    _rule(pdf)

    pdf.set_font("Helvetica", "", 8)
    pdf.multi_cell(0, 4, f"Thank you for your purchase. Issued by {merchant}.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _row(pdf: FPDF, label: str, value: str) -> None:
    pdf.set_font(style="B")
    pdf.cell(LABEL_WIDTH, 6, label)
    pdf.set_font(style="")
    pdf.multi_cell(0, 6, latin1(value), new_x="LMARGIN", new_y="NEXT")


def _amount(pdf: FPDF, label: str, value: str, *, bold: bool = False) -> None:
    pdf.set_font(style="B" if bold else "")
    pdf.cell(pdf.epw - LABEL_WIDTH, 7, latin1(label))
    pdf.cell(LABEL_WIDTH, 7, latin1(value), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="")


def _rule(pdf: FPDF) -> None:
    pdf.ln(2)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(3)
