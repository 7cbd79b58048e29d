"""A card as the pages' forms take it: the fields, and what each must look like before the gateway judges it."""

from __future__ import annotations

import re

from boxoffice.gateways.protocol import Card
from boxoffice.kit.errors import InvalidInput

CARD_FIELDS = ("card_name", "number", "exp_month", "exp_year", "cvv")


def card_of(form: dict[str, str]) -> Card:
    """The card typed into the form, each field checked for what it must look like; the gateway judges the rest."""
    problems: dict[str, str] = {}
    number = re.sub(r"[\s-]", "", form.get("number", ""))
    if not re.fullmatch(r"[0-9]{12,19}", number):
        problems["number"] = "Enter the card number"
    holder = form.get("card_name", "").strip()
    if not holder or len(holder) > 250:
        problems["card_name"] = "Enter the name on the card"
    month, year = form.get("exp_month", "").strip(), form.get("exp_year", "").strip()
    if not month.isdigit() or not 1 <= int(month) <= 12:
        problems["exp_month"] = "Enter the expiry month, 1 to 12"
    if not year.isdigit() or len(year) not in (2, 4):
        problems["exp_year"] = "Enter the expiry year"
    cvv = form.get("cvv", "").strip()
    if not re.fullmatch(r"[0-9]{3,4}", cvv):
        problems["cvv"] = "Enter the security code"
    if problems:
        raise InvalidInput(problems)
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    return Card(number, int(month), full_year, cvv, holder)
