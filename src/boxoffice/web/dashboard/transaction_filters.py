"""The filters of the transactions' and the subscriptions' lists, read from the page's address: a customer, an item,
a range of days (UTC, both included), a country, a gateway and the page; each problem named by its field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from boxoffice.gateways.registry import NAMES
from boxoffice.kit.validation import whole_number

FIELDS = ("customer", "item", "since", "until", "country", "gateway")
GATEWAYS = [("", "Any gateway"), *((name, name.capitalize()) for name in NAMES)]
LAST_PAGE = 100_000


@dataclass
class Asked:
    """What the address asks for, parsed; `values` is what was typed, shown back in the form and kept by the
    pages' links."""

    values: dict[str, str]
    problems: dict[str, str] = field(default_factory=dict)
    customer: int | None = None
    item: int | None = None
    since: datetime | None = None
    until: datetime | None = None  # the start of the day after the last day asked: an open end
    country: str | None = None
    gateway: str | None = None
    page: int = 0

    @property
    def query(self) -> str:
        """The list's query, but its page: what the links to its other pages keep."""
        return urlencode({name: value for name, value in self.values.items() if value and name != "page"})


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def read(query: Mapping[str, str], *more: str) -> Asked:
    """The common filters, and the values of `more` fields (the list's own) as typed."""
    values = {name: query.get(name, "").strip()[:100] for name in (*FIELDS, *more)}
    asked = Asked(values, page=min(whole_number(query.get("page")) or 0, LAST_PAGE))
    if values["customer"]:
        asked.customer = whole_number(values["customer"])
        if asked.customer is None:
            asked.problems["customer"] = "Give the id of one of your customers"
    if values["item"]:
        asked.item = whole_number(values["item"])
        if asked.item is None:
            asked.problems["item"] = "Give the id of one of your items"
    for name in ("since", "until"):
        if values[name]:
            day = _day(values[name])
            if day is None:
                asked.problems[name] = "Give a day as 2031-12-31"
            elif name == "since":
                asked.since = datetime.combine(day, time())
            elif day < date.max:  # the last day there is bounds nothing
                asked.until = datetime.combine(day, time()) + timedelta(days=1)
    if values["country"]:
        asked.country = values["country"].upper()
        if len(asked.country) != 2 or not asked.country.isalpha():
            asked.problems["country"] = "Give a country's two letters, such as DE"
    if values["gateway"]:
        asked.gateway = values["gateway"]
        if asked.gateway not in NAMES:
            asked.problems["gateway"] = f"The gateway is one of {', '.join(NAMES)}"
    return asked
