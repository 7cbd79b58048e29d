"""Countries as the analytics name them: ISO-3166 codes and names (from the `iso3166` package) and continents."""

from __future__ import annotations

from dataclasses import dataclass

import iso3166

# The seven-continent convention, by ISO-3166 alpha-2 code. No maintained package carries this table (CLDR's
# territory containment is not in any of ours), and it changes only when a country does.
_CONTINENTS = {
    "Africa": (
        "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW IO KE KM LR LS LY MA MG ML MR MU MW "
        "MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TF TG TN TZ UG YT ZA ZM ZW"
    ),
    "Antarctica": "AQ BV GS HM",
    "Asia": (
        "AE AF AM AZ BD BH BN BT CC CN CX CY GE HK ID IL IN IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM MN MO MV "
        "MY NP OM PH PK PS QA SA SG SY TH TJ TL TM TR TW UZ VN YE"
    ),
    "Europe": (
        "AD AL AT AX BA BE BG BY CH CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU LV MC MD ME "
        "MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK"
    ),
    "North America": (
        "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS MX NI PA PM PR SV SX "
        "TC TT US VC VG VI"
    ),
    "Oceania": "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS",
    "South America": "AR BO BR CL CO EC FK GF GY PE PY SR UY VE",
}
CONTINENT_OF = {code: name for name, codes in _CONTINENTS.items() for code in codes.split()}


@dataclass(frozen=True, slots=True)
class Country:
    alpha2: str
    alpha3: str
    numeric: int
    name: str
    continent: str


UNKNOWN = Country("", "", 0, "Unknown", "Unknown")


def country(code: str | None) -> Country:
    """The country of an alpha-2 or alpha-3 code; UNKNOWN for None (a private address) or a code of nothing."""
    if not code:
        return UNKNOWN
    try:
        found = iso3166.countries.get(code.strip().upper())
    except KeyError:
        return UNKNOWN
    return Country(found.alpha2, found.alpha3, int(found.numeric), found.name, CONTINENT_OF.get(found.alpha2, ""))


def alpha2_of(code: str) -> str | None:
    """The alpha-2 code a filter names (`MK` or `MKD`); None when it names no country."""
    found = country(code)
    return found.alpha2 or None
