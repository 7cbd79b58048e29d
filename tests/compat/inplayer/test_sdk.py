"""The official InPlayer JS SDK (npm @inplayer-org/inplayer.js 3.13.33), run by Node against a live server.

This file is the harness: it starts a real SMTP server with an HTTP mailbox in front of it, the Boxoffice app
under uvicorn on a free port (its job worker in-process, so e-mail really goes out and direct debits and gateway
events are settled), has a merchant set things up over HTTP (merchant_setup.py), and runs one `node --test` file
per area of the SDK, which does the talking through the SDK: accounts.test.cjs (Account), assets.test.cjs (Asset,
the purchase history, the JW site plans), payments.test.cjs (cards with 3-D Secure, iDEAL, Google and Apple Pay,
SEPA Direct Debit, PayPal, donations, gifts) and subscriptions.test.cjs (Subscription, with vouchers, plan switches
and 3-D Secure). All load harness.cjs, the Node side of this harness.
"""

from __future__ import annotations

import base64
import email
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller

from boxoffice.app import create_app
from boxoffice.kit.settings import Settings
from tests.compat.inplayer.merchant_setup import (
    FEATURE_FLAGS,
    SOCIAL_APP,
    create_merchant,
    set_up_catalog,
    set_up_merchant,
    set_up_plans,
    set_up_shop,
    set_up_stores,
)
from tests.compat.live_server import empty_database, serving
from tests.identity.oidc_provider import running_provider
from tests.stores.apple_chain import AppleChain, make_chain
from tests.stores.fake_amazon_roku import FakeAmazonRoku, running_amazon_roku
from tests.stores.fake_google_play import FakeGooglePlay, running_google_play

HERE = Path(__file__).parent
NODE = shutil.which("node")
NPM = shutil.which("npm")
NODE_TIMEOUT = 300
MIN_NODE_MAJOR = 20  # global fetch, FormData and Response, and `node --test`
# How Node's spec reporter marks a skipped test ("\ufe63 name (1ms) # reason") and its closing counts ("\u2139 pass 3").
SKIPPED_MARK, INFO_MARK = "\ufe63", "\u2139"
COUNTS = ("tests", "pass", "fail", "skipped")


def _node_major() -> int:
    version = subprocess.run([NODE or "node", "--version"], capture_output=True, text=True, check=True).stdout
    return int(version.strip().lstrip("v").split(".")[0])


def _missing_node() -> str | None:
    if NODE is None or NPM is None:
        return "node and npm are not on PATH; the InPlayer JS SDK compat suite needs both"
    if (major := _node_major()) < MIN_NODE_MAJOR:
        return f"the InPlayer JS SDK compat suite needs Node {MIN_NODE_MAJOR}+, found {major}"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- mail: a real SMTP server, and an HTTP mailbox the Node side polls -----------------------------------


