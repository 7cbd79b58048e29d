"""What the hosted pages' browser tests share: Boxoffice served for real on a free port, a merchant with a
catalogue, Chromium (Debian's) that reaches nothing but this machine, axe-core, and a screenshot of any step
that fails."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route

from tests.compat.inplayer.merchant_setup import (
    PAID,
    REGISTER_FIELDS,
    Merchant,
    access_type_id,
    add_fee,
    create_item,
    create_merchant,
    expect,
    merchant_client,
)
from tests.compat.mediastore.harness import CHROMIUM, CHROMIUM_ARGS

HERE = Path(__file__).parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
LOOPBACK = {"127.0.0.1", "localhost"}
# axe-core's impact levels that fail a page: "serious" and worse.
FAILING = {"serious", "critical"}


def axe_script() -> Path:
    """axe-core's script, installed from the committed lock file the first time (npm ci; nothing later)."""
    if not AXE.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed to install axe-core for the accessibility checks", pytrace=False)
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True, timeout=600
        )
        if result.returncode != 0:
            pytest.fail(f"npm ci failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    return AXE


def launch(driver: Any) -> Browser:
    browser: Browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    return browser


def only_this_machine(route: Route) -> None:
    """Every request not addressed to this machine is refused: the pages must need nothing from elsewhere."""
    if urlsplit(route.request.url).hostname in LOOPBACK or route.request.url.startswith(("data:", "blob:")):
        route.continue_()
    else:
        route.abort()


@dataclass
class Shop:
    """A merchant with register fields, a film (rented for 48 hours, 4.99 EUR) and a monthly subscription with a
    week's trial (9.99 EUR)."""

    base_url: str
    merchant: Merchant
    film: int
    rent: int
    monthly: int
    yearly: int

    def page(self, path: str) -> str:
        return f"{self.base_url}/pages/{self.merchant.uuid}/{path}"


def open_shop(base_url: str) -> Shop:
    merchant = create_merchant(base_url)
    with merchant_client(base_url, merchant) as http:
        for field in REGISTER_FIELDS:
            expect(http.post("/accounts/register-fields", data=field))
        film = create_item(
            http,
            item_type="html_asset",
            title="The Film",
            access_control_type_id=PAID,
            content="<p>Roll film</p>",
            plan_switch_enabled="true",
        )
        rent = add_fee(
            http,
            film["id"],
            access_type_id=str(access_type_id(http, "ppv", 48, "hour")),
            amount="4.99",
            currency="EUR",
            description="Rent for 48 hours",
        )
        monthly = add_fee(
            http,
            film["id"],
            access_type_id=str(access_type_id(http, "subscription", 1, "month")),
            amount="9.99",
            currency="EUR",
            description="Monthly pass",
            trial_period_quantity="7",
            trial_period_period="day",
        )
        yearly = add_fee(
            http,
            film["id"],
            access_type_id=str(access_type_id(http, "subscription", 1, "year")),
            amount="99.00",
            currency="EUR",
            description="Yearly pass",
        )
    return Shop(base_url, merchant, film["id"], rent["id"], monthly["id"], yearly["id"])


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """What axe-core finds wrong with the page as it is now, serious or critical only."""
    page.add_script_tag(path=str(axe_script()))
    found: dict[str, Any] = page.evaluate("async () => await axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in found["violations"]
        if v["impact"] in FAILING
    ]


class Steps:
    """Named steps of a journey; a step that fails leaves a screenshot of the page as it was, named after it."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page, self.folder = page, folder

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        try:
            yield
        except BaseException as failure:
            shot = self.folder / f"failed-{name.replace(' ', '-')}.png"
            with contextlib.suppress(Exception):
                self.page.screenshot(path=str(shot), full_page=True)
            raise AssertionError(f"step '{name}' failed (screenshot: {shot}): {failure}") from failure


def shown(violations: list[dict[str, Any]]) -> str:
    return json.dumps(violations, indent=1)
