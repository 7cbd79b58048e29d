"""What can be told of a card number without asking anyone: is it one, whose is it, has it run out."""

from __future__ import annotations

from datetime import date

from boxoffice.gateways.protocol import Card, CardRejected


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def brand_of(digits: str) -> str:
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in ("34", "37"):
        return "amex"
    if "51" <= digits[:2] <= "55" or "2221" <= digits[:4] <= "2720":
        return "mastercard"
    if digits.startswith(("6011", "65")):
        return "discover"
    return "unknown"


def check_card(card: Card, today: date) -> str:
    """The card's digits, or CardRejected saying what is wrong with it."""
    digits = card.number.replace(" ", "").replace("-", "")
    if not (digits.isascii() and digits.isdigit() and 12 <= len(digits) <= 19 and luhn_valid(digits)):
        raise CardRejected("incorrect_number", "The card number is not a valid card number")
    if not 1 <= card.exp_month <= 12 or not 2000 <= card.exp_year <= 2100:
        raise CardRejected("invalid_expiry", "The card's expiry date is not valid")
    if (card.exp_year, card.exp_month) < (today.year, today.month):
        raise CardRejected("expired_card", "The card has expired")
    if not (card.cvv.isascii() and card.cvv.isdigit() and len(card.cvv) in (3, 4)):
        raise CardRejected("invalid_cvc", "The card's security code is not valid")
    return digits
