"""The dashboard's overview: per currency, revenue today, over 7 and 30 days with a chart of each day, the MRR and
what moved it over the 30 days, and the refunds; the subscribers, trials and renewals in dunning. Each figure
links to the rows behind it on the subscriptions' and transactions' pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from starlette.responses import Response

from boxoffice.analytics import overview as glance
from boxoffice.analytics import revenue
from boxoffice.analytics.mrr import Movement
from boxoffice.analytics.revenue import Revenue
from boxoffice.kit import clock
from boxoffice.kit.money import Money
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.context import PATH, Dashboard
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()

CHART_WIDTH, CHART_HEIGHT, GAP = 600, 160, 4
# The movement's chart: a bar per kind of movement, labelled on its left.
MOVES_WIDTH, MOVE_HEIGHT, MOVES_LABELS = 600, 28, 110


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the day and its figure, for the bar's title and the table beside the chart


@dataclass(frozen=True, slots=True)
class Chart:
    """One currency's days as bars of an SVG, drawn on the server (the page loads no charting code)."""

    revenue: Revenue
    today: Money
    week: Money
    month: Money
    bars: list[Bar]


@dataclass(frozen=True, slots=True)
class Move:
    name: str
    amount: Money
    sign: str  # "+" adds to the MRR, "-" takes from it
    bar: Bar


@dataclass(frozen=True, slots=True)
class Recurring:
    """One currency's MRR and its movement, with the movement's bars."""

    movement: Movement
    mrr: Money
    then: Money
    net: Money
    moves: list[Move]


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    chart: Chart | None  # None: no money taken or given back in the 30 days
    recurring: Recurring | None  # None: no subscription paid in it, now or 30 days ago
    refunded: Money


def chart_of(found: Revenue) -> Chart:
    peak = max((day.net for day in found.days), default=0) or 1
    width = CHART_WIDTH / len(found.days)
    bars = []
    for at, day in enumerate(found.days):
        height = max(day.net, 0) / peak * CHART_HEIGHT
        label = f"{day.day.isoformat()}: {Money(day.net, found.currency).as_decimal()} {found.currency}"
        bars.append(Bar(at * width + GAP / 2, CHART_HEIGHT - height, width - GAP, height, label))
    return Chart(
        found,
        Money(found.today, found.currency),
        Money(found.net_over(7), found.currency),
        Money(found.net_over(revenue.DAYS), found.currency),
        bars,
    )


def recurring_of(movement: Movement) -> Recurring:
    currency = movement.currency
    moves = [
        ("New", movement.new, "+"),
        ("Expansion", movement.expansion, "+"),
        ("Contraction", movement.contraction, "-"),
        ("Churn", movement.churn, "-"),
    ]
    peak = max(amount for _, amount, _ in moves) or 1
    room = MOVES_WIDTH - MOVES_LABELS
    drawn = []
    for at, (name, amount, sign) in enumerate(moves):
        label = f"{name}: {sign}{Money(amount, currency).as_decimal()} {currency}"
        bar = Bar(MOVES_LABELS, at * MOVE_HEIGHT + GAP, amount / peak * room, MOVE_HEIGHT - 2 * GAP, label)
        drawn.append(Move(name, Money(amount, currency), sign, bar))
    return Recurring(
        movement, Money(movement.mrr, currency), Money(movement.then, currency), Money(movement.net, currency), drawn
    )


def currencies_of(found: glance.Overview) -> list[Currency]:
    charts = {item.currency: chart_of(item) for item in found.revenue}
    recurring = {item.currency: recurring_of(item) for item in found.mrr}
    refunded = found.refunded
    return [
        Currency(code, charts.get(code), recurring.get(code), Money(refunded.get(code, 0), code))
        for code in sorted(charts.keys() | recurring.keys())
    ]


def rows(page: str, **query: str) -> str:
    """The address of the rows behind a figure, on the subscriptions' or the transactions' page."""
    return f"{PATH}/{page}?{urlencode(query)}"


def since(day: date) -> str:
    return rows("transactions", since=day.isoformat())


@router.get(PATH)
async def overview(page: Dashboard) -> Response:
    me = page.require()
    if not page.can(Permission.READ_FIGURES):
        return page.redirect(f"{PATH}/customers")  # a support member's dashboard starts with the customers
    today = clock.now()
    found = await glance.overview(page.session, me.merchant.id, today)
    return page.render(
        "overview.html",
        overview=found,
        currencies=currencies_of(found),
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        moves_width=MOVES_WIDTH,
        moves_height=4 * MOVE_HEIGHT,
        moves_labels=MOVES_LABELS,
        move_height=MOVE_HEIGHT,
        links={
            "today": since(today.date()),
            "week": since(today.date() - timedelta(days=6)),
            "month": since(found.since),
            "refunds": rows("transactions", kind="refund", since=found.since.isoformat()),
            "active": rows("subscriptions", state="active"),
            "trial": rows("subscriptions", state="trial"),
            "past_due": rows("subscriptions", state="past_due"),
            "cancelled": rows("subscriptions", state="cancelled"),
        },
    )
