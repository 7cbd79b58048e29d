"""Signing in to the dashboard, and its overview: revenue per currency, today, over 7 and 30 days, and a chart of
each of the last 30 days."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from starlette.responses import Response

from boxoffice.analytics import revenue
from boxoffice.analytics.revenue import Revenue
from boxoffice.identity import authentication, merchants
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidCredentials, RateLimited
from boxoffice.kit.money import Money
from boxoffice.web.dashboard.context import PATH, Dashboard
from boxoffice.web.pages.refusals import TOO_MANY
from boxoffice.web.pages.routing import PageRoute

router = APIRouter(route_class=PageRoute)

WRONG = "The e-mail address or the password is wrong."
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
    if page.merchant is None:
        return page.redirect(f"{PATH}/sign-in")
    charts = [chart_of(found) for found in await revenue.revenue(page.session, page.merchant.id, clock.now())]
    return page.render("overview.html", charts=charts, width=CHART_WIDTH, height=CHART_HEIGHT)


@router.get(f"{PATH}/sign-in")
async def sign_in_form(page: Dashboard) -> Response:
    if page.merchant is not None:
        return page.redirect(PATH)
    return page.render("sign_in.html")


@router.post(f"{PATH}/sign-in")
async def sign_in(page: Dashboard) -> Response:
    form = await page.check_form()
    email = authentication.sign_in_name(form.get("email"))
    shown = {"values": {"email": form.get("email", "")}}
    try:
        await authentication.check_sign_in_rate(
            page.request.app.state.sessions, page.settings, page.client.ip_address, f"merchant:{email}"
        )
        merchant = await merchants.authenticate_merchant(page.session, email, form.get("password", ""))
        issued = await authentication.start_session(page.session, page.settings, merchant, None, page.client)
    except RateLimited:
        return page.render("sign_in.html", 429, errors={"form": TOO_MANY}, **shown)
    except InvalidCredentials:
        return page.render("sign_in.html", 401, errors={"form": WRONG}, **shown)
    page.sign_in_as(issued.access_token)
    return page.redirect(PATH)


@router.post(f"{PATH}/sign-out")
async def sign_out(page: Dashboard) -> Response:
    await page.check_form()
    if page.principal is not None:
        await authentication.sign_out(page.session, page.principal)
    page.sign_out()
    return page.redirect(f"{PATH}/sign-in")
