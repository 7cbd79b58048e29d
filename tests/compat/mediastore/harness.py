"""The pieces of the MediaStore SDK suite that are not tests: the page built with the SDK, the server that serves it
beside the MediaStore API on one origin, the browser, and what a publisher sets up before a customer arrives.

The SDK's `development` environment calls the API at paths relative to the page (`POST /auths`), so the page and
the API share an origin: the browser opens `http://localhost:<port>/sdk-page/`, and Boxoffice, told that
`localhost` is its MediaStore host, answers every other path on that host as MediaStore. The publisher's set-up goes
to `127.0.0.1:<port>`, where the same server speaks its merchant API.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Request, Route
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.compat.inplayer.merchant_setup import Merchant, create_merchant, expect, merchant_client

HERE = Path(__file__).parent
PAGE_PREFIX = "/sdk-page"
CHROMIUM = os.environ.get("BOXOFFICE_CHROMIUM", "/usr/bin/chromium")
# Nothing leaves the machine: the SDK's analytics and translation hosts are refused by the page's router.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "Viewer-pass-1"


def require_chromium(what: str) -> None:
    """Skip (with the reason printed) where Chromium is missing, or fail where CI demands it
    (BOXOFFICE_REQUIRE_BROWSER=1): `what` names the test that needs it."""
    if Path(CHROMIUM).is_file():
        return
    reason = f"no Chromium at {CHROMIUM} (Debian's `chromium` package)"
    if os.environ.get("BOXOFFICE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} is required but cannot run: {reason}", pytrace=False)
    print(f"SKIP {what}: {reason}")
    pytest.skip(reason)


def missing_tools() -> str | None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are not on PATH; the page is built with the SDK by npm"
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (Debian's `chromium` package)"
    return None


def build_page() -> Path:
    """`npm ci` from the committed lock file when node_modules is missing, then the page, built by Vite."""
    if not (HERE / "node_modules" / "@cleeng" / "mediastore-sdk" / "package.json").is_file():
        _npm("ci", "--no-audit", "--no-fund")
    _npm("run", "build")
    return HERE / "dist"


def _npm(*arguments: str) -> None:
    result = subprocess.run(["npm", *arguments], cwd=HERE, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.fail(f"npm {' '.join(arguments)} failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")


def with_page(boxoffice: ASGIApp, dist: Path) -> ASGIApp:
    """Boxoffice, with the built page under /sdk-page/ of every host (as a publisher's web server would put it)."""
    page = Starlette(routes=[Mount(PAGE_PREFIX, StaticFiles(directory=dist, html=True))])

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PAGE_PREFIX + "/"):
            await page(scope, receive, send)
        else:
            await boxoffice(scope, receive, send)

    return app


# --- what the publisher sets up ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shop:
    merchant: Merchant
    publisher_id: int
    free_offer: str  # a pass that costs nothing
    coupon_offer: str  # a pass bought with a 100 % coupon
    coupon: str
    monthly_offer: str  # a subscription
    yearly_offer: str  # the same item's other plan, cheaper over a year: a downgrade


def set_up_shop(base_url: str) -> Shop:
    merchant = create_merchant(base_url)
    with merchant_client(base_url, merchant) as http:
        publisher_id = int(expect(http.get("/accounts/keys"), 200)["publisher_id"])
        expect(http.put("/v2/consents/terms", data={"label": "I accept the Terms", "required": "true"}), 200)
        expect(http.put("/v2/consents/newsletter", data={"label": "Send me the newsletter", "required": "false"}), 200)
        free = _fee(http, "Trailer night", access_type_id="3", amount="0", description="Free screening")
        final = _fee(http, "Cup final", access_type_id="3", amount="12.30", description="Match pass")
        monthly, season = _fee_and_item(http, "Season", access_type_id="7", amount="9.99", description="Monthly")
        expect(http.put(f"/v2/items/{season}", data={"plan_switch_enabled": "true"}), 200)
        yearly = _fee_on(http, season, access_type_id="10", amount="99.00", description="Yearly")
        coupon = f"FREE{uuid.uuid4().hex[:6].upper()}"
        expect(http.post("/vouchers", data={"name": "On the house", "code": coupon, "discount": "100"}), 201)
    return Shop(
        merchant=merchant,
        publisher_id=publisher_id,
        free_offer=f"P{free:09d}_EU",
        coupon_offer=f"P{final:09d}_EU",
        coupon=coupon,
        monthly_offer=f"S{monthly:09d}_EU",
        yearly_offer=f"S{yearly:09d}_EU",
    )


def _fee(http: httpx.Client, title: str, **fee: str) -> int:
    return _fee_and_item(http, title, **fee)[0]


