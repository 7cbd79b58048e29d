"""The official InPlayer JS SDK (npm @inplayer-org/inplayer.js 3.13.33), run by Node against a live server.

This file is the harness: it starts a real SMTP server with an HTTP mailbox in front of it, the Boxoffice app
under uvicorn on a free port (its job worker in-process, so e-mail really goes out), creates a merchant with
register fields and feature flags over HTTP, and runs `node --test accounts.test.cjs`, which does the talking
through the SDK.
"""

from __future__ import annotations

import asyncio
import base64
import email
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller

from boxoffice.app import create_app
from boxoffice.db import create_engine
from boxoffice.models import Base
from boxoffice.settings import Settings

HERE = Path(__file__).parent
NODE = shutil.which("node")
NPM = shutil.which("npm")
NODE_TIMEOUT = 300
MIN_NODE_MAJOR = 20  # global fetch, FormData and Response, and `node --test`


def _node_major() -> int:
    version = subprocess.run([NODE or "node", "--version"], capture_output=True, text=True, check=True).stdout
    return int(version.strip().lstrip("v").split(".")[0])


def _missing_node() -> str | None:
    if NODE is None or NPM is None:
        return "node and npm are not on PATH; the InPlayer JS SDK compat suite needs both"
    if (major := _node_major()) < MIN_NODE_MAJOR:
        return f"the InPlayer JS SDK compat suite needs Node {MIN_NODE_MAJOR}+, found {major}"
    return None


# What the merchant sets up before the SDK runs; accounts.test.cjs asserts exactly these.
REGISTER_FIELDS: list[dict[str, str]] = [
    {
        "name": "country",
        "label": "Country",
        "type": "country",
        "required": "false",
        "default_value": "",
        "placeholder": "Where do you live?",
        "options[MK]": "North Macedonia",
        "options[DE]": "Germany",
    },
    {
        "name": "terms",
        "label": "https://publisher.example.com/terms",
        "type": "checkbox",
        "required": "true",
        "default_value": "",
        "placeholder": "I accept the terms",
    },
]
FEATURE_FLAGS = {"live_chat": True, "downloads": False}


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


@contextmanager
def serving(settings: Settings, port: int) -> Iterator[None]:
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="boxoffice-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:  # the server reports when it listens; wait for exactly that, bounded
        if not thread.is_alive():
            pytest.fail("the Boxoffice server exited while starting; its log is above")
        if time.monotonic() > deadline:
            pytest.fail("the Boxoffice server did not start listening within 30 s")
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture
def boxoffice(migrated_database_url: str, mail: Mail) -> Iterator[str]:
    """The base URL of a running Boxoffice whose e-mail goes over SMTP to `mail`."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=migrated_database_url,
        smtp_url=f"smtp://127.0.0.1:{mail.smtp_port}",
        public_url=base_url,
        worker_in_process=True,
    )
    try:
        with serving(settings, port):
            yield base_url
    finally:
        empty_database(migrated_database_url)


def empty_database(database_url: str) -> None:
    """The migrated database is shared by the whole session: leave it as empty as the other tests do."""

    async def delete_all_rows() -> None:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as connection:
                for table in reversed(Base.metadata.sorted_tables):
                    await connection.execute(table.delete())
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:  # a loop of its own, clear of pytest-asyncio's
        pool.submit(asyncio.run, delete_all_rows()).result()


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


def set_up_merchant(base_url: str) -> str:
    """A merchant with the register fields and feature flags the SDK suite expects; returns its uuid."""
    password = "publisher pass 1"
    with httpx.Client(base_url=base_url, timeout=30) as http:
        signed_up = http.post(
            "/accounts",
            data={
                "type": "merchant",
                "full_name": "Compat Publisher",
                "email": f"publisher.{uuid.uuid4().hex[:10]}@example.com",
                "password": password,
                "password_confirmation": password,
            },
        )
        assert signed_up.status_code == 200, signed_up.text
        body = signed_up.json()
        assert body["access_token"] and body["refresh_token"] and body["expires"], body
        http.headers["Authorization"] = f"Bearer {body['access_token']}"
        for field in REGISTER_FIELDS:
            created = http.post("/accounts/register-fields", data=field)
            assert created.is_success, created.text
        for name, enabled in FEATURE_FLAGS.items():
            flagged = http.put(f"/v2/features/{name}", data={"enabled": "true" if enabled else "false"})
            assert flagged.is_success, flagged.text
        return str(body["account"]["uuid"])


def run_node_suite(directory: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [NODE or "node", "--test", "--test-reporter=spec", "accounts.test.cjs"]
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
        pytest.fail(f"the SDK suite did not finish within {NODE_TIMEOUT} s:\n{output}")


def test_inplayer_js_sdk_accounts(sdk_dir: Path, boxoffice: str, mail: Mail) -> None:
    client_id = set_up_merchant(boxoffice)
    result = run_node_suite(
        sdk_dir,
        {
            "BOXOFFICE_BASE_URL": boxoffice,
            "BOXOFFICE_CLIENT_ID": client_id,
            "BOXOFFICE_MAILBOX_URL": mail.mailbox_url,
            "BOXOFFICE_FEATURE_FLAGS": json.dumps(FEATURE_FLAGS),
        },
    )
    if result.returncode != 0:
        output = f"{result.stdout}\n{result.stderr}".strip()
        message = f"the InPlayer SDK suite failed (node exit {result.returncode}):\n{output}"
        pytest.fail(message, pytrace=False)
