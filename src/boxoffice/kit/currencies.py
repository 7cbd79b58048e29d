"""Currencies as maintained libraries know them: ISO 4217's list of current currencies and their minor units
(the `iso4217` package, ISO's own table), and which currency a country uses on a day (CLDR, through `babel`).

Nothing here is typed in by hand: a new currency (XCG for the Antillean guilder, in 2025), a withdrawn one (BGN,
once Bulgaria took the euro on 1 January 2026) or a country's change of currency arrives with a newer package.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

import iso4217
from babel.core import get_global
from babel.numbers import get_currency_precision

# ISO's table also lists what no price is set in: funds (BOV, USN …, flagged IsFund), metals, the test and
# "no currency" codes (their country is a "ZZ" placeholder) and units of account without minor units (XDR, XSU).
_NOT_A_COUNTRY = "ZZ"


def _iso_table() -> dict[str, int]:
    found: dict[str, int] = {}
    for entry in iso4217.raw_xml.findall("CcyTbl/CcyNtry"):
        code, name, country, units = (entry.find(tag) for tag in ("Ccy", "CcyNm", "CtryNm", "CcyMnrUnts"))
        if code is None or code.text is None or name is None or country is None or units is None:
            continue  # a country without a currency of its own (Antarctica)
        if name.get("IsFund") == "true" or (country.text or "").startswith(_NOT_A_COUNTRY):
            continue
        if (units.text or "").strip().isdigit():
            found[code.text.strip()] = int((units.text or "").strip())
    return found


def _used_in_territories(table: Mapping[str, list[tuple[str, Any, Any, bool]]], *, ended: bool) -> frozenset[str]:
    return frozenset(
        code
        for territory, rows in table.items()
        if territory != _NOT_A_COUNTRY
        for code, _since, until, tender in rows
        if not ended or (tender and until is not None)
    )


# CLDR places each currency in the territories that use it; a code ISO lists that belongs to no territory is an
# organisation's unit of account (XAD, the Arab Monetary Fund's dinar), not money a viewer pays in.
_TERRITORY_CURRENCIES: Mapping[str, list[tuple[str, Any, Any, bool]]] = get_global("territory_currencies")
_PLACED = _used_in_territories(_TERRITORY_CURRENCIES, ended=False)
MINOR_UNITS: dict[str, int] = {code: units for code, units in _iso_table().items() if code in _PLACED}
IN_USE: frozenset[str] = frozenset(MINOR_UNITS)
# A country's legal tender once, and no longer: what an amount stored before its withdrawal may be in.
WITHDRAWN: frozenset[str] = _used_in_territories(_TERRITORY_CURRENCIES, ended=True) - IN_USE


def in_use(code: str | None) -> bool:
    """A three-letter upper-case ISO 4217 code of a currency in use today."""
    return code is not None and code in IN_USE


@cache
def exponent(code: str) -> int:
    """Decimal places of the currency's minor unit: ISO's for a current currency; for a withdrawn one, which
    prices stored before its withdrawal still name, CLDR's (ISO's current table no longer lists it)."""
    return MINOR_UNITS[code] if code in MINOR_UNITS else get_currency_precision(code)


def is_known(code: str | None) -> bool:
    """A currency in use or withdrawn: what an amount already stored may be in."""
    return code is not None and (code in IN_USE or code in WITHDRAWN)


def successor(code: str) -> str | None:
    """The current currency that took over from a withdrawn one where it was last used (BGN → EUR, ANG → XCG)."""
    if in_use(code):
        return None
    endings = [
        (until, territory)
        for territory, rows in _TERRITORY_CURRENCIES.items()
        for used, _since, until, tender in rows
        if used == code and until is not None and tender
    ]
    if not endings:
        return None
    _until, territory = max(endings)
    later = [(since, used) for used, since, _to, tender in _TERRITORY_CURRENCIES[territory] if tender and in_use(used)]
    return max(later)[1] if later else None


def of_country(alpha2: str, on: date) -> str | None:
    """The currency a country's prices are in on a day: its legal tender then (the newer one while two circulate,
    as the euro and the lev did in January 2026); None for a code of no country, or of one without a currency."""
    current: list[tuple[tuple[int, int, int], str]] = []
    for used, since, until, tender in _TERRITORY_CURRENCIES.get(alpha2.upper(), []):
        started = since is None or date(*since) <= on
        running = until is None or on <= date(*until)
        if tender and started and running:
            current.append((since or (1, 1, 1), used))
    return max(current)[1] if current else None
