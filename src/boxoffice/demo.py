"""A demo tenant for a first look: a merchant, a viewer and a few priced assets. Safe to run again."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog import service as catalog
from boxoffice.catalog.access_types import BY_ID
from boxoffice.identity import accounts, merchants
from boxoffice.identity import repository as identity_repo
from boxoffice.identity.models import Merchant
from boxoffice.kit.client_info import ClientInfo, parse_device
from boxoffice.kit.money import Money
from boxoffice.web.landing import Link, Section

MERCHANT_EMAIL = "demo@example.com"
# Published on purpose: the demo tenant exists to be signed into from the README.
MERCHANT_PASSWORD = "demo-merchant-password"  # noqa: S105
VIEWER_EMAIL = "viewer@example.com"
VIEWER_PASSWORD = "demo-viewer-password"  # noqa: S105

# (title, asset type, content, [(access type id, money, description, trial days)])
DemoPrice = tuple[int, Money, str, int | None]
ASSETS: list[tuple[str, str, str, list[DemoPrice]]] = [
    (
        "Opening Night (live event)",
        "html_asset",
        "<p>The live stream starts at 20:00.</p>",
        [(2, Money(499, "USD"), "48-hour pass", None)],
    ),
    (
        "The Long Road (film)",
        "jw_asset",
        "jw-media-demo-0001",
        [
            (3, Money(299, "USD"), "7-day rental", None),
            (3, Money(299, "EUR"), "7-day rental (EUR)", None),
        ],
    ),
    (
        "Boxoffice Plus",
        "package",
        "",
        [
            (7, Money(999, "USD"), "Monthly", 7),
            (10, Money(9900, "USD"), "Yearly", None),
        ],
    ),
]


@dataclass(frozen=True)
class Demo:
    merchant: Merchant
    created: bool


async def seed_demo(session: AsyncSession, page_origins: tuple[str, ...] = ()) -> Demo:
    """The demo tenant; `page_origins` are where its publisher page is opened (`/demo/publisher`), which the
    hosted pages may then be framed by and tell what happened."""
    merchant = await identity_repo.merchant_by_email(session, MERCHANT_EMAIL)
    created = merchant is None
    if merchant is None:
        merchant = await merchants.create_merchant(
            session,
            email=MERCHANT_EMAIL,
            password=MERCHANT_PASSWORD,
            password_confirmation=MERCHANT_PASSWORD,
            full_name="Boxoffice Demo",
        )
    if await identity_repo.customer_by_email(session, merchant.id, VIEWER_EMAIL) is None:
        await accounts.register_customer(
            session,
            merchant,
            email=VIEWER_EMAIL,
            full_name="Demo Viewer",
            password=VIEWER_PASSWORD,
            password_confirmation=VIEWER_PASSWORD,
            metadata={},
            source="demo",
            client=ClientInfo(None, None, parse_device(None), None),
        )
    for title, asset_type, content, prices in ASSETS:
        if await catalog.find_product(session, merchant.id, title):
            continue
        product = await catalog.create_product(
            session, merchant.id, title=title, asset_type=asset_type, content=content
        )
        for access_type_id, money, description, trial in prices:
            await catalog.add_price(
                session,
                product,
                access_type=BY_ID[access_type_id],
                money=money,
                description=description,
                trial_days=trial,
            )
    if not set(page_origins) <= set(merchant.allowed_origins):
        await merchants.set_allowed_origins(session, merchant, [*merchant.allowed_origins, *page_origins])
    return Demo(merchant, created)


# The landing page's section on the demo: how to seed it, and how its merchant and viewer sign in.
LANDING = Section(
    key="demo",
    heading="Try the demo",
    text=(
        "The boxoffice demo command (make run runs it) seeds a merchant, a viewer and three priced assets, and"
        " prints the merchant's client_id and client_secret. The merchant signs in with its e-mail and password"
        " (no client_id) for the token the merchant API takes as an Authorization: Bearer header; the viewer signs"
        " in under the merchant's client_id."
    ),
    links=(Link("/docs#/accounts", "Sign-in in the API reference", "POST /accounts/authenticate"),),
    commands=(
        f"curl -s -d grant_type=password -d username={MERCHANT_EMAIL} -d password={MERCHANT_PASSWORD}"
        " {base}/accounts/authenticate",
        f"curl -s -d client_id=CLIENT_ID -d grant_type=password -d username={VIEWER_EMAIL}"
        f" -d password={VIEWER_PASSWORD} {{base}}/accounts/authenticate",
    ),
)