class Inbox:
    """Every message the SMTP server accepted, with the envelope recipients it was accepted for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[tuple[frozenset[str], EmailMessage]] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self._messages.append((frozenset(r.lower() for r in envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [message for recipients, message in self._messages if address.lower() in recipients]


def _attachment(part: EmailMessage) -> dict[str, Any]:
    payload = part.get_payload(decode=True) or b""
    assert isinstance(payload, bytes)
    try:
        content, encoding = payload.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        content, encoding = base64.b64encode(payload).decode("ascii"), "base64"
    return {
        "filename": part.get_filename(),
        "content_type": part.get_content_type(),
        "content": content,
        "encoding": encoding,
    }


def as_json(message: EmailMessage) -> dict[str, Any]:
    body = message.get_body(("plain",))
    return {
        "subject": str(message["Subject"] or ""),
        "text": str(body.get_content()) if body is not None else "",
        "attachments": [_attachment(part) for part in message.iter_attachments()],
    }


def _mailbox_handler(inbox: Inbox) -> type[BaseHTTPRequestHandler]:
    class Mailbox(BaseHTTPRequestHandler):
        """GET /messages?to=<address> -> [{subject, text, attachments: [{filename, content_type, content}]}],
        oldest first."""

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path != "/messages":
                self.send_error(404)
                return
            address = parse_qs(url.query).get("to", [""])[0]
            body = json.dumps([as_json(m) for m in inbox.to(address)]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # polled ten times a second; not worth a log line each

    return Mailbox


@dataclass(frozen=True)
class Mail:
    smtp_port: int
    mailbox_url: str


@pytest.fixture
def mail() -> Iterator[Mail]:
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    http = ThreadingHTTPServer(("127.0.0.1", 0), _mailbox_handler(inbox))
    thread = threading.Thread(target=http.serve_forever, name="compat-mailbox", daemon=True)
    thread.start()
    try:
        yield Mail(smtp_port=smtp.port, mailbox_url=f"http://127.0.0.1:{http.server_address[1]}")
    finally:
        http.shutdown()
        http.server_close()
        thread.join(timeout=5)
        smtp.stop()


# --- the Boxoffice server --------------------------------------------------------------------------------


@dataclass
class Stores:
    """The app stores payments.test.cjs validates receipts of: Apple's root (a chain of the test's own), Google
    Play, Amazon's and Roku's services, each on a local port."""

    apple: AppleChain
    apple_root: Path
    google: FakeGooglePlay
    amazon_roku: FakeAmazonRoku


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    chain = make_chain()
    root = tmp_path_factory.mktemp("apple") / "root.cer"
    root.write_bytes(chain.root_der)
    with running_google_play() as google, running_amazon_roku() as amazon_roku:
        yield Stores(chain, root, google, amazon_roku)


@pytest.fixture
def boxoffice(migrated_database_url: str, mail: Mail, stores: Stores) -> Iterator[str]:
    """The base URL of a running Boxoffice whose e-mail goes over SMTP to `mail`."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=migrated_database_url,
        smtp_url=f"smtp://127.0.0.1:{mail.smtp_port}",
        public_url=base_url,
        worker_in_process=True,
        # The identity provider of the social sign-in tests, and the app stores, are on this machine.
        outbound_allow_private=True,
        apple_root_certificates=[str(stores.apple_root)],
        google_play_api_base=stores.google.url + "/",
        amazon_rvs_base=stores.amazon_roku.url,
        roku_api_base=stores.amazon_roku.url,
    )
    try:
        with serving(create_app(settings), port):
            yield base_url
    finally:
        empty_database(migrated_database_url)


