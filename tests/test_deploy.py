"""The files in `deploy/`: systemd units whose commands are Boxoffice's own (and which systemd itself accepts, where
`systemd-analyze` is installed), stopped gracefully and hardened, and an environment file naming only real
settings."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from boxoffice.cli import app
from boxoffice.kit.settings import Settings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))
INSTALLED = "/opt/boxoffice/.venv/bin/boxoffice"


def _unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections of a unit file, each key with every value it is given (systemd lets a key repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, equals, value = line.partition("=")
        assert current is not None and equals, f"{path.name}:{number}: not a key=value line in a section"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_there_are_units_for_the_api_and_the_worker() -> None:
    assert {path.name for path in UNITS} == {"boxoffice-api.service", "boxoffice-worker.service"}


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_each_unit_runs_a_real_boxoffice_command(path: Path) -> None:
    [command] = _unit(path)["Service"]["ExecStart"]
    program, *arguments = shlex.split(command)
    assert program == INSTALLED
    # Click reads every option before it answers `--help`: an unknown command or option fails, nothing runs.
    checked = CliRunner().invoke(app, [*arguments, "--help"], prog_name="boxoffice")
    assert checked.exit_code == 0, f"{path.name}: {command}:\n{checked.output}"
    assert f"Usage: boxoffice {arguments[0]} [OPTIONS]" in " ".join(checked.output.split())


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_each_unit_stops_gracefully_restarts_and_is_hardened(path: Path) -> None:
    unit = _unit(path)
    service = unit["Service"]
    assert service["KillSignal"] == ["SIGTERM"] and int(service["TimeoutStopSec"][0]) >= 30
    assert service["Restart"] == ["on-failure"] and "StartLimitBurst" in unit["Unit"]
    assert service["User"] == ["boxoffice"] and service["EnvironmentFile"] == ["/etc/boxoffice/boxoffice.env"]
    for hardening in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "RestrictAddressFamilies"):
        assert hardening in service, f"{path.name}: no {hardening}"
    assert service["ProtectSystem"] == ["strict"] and service["CapabilityBoundingSet"] == [""]


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the units' commands are checked against the CLI alone")
    # systemd checks that the program exists: this environment's `boxoffice` stands in for the installed one.
    here = Path(sys.executable).with_name("boxoffice")
    assert here.exists(), f"no {here}: is Boxoffice installed in this environment?"
    for path in UNITS:
        (tmp_path / path.name).write_text(path.read_text().replace(INSTALLED, str(here)))
    checked = subprocess.run(
        [analyze, "verify", *(str(tmp_path / path.name) for path in UNITS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    said = checked.stdout + checked.stderr
    assert checked.returncode == 0 and "ignoring" not in said and "Unknown" not in said, said


def test_the_environment_example_names_only_real_settings() -> None:
    fields = {f"BOXOFFICE_{name.upper()}" for name in Settings.model_fields}
    named = []
    for line in (DEPLOY / "boxoffice.env.example").read_text().splitlines():
        line = line.removeprefix("# ").strip()
        if line.startswith("BOXOFFICE_") and "=" in line:
            named.append(line.partition("=")[0])
    assert named and set(named) <= fields, sorted(set(named) - fields)
    for needed in ("DATABASE_URL", "PUBLIC_URL", "ENCRYPTION_KEYS", "REDIS_URL", "REPORTS_S3_BUCKET", "SMTP_URL"):
        assert f"BOXOFFICE_{needed}" in named
    assert {"BOXOFFICE_METRICS_PORT", "BOXOFFICE_METRICS_TOKEN", "BOXOFFICE_LOG_JSON"} <= set(named)
