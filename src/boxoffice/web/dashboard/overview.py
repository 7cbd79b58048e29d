"""The dashboard's overview: revenue per currency, today, over 7 and 30 days, and a chart of each of the last 30
days."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response

from boxoffice.analytics import revenue
from boxoffice.analytics.revenue import Revenue
from boxoffice.kit import clock
from boxoffice.kit.money import Money
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.context import PATH, Dashboard
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()

CHART_WIDTH, CHART_HEIGHT, GAP = 600, 160, 4


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


@router.get(PATH)
async def overview(page: Dashboard) -> Response:
    me = page.require()
    if not page.can(Permission.READ_FIGURES):
        return page.redirect(f"{PATH}/customers")  # a support member's dashboard starts with the customers
    charts = [chart_of(found) for found in await revenue.revenue(page.session, me.merchant.id, clock.now())]
    return page.render("overview.html", charts=charts, width=CHART_WIDTH, height=CHART_HEIGHT)