# --- the SDK ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sdk_dir() -> Path:
    """The folder with the SDK installed: `npm ci` from the committed lock file when node_modules is missing,
    nothing (so no network) when it is there. Skips without Node, unless CI demands it with
    BOXOFFICE_REQUIRE_NODE=1."""
    if (reason := _missing_node()) is not None:
        if os.environ.get("BOXOFFICE_REQUIRE_NODE") == "1":
            pytest.fail(f"Node is required but unusable: {reason}", pytrace=False)
        print(f"SKIP tests/compat/inplayer: {reason}")
        pytest.skip(reason)
    if not (HERE / "node_modules" / "@inplayer-org" / "inplayer.js" / "package.json").is_file():
        command = [NPM or "npm", "ci", "--no-audit", "--no-fund"]
        result = subprocess.run(command, cwd=HERE, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            pytest.fail(f"npm ci failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    return HERE


def run_node_suite(directory: Path, test_file: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [NODE or "node", "--test", "--test-reporter=spec", test_file]
    try:
        return subprocess.run(
            command, cwd=directory, env=os.environ | env, capture_output=True, text=True, timeout=NODE_TIMEOUT
        )
    except subprocess.TimeoutExpired as timeout:
        # What it printed so far; bytes even with text=True on some platforms.
        output = "\n".join(
            part.decode(errors="replace") if isinstance(part, bytes) else part
            for part in (timeout.stdout or "", timeout.stderr or "")
        )
        pytest.fail(f"the SDK suite {test_file} did not finish within {NODE_TIMEOUT} s:\n{output}")


def run_sdk_suite(directory: Path, test_file: str, base_url: str, client_id: str, env: dict[str, str]) -> None:
    """Runs one SDK test file against the server; fails with Node's report when any of its tests failed. Prints
    Node's counts and the tests it skipped, with their reasons (shown by `pytest -s`, and on failure)."""
    result = run_node_suite(
        directory, test_file, {"BOXOFFICE_BASE_URL": base_url, "BOXOFFICE_CLIENT_ID": client_id} | env
    )
    output = f"{result.stdout}\n{result.stderr}".strip()
    for line in output.splitlines():
        if line.strip().startswith(SKIPPED_MARK) or line.startswith(tuple(f"{INFO_MARK} {n} " for n in COUNTS)):
            print(f"{test_file}: {line.strip()}")
    if result.returncode != 0:
        message = f"the InPlayer SDK suite {test_file} failed (node exit {result.returncode}):\n{output}"
        pytest.fail(message, pytrace=False)


def test_inplayer_js_sdk_accounts(sdk_dir: Path, boxoffice: str, mail: Mail) -> None:
    with running_provider() as provider:
        client_id, looks = set_up_merchant(boxoffice, provider.issuer)
        env = {
            "BOXOFFICE_MAILBOX_URL": mail.mailbox_url,
            "BOXOFFICE_FEATURE_FLAGS": json.dumps(FEATURE_FLAGS),
            "BOXOFFICE_LOOKS": json.dumps(looks),
            "BOXOFFICE_OIDC_ISSUER": provider.issuer,
            "BOXOFFICE_SOCIAL_APP": SOCIAL_APP,
        }
        run_sdk_suite(sdk_dir, "accounts.test.cjs", boxoffice, client_id, env)


def store_receipts(stores: Stores, sold: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A paid receipt of each store for its item, the stores told of them; and Apple's under another root."""
    now = int(time.time() * 1000)
    apple = {
        "transactionId": f"20000{now}", "originalTransactionId": f"20000{now}", "bundleId": "com.example.compat",
        "productId": sold["apple"]["product_name"], "purchaseDate": now, "originalPurchaseDate": now, "signedDate": now,
        "type": "Non-Consumable", "environment": "Sandbox", "inAppOwnershipType": "PURCHASED",
    }  # fmt: skip
    google_token, amazon_receipt, roku_transaction = f"google-{now}", f"amzn-receipt-{now}", f"roku-{now}"
    stores.google.product(
        "com.example.compat.android", sold["google-play"]["product_name"], google_token, order=f"GPA.{now}",
        bought_ms=now,
    )  # fmt: skip
    stores.amazon_roku.amazon_receipt(
        "amzn1.account.COMPAT", amazon_receipt, sold["amazon"]["product_name"], bought_ms=now
    )
    stores.amazon_roku.roku_transaction(
        roku_transaction, sold["roku"]["product_name"], bought=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    )
    return {
        "apple": stores.apple.sign(apple),
        "apple_foreign_root": make_chain("Not Apple").sign(apple | {"transactionId": f"30000{now}"}),
        "google-play": google_token,
        "amazon": amazon_receipt,
        "amazon_user_id": "amzn1.account.COMPAT",
        "roku": roku_transaction,
    }


def test_inplayer_js_sdk_payments(sdk_dir: Path, boxoffice: str, mail: Mail, stores: Stores) -> None:
    merchant = create_merchant(boxoffice)
    shop = set_up_shop(boxoffice, merchant)
    credentials = {
        "google-play": stores.google.service_account(),
        "amazon": stores.amazon_roku.amazon_secret,
        "roku": stores.amazon_roku.roku_key,
    }
    sold = set_up_stores(boxoffice, merchant, credentials)
    shop["stores"] = {"sold": sold, "receipts": store_receipts(stores, sold)}
    # The mailbox: a gift's code reaches its receiver by e-mail.
    env = {"BOXOFFICE_SHOP": json.dumps(shop), "BOXOFFICE_MAILBOX_URL": mail.mailbox_url}
    run_sdk_suite(sdk_dir, "payments.test.cjs", boxoffice, merchant.uuid, env)


def test_inplayer_js_sdk_subscriptions(sdk_dir: Path, boxoffice: str) -> None:
    merchant = create_merchant(boxoffice)
    plans = set_up_plans(boxoffice, merchant)
    run_sdk_suite(sdk_dir, "subscriptions.test.cjs", boxoffice, merchant.uuid, {"BOXOFFICE_PLANS": json.dumps(plans)})


def test_inplayer_js_sdk_assets(sdk_dir: Path, boxoffice: str) -> None:
    merchant = create_merchant(boxoffice)
    catalog = set_up_catalog(boxoffice, merchant)
    # The one merchant call made from Node is the grant between "no access" and "access" of the same asset.
    env = {"BOXOFFICE_CATALOG": json.dumps(catalog), "BOXOFFICE_MERCHANT_TOKEN": merchant.token}
    run_sdk_suite(sdk_dir, "assets.test.cjs", boxoffice, merchant.uuid, env)