def _fee_and_item(http: httpx.Client, title: str, **fee: str) -> tuple[int, int]:
    form = {"title": title, "item_type": "html_asset", "access_control_type_id": "1", "content": "<p>on</p>"}
    item = int(expect(http.post("/v2/items", data=form), 201)["id"])
    return _fee_on(http, item, **fee), item


def _fee_on(http: httpx.Client, item: int, **fee: str) -> int:
    made = expect(http.post(f"/v2/items/{item}/access-fees", data=fee | {"currency": "EUR"}), 201)
    return int(made["id"])


@dataclass(frozen=True)
class Subscriber:
    email: str
    customer_id: int


def subscribe_by_api(base_url: str, shop: Shop, email: str) -> Subscriber:
    """A customer who took the monthly plan with a card, through the MediaStore API as an app's server would: what
    My Account then shows."""
    with httpx.Client(base_url=base_url + "/mediastore", timeout=30) as http:
        made = _envelope(http.post("/customers", json=_credentials(shop, email) | {"locale": "en_US"}))
        auth = {"Authorization": f"Bearer {made['jwt']}"}
        order = _envelope(
            http.post("/orders", json={"offerId": shop.monthly_offer, "paymentMethodId": 0}, headers=auth)
        )
        payment = _envelope(
            http.post(
                "/connectors/adyen/initial-payment",
                json={
                    "orderId": order["order"]["id"],
                    "paymentMethod": {
                        "type": "scheme",
                        "encryptedCardNumber": "test_4111111111111111",
                        "encryptedExpiryMonth": "test_03",
                        "encryptedExpiryYear": "test_2030",
                        "encryptedSecurityCode": "test_737",
                        "holderName": "Ada Viewer",
                    },
                    "browserInfo": {},
                    "returnUrl": base_url,
                },
                headers=auth,
            )
        )
        assert "action" not in payment, payment
    return Subscriber(email, int(made["customerId"]))


def give_by_api(base_url: str, shop: Shop, buyer: str, recipient: str) -> None:
    """A customer gives the coupon offer to `recipient` (a 100 % coupon, the delivery at once), through the
    MediaStore API: the recipient's e-mail then carries the code."""
    with httpx.Client(base_url=base_url + "/mediastore", timeout=30) as http:
        made = _envelope(http.post("/customers", json=_credentials(shop, buyer) | {"locale": "en_US"}))
        auth = {"Authorization": f"Bearer {made['jwt']}"}
        wanted = {"offerId": shop.coupon_offer, "buyAsAGift": True, "couponCode": shop.coupon}
        order = _envelope(http.post("/orders", json=wanted, headers=auth))["order"]
        delivery = {"deliveryDetails": {"recipientEmail": recipient, "deliveryDate": None, "personalNote": "Enjoy!"}}
        _envelope(http.patch(f"/orders/{order['id']}", json=delivery, headers=auth))
        _envelope(http.post("/payments", json={"orderId": order["id"]}, headers=auth))


def _credentials(shop: Shop, email: str) -> dict[str, Any]:
    return {"email": email, "password": PASSWORD, "publisherId": shop.publisher_id}


def _envelope(response: httpx.Response) -> Any:
    assert response.status_code == 200, f"{response.request.method} {response.request.url} -> {response.text}"
    return response.json()["responseData"]


def keep_artifacts(page: Any, name: str) -> Path:
    """A screenshot and the HTML of the page a test failed on, under artifacts/ (CI keeps the folder)."""
    folder = HERE / "artifacts"
    folder.mkdir(exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    page.screenshot(path=str(folder / f"{safe}.png"), full_page=True)
    (folder / f"{safe}.html").write_text(page.content())
    return folder / f"{safe}.png"


CONSENTS = re.compile(r"/customers/\d+/consents$")


def consents_read_after_saving(page: Page) -> None:
    """Hold the page's reads of a customer's consents while its own save of them is still on the way.

    After registering, the SDK sends `PUT /customers/{id}/consents` without waiting for it and goes on to the
    checkout, whose consents step reads them back once and never again: whichever request the server sees first
    decides whether the step asks for the terms the customer just accepted. Boxoffice answers each in order of
    arrival (a PUT is committed before it is answered); the order is the SDK's, so the test fixes it the way a
    network would, and every later step is then deterministic."""
    saving: set[Request] = set()
    held: list[Route] = []

    def route(held_route: Route) -> None:
        if held_route.request.method == "GET" and saving:
            held.append(held_route)
        else:
            held_route.fallback()

    def sent(request: Request) -> None:
        if request.method == "PUT" and CONSENTS.search(request.url):
            saving.add(request)

    def done(request: Request) -> None:
        if request in saving:
            saving.discard(request)
            while held and not saving:
                held.pop(0).fallback()

    page.on("request", sent)
    page.on("requestfinished", done)
    page.on("requestfailed", done)
    page.route(CONSENTS, route)
