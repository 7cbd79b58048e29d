"""The ways to pay, by the names the core stores (`Payment.method`), and the checks on what identifies them."""

from __future__ import annotations

import re
import string

from boxoffice.gateways.protocol import AnyCard, BankAccount, PaymentSource

CARD, SEPA_DEBIT, IDEAL, PAYPAL, GOOGLE_PAY, APPLE_PAY = (
    "card",
    "sepa_debit",
    "ideal",
    "paypal",
    "google_pay",
    "apple_pay",
)
# iDEAL's issuing banks, by the codes Stripe and Mollie use.
IDEAL_BANKS = frozenset(
    {
        "abn_amro", "asn_bank", "bunq", "handelsbanken", "ing", "knab", "moneyou", "n26", "nn", "rabobank",
        "regiobank", "revolut", "sns_bank", "triodos_bank", "van_lanschot", "yoursafe",
    }
)  # fmt: skip
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
# Where the bank's own code sits in an IBAN, for the countries whose mandates are most common.
_BANK_CODE = {"DE": (4, 12), "AT": (4, 9), "NL": (4, 8), "BE": (4, 7), "FR": (4, 9), "ES": (4, 8), "IT": (5, 10)}


def kind_of(source: PaymentSource) -> str:
    if isinstance(source, AnyCard):
        return CARD
    if isinstance(source, BankAccount):
        return SEPA_DEBIT
    return source.kind


def normal_iban(iban: str) -> str:
    return "".join(iban.split()).upper()


def iban_is_valid(iban: str) -> bool:
    """Shape and ISO 13616 check digits (mod 97)."""
    if not _IBAN.match(iban):
        return False
    moved = iban[4:] + iban[:4]
    digits = "".join(str(string.ascii_uppercase.index(c) + 10) if c.isalpha() else c for c in moved)
    return int(digits) % 97 == 1


def bank_code(iban: str) -> str:
    start, end = _BANK_CODE.get(iban[:2], (4, 8))
    return iban[start:end]
