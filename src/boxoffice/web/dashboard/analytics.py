"""The dashboard's analytics: the seed's `/v2/analytics` figures as charts drawn on the server (SVG) — logins and
registrations per device and country, payments and refunds per method and currency over a period the member
chooses, subscriptions per state with those about to churn — each chart's figures also in a table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from starlette.responses import Response

from boxoffice.analytics import figures as analytics
from boxoffice.analytics.audience import Total
from boxoffice.analytics.payments import MoneyTotals
from boxoffice.analytics.subscriptions import SubscriptionAnalytics
from boxoffice.billing.models import SubscriptionStatus
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.money import Money
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.context import PATH, Dashboard
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()

WIDTH, ROW, LABELS, FIGURES, GAP = 600, 26, 170, 80, 4  # names on the left, each bar's figure at its end
DEFAULT_DAYS = 30  # the payments' period when none is asked for
TOP = 12  # a chart shows the largest rows; its table shows them all
STATE_NAMES = {
    SubscriptionStatus.ACTIVE: "Active",
    SubscriptionStatus.TRIALING: "In a trial",
    SubscriptionStatus.PAST_DUE: "Past due",
    SubscriptionStatus.CANCELED: "Cancelled",
    SubscriptionStatus.ENDED: "Ended unpaid",
}


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    shown: str  # the figure as the page writes it
    y: float
    width: float


@dataclass(frozen=True, slots=True)
class BarChart:
    """Horizontal bars, one per row, the largest TOP of them; `rows` holds every row for the table."""

    id: str
    title: str
    bars: list[Row]
    rows: list[tuple[str, str]]

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW


def bar_chart(id: str, title: str, items: list[tuple[str, int, str]]) -> BarChart:
    """`items`: (name, value, the value as shown), in the order to draw them."""
    peak = max((value for _, value, _ in items), default=0) or 1
    bars = [
        Row(name, shown, at * ROW + GAP / 2, value / peak * (WIDTH - LABELS - FIGURES))
        for at, (name, value, shown) in enumerate(items[:TOP])
    ]
    return BarChart(id, title, bars, [(name, shown) for name, _, shown in items])


def counted(id: str, title: str, totals: list[Total]) -> BarChart:
    return bar_chart(id, title, [(t.name, t.total, str(t.total)) for t in totals])


def by_method(id: str, title: str, totals: MoneyTotals) -> list[BarChart]:
    """How many per method; then, per currency, how much per method (amounts of two currencies share no scale)."""
    methods = sorted(totals.per_method.items(), key=lambda item: (-item[1].count, item[0]))
    charts = [bar_chart(id, title, [(method, per.count, str(per.count)) for method, per in methods])]
    currencies = sorted({currency for _, per in methods for currency in per.per_currency})
    for currency in currencies:
        amounts = [(method, per.per_currency.get(currency, 0)) for method, per in methods]
        amounts = sorted([item for item in amounts if item[1]], key=lambda item: (-item[1], item[0]))
        charts.append(
            bar_chart(
                f"{id}-{currency}",
                f"{title}: the amount in {currency} per method",
                [(method, amount, str(Money(amount, currency).as_decimal())) for method, amount in amounts],
            )
        )
    return charts


def by_state(found: SubscriptionAnalytics) -> BarChart:
    per_state = [state for group in found.groups for state in group.per_state]
    items = [(STATE_NAMES[s.state], s.total, str(s.total)) for s in per_state]
    churning = sum(s.about_to_churn for s in per_state)
    items.append(("About to churn", churning, str(churning)))
    return bar_chart("subscriptions", "Subscriptions per state", items)


def period(since: str, until: str) -> tuple[datetime | None, datetime | None]:
    """The days asked for, the last one whole: [since's start, the day after until)."""
    problems, moments = {}, {}
    for name, value, days_on in (("since", since, 0), ("until", until, 1)):
        try:
            day = date.fromisoformat(value) if value.strip() else None
            moments[name] = datetime.combine(day + timedelta(days=days_on), time()) if day else None
        except (ValueError, OverflowError):  # not a day, or the calendar's very last
            problems[name] = "A day is written as YYYY-MM-DD, such as 2026-12-31"
    if problems:
        raise InvalidInput(problems)
    return moments["since"], moments["until"]


@router.get(f"{PATH}/analytics")
async def analytics_page(page: Dashboard, since: str | None = None, until: str = "") -> Response:
    me = page.require(Permission.READ_FIGURES)
    if since is None:  # the page opened: the last 30 days; a `since` left empty asks for every day
        since = (clock.now().date() - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    values = {"since": since[:10], "until": until[:10]}
    try:
        start, end = period(since[:32], until[:32])
        found = await analytics.figures(page.session, me.merchant.id, since=start, until=end)
    except InvalidInput as refused:
        # The core words a period's end as the API names it; the form calls it `until`.
        errors = {("until" if name == "end_date" else name): text for name, text in refused.errors.items()}
        return page.render("analytics.html", 400, found=None, errors=errors, values=values)
    return page.render(
        "analytics.html",
        found=found,
        values=values,
        width=WIDTH,
        row=ROW,
        labels=LABELS,
        audience=[
            counted("logins-device", "Logins per device", found.logins.per_device),
            counted("logins-country", "Logins per country", found.logins.per_country),
            counted("registrations-device", "Registrations per device", found.registrations.per_device),
            counted("registrations-country", "Registrations per country", found.registrations.per_country),
            counted("registrations-source", "Registrations per way in", found.registrations.per_register_source),
        ],
        sales=[
            *by_method("payments", "Payments per method", found.payments.payments),
            *by_method("refunds", "Refunds per method", found.payments.refunds),
        ],
        subscriptions=by_state(found.subscriptions),
    )
