"""The command line, as an operator uses it: create a merchant, seed the demo, serve it."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from boxoffice import demo
from boxoffice.access.playback import set_jw_secret
from boxoffice.access.playback_repository import keys_of
from boxoffice.cli import _in_transaction, app
from boxoffice.kit.sealing import SEALED, Sealer
from boxoffice.kit.settings import Settings, get_settings
from tests.served import BOXOFFICE, demo_client_id, demo_sign_in, serving


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("BOXOFFICE_DATABASE_URL", url)
    monkeypatch.setenv("BOXOFFICE_MAIL_DIR", str(tmp_path / "mail"))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_merchant_create_prints_json_and_refuses_bad_input(sqlite_env: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    created = runner.invoke(
        app,
        [
            "merchant",
            "create",
            "--email",
            "cli@example.com",
            "--password",
            "cli-password-1",
            "--name",
            "CLI Pub",
            "--json",
        ],
    )
    assert created.exit_code == 0, created.output
    merchant = json.loads(created.output)
    assert merchant["email"] == "cli@example.com" and len(merchant["uuid"]) == 36 and merchant["secret"]
    again = runner.invoke(app, ["merchant", "create", "--email", "cli@example.com", "--password", "cli-password-1"])
    assert again.exit_code == 1 and "already exists" in again.output
    short = runner.invoke(app, ["merchant", "create", "--email", "other@example.com", "--password", "short"])
    assert short.exit_code == 1 and "at least 8 characters" in short.output


def test_demo_is_idempotent(sqlite_env: str) -> None:
    runner = CliRunner()
    runner.invoke(app, ["migrate"])
    first = runner.invoke(app, ["demo"])
    second = runner.invoke(app, ["demo"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    uuid_line = next(line for line in second.output.splitlines() if "client_id" in line)
    assert uuid_line in first.output  # same merchant both times
    # Prices as printed ("4.99 USD"): the random client secret beside them may spell USD too.
    prices = re.compile(r"\d USD\b")
    assert len(prices.findall(second.output)) == len(prices.findall(first.output)) == 4


def test_serve_answers_with_the_printed_demo_credentials(tmp_path: Path) -> None:
    env = os.environ | {
        "BOXOFFICE_DATABASE_URL": f"sqlite:///{tmp_path}/serve.db",
        "BOXOFFICE_MAIL_DIR": str(tmp_path / "mail"),
    }
    subprocess.run([*BOXOFFICE, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    seeded = subprocess.run([*BOXOFFICE, "demo"], env=env, capture_output=True, text=True, timeout=120, check=True)
    client_id = demo_client_id(seeded.stdout)
    # Served as an operator would, the job worker and the migration included.
    page = re.search(
        r"paywall\.js: http://localhost:8000(/demo/publisher\?merchant=([\w-]+)&items=([\d,]+)"
        r"&publisher=\d+&offer=S\d+)",
        seeded.stdout,
    )
    assert page is not None and page.group(2) == client_id, seeded.stdout
    with serving(env) as http:
        demo_sign_in(http, client_id)
        assert demo_sign_in(http)["account"]["uuid"] == client_id
        # The demo's publisher page, as printed: every item sold through paywall.js.
        shown = http.get(page.group(1))
        assert (
            shown.status_code == 200 and "/pages/static/paywall.js" in shown.text and "/js-api/3.0/api.js" in shown.text
        )
        assert "data-cleeng-trigger" in shown.text
        assert "the dashboard: http://localhost:8000/dashboard (sign in as demo@example.com" in seeded.stdout
        assert http.get("/dashboard/sign-in").status_code == 200
        assert all(f'id="inplayer-{item}"' in shown.text for item in page.group(3).split(","))
        for item in page.group(3).split(","):
            assert http.get(f"/items/{client_id}/{item}").status_code == 200
        framed = http.get(f"/pages/{client_id}/sign-in", params={"embed": "1", "origin": "http://localhost:8000"})
        assert (
            "frame-ancestors 'self' http://127.0.0.1:8000 http://localhost:8000"
            in framed.headers["content-security-policy"]
        )


def test_secrets_are_sealed_by_reseal_once_a_key_is_set(sqlite_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    created = runner.invoke(
        app, ["merchant", "create", "--email", "keys@example.com", "--password", "cli-password-1", "--json"]
    )
    assert created.exit_code == 0, created.output
    made = json.loads(created.output)
    merchant_id = int(made["id"])
    assert len(made["publisher_token"]) == 48
    # Stored before any encryption key was configured: as it came.
    database = Settings(database_url=sqlite_env)
    _in_transaction(database, lambda s: set_jw_secret(s, merchant_id, "jw-secret-0123456789", Sealer([])))

    refused = runner.invoke(app, ["secrets", "reseal"])
    assert refused.exit_code == 2 and "BOXOFFICE_ENCRYPTION_KEYS" in refused.output
    key = runner.invoke(app, ["secrets", "new-key"]).output.strip()
    monkeypatch.setenv("BOXOFFICE_ENCRYPTION_KEYS", key)
    get_settings.cache_clear()
    resealed = runner.invoke(app, ["secrets", "reseal"])
    assert resealed.exit_code == 0, resealed.output
    # The JW secret, and the publisher token every merchant is given.
    assert "resealed 2 secret(s)" in resealed.output
    stored = _in_transaction(database, lambda s: keys_of(s, merchant_id))
    assert stored is not None and stored.jw_secret is not None
    assert stored.jw_secret.startswith(SEALED) and Sealer([key]).open(stored.jw_secret) == "jw-secret-0123456789"

    # With the key gone from the list, what it sealed can't be opened: reseal says so instead of writing garbage.
    monkeypatch.setenv("BOXOFFICE_ENCRYPTION_KEYS", runner.invoke(app, ["secrets", "new-key"]).output.strip())
    get_settings.cache_clear()
    lost = runner.invoke(app, ["secrets", "reseal"])
    assert lost.exit_code == 1 and "keep the old key" in lost.output


def test_report_exports_a_merchants_rows_to_a_file_or_the_report_storage(
    sqlite_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOXOFFICE_REPORTS_DIR", str(tmp_path / "reports"))
    get_settings.cache_clear()
    runner = CliRunner()
    runner.invoke(app, ["migrate"])
    runner.invoke(app, ["demo", "--no-history"])  # its viewer alone: the export's rows are known
    merchant_id = _in_transaction(get_settings(), _demo_merchant_id)
    out = tmp_path / "customers.csv"
    written = runner.invoke(app, ["report", "customers", "--merchant", str(merchant_id), "--output", str(out)])
    assert written.exit_code == 0, written.output
    lines = out.read_text().splitlines()
    assert lines[0].startswith("id,uuid,email,") and [line.split(",")[2] for line in lines[1:]] == [demo.VIEWER_EMAIL]
    assert "1 rows written to" in written.output
    stored = runner.invoke(app, ["report", "transactions", "--merchant", str(merchant_id), "--since", "2020-01-01"])
    assert stored.exit_code == 0, stored.output
    [made] = (tmp_path / "reports" / str(merchant_id)).iterdir()
    assert made.name.startswith(f"transactions_{merchant_id}_") and made.read_text().startswith("type,id,created_at")
    assert runner.invoke(app, ["report", "ledgers", "--merchant", str(merchant_id)]).exit_code == 2
    unknown = runner.invoke(app, ["report", "customers", "--merchant", "999999"])
    assert unknown.exit_code == 1 and "not found" in unknown.output.lower()
    missing_item = runner.invoke(app, ["report", "content-requests", "--merchant", str(merchant_id)])
    assert missing_item.exit_code == 1 and "Item not found" in missing_item.output


async def _demo_merchant_id(session: Any) -> int:
    found = await demo.seed_demo(session, Sealer([]))
    return int(found.merchant.id)


def test_serve_refuses_metrics_on_the_apis_own_port(sqlite_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOXOFFICE_METRICS_PORT", "8123")
    get_settings.cache_clear()
    refused = CliRunner().invoke(app, ["serve", "--port", "8123", "--no-migrate"])
    assert refused.exit_code == 2 and "a port of their own" in " ".join(refused.output.split())
