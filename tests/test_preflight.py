"""Every command, run as an operator runs it (a process of its own), on a database it cannot use: one line on
stderr naming the problem, exit 2, no traceback, and no SQLite file left behind. Likewise a port another program
holds, and a setting whose optional package is not installed."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from boxoffice import preflight
from boxoffice.migrate import upgrade
from tests.conftest import free_port, unconfigured_environment
from tests.served import BOXOFFICE

# Each command that uses the database, as an operator would type it.
COMMANDS: dict[str, list[str]] = {
    "worker": ["worker"],
    "merchant create": ["merchant", "create", "--email", "pub@example.com", "--password", "pub-password-1"],
    "secrets reseal": ["secrets", "reseal"],
    "secrets rotate-signing-key": ["secrets", "rotate-signing-key"],
    "renewals run": ["renewals", "run"],
    "report": ["report", "transactions", "--merchant", "1"],
    "demo": ["demo"],
}
# Serving without migrating needs a migrated database; `migrate`, and `serve`, which migrates first, may make a
# SQLite file, but not reach a server that is not there.
ON_SQLITE = COMMANDS | {"serve --no-migrate": ["serve", "--no-migrate"]}
ON_POSTGRES = ON_SQLITE | {"serve": ["serve"], "migrate": ["migrate"]}
EXPECTED = {
    "sqlite": "does not exist: run `boxoffice migrate` first",
    "postgresql": "cannot reach the database postgresql://postgres@127.0.0.1:",
}


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def environment(folder: Path, database_url: str) -> dict[str, str]:
    return unconfigured_environment() | {
        "BOXOFFICE_DATABASE_URL": database_url,
        "BOXOFFICE_MAIL_DIR": str(folder / "mail"),
        "BOXOFFICE_REPORTS_DIR": str(folder / "reports"),
        "BOXOFFICE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }


def run_all(commands: dict[str, list[str]], folder: Path, env: dict[str, str]) -> dict[str, Ran]:
    """The commands side by side (each a Python process that imports all of Boxoffice), in `folder`."""
    started = {
        name: subprocess.Popen(
            [*BOXOFFICE, *argv, *(["--port", str(free_port())] if argv[0] == "serve" else [])],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, argv in commands.items()
    }
    ran = {}
    for name, process in started.items():
        try:
            stdout, stderr = process.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        ran[name] = Ran(process.returncode, stdout, stderr)
    return ran


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Ran], Path]]:
    folder = tmp_path_factory.mktemp("unmigrated")
    url = f"sqlite:///{folder / 'boxoffice.db'}"
    yield run_all(ON_SQLITE, folder, environment(folder, url)), folder


@pytest.fixture(scope="module")
def on_postgres(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Ran]:
    folder = tmp_path_factory.mktemp("unreachable")
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/boxoffice"  # a port nothing listens on
    return run_all(ON_POSTGRES, folder, environment(folder, url))


def assert_refused_in_one_line(ran: Ran, expected: str) -> None:
    printed = ran.stdout + ran.stderr
    assert ran.returncode == 2, printed
    assert "Traceback" not in printed, printed
    assert ran.stderr.startswith("error: ") and ran.stderr.count("\n") == 1, printed
    assert expected in ran.stderr, printed


@pytest.mark.parametrize("command", sorted(ON_SQLITE))
def test_an_unmigrated_sqlite_path_is_refused_and_not_made(
    command: str, on_sqlite: tuple[dict[str, Ran], Path]
) -> None:
    results, folder = on_sqlite
    assert_refused_in_one_line(results[command], EXPECTED["sqlite"])
    assert list(folder.iterdir()) == [], "nothing is written: no database file, no mail or report folder"


@pytest.mark.parametrize("command", sorted(ON_POSTGRES))
def test_an_unreachable_postgresql_server_is_named(command: str, on_postgres: dict[str, Ran]) -> None:
    assert_refused_in_one_line(on_postgres[command], EXPECTED["postgresql"])


def test_a_new_encryption_key_needs_no_database(tmp_path: Path) -> None:
    env = environment(tmp_path, f"postgresql://postgres@127.0.0.1:{free_port()}/boxoffice")
    made = subprocess.run([*BOXOFFICE, "secrets", "new-key"], env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0 and Fernet(made.stdout.strip().encode()), made.stderr


def test_a_database_behind_the_latest_migration_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0001")
    with pytest.raises(preflight.Refused, match=r"is at revision 0001, not the latest .*: run `boxoffice migrate`"):
        preflight.check_database(url)
    preflight.check_database(url, migrated=False)  # migrating it is what to do


@pytest.mark.parametrize("held", ["--port", "BOXOFFICE_METRICS_PORT"])
def test_serve_names_a_port_in_use_before_it_migrates(held: str, tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken, free = holder.getsockname()[1], free_port()
        api, scrapes = (taken, free) if held == "--port" else (free, taken)
        env = environment(tmp_path, f"sqlite:///{tmp_path / 'boxoffice.db'}") | {"BOXOFFICE_METRICS_PORT": str(scrapes)}
        ran = subprocess.run(
            [*BOXOFFICE, "serve", "--port", str(api)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert_refused_in_one_line(
        Ran(ran.returncode, ran.stdout, ran.stderr),
        f"port {taken} on 127.0.0.1 is already in use (another `boxoffice serve`?): choose another with {held}",
    )
    assert list(tmp_path.iterdir()) == []


# Run in a fresh interpreter: the named packages cannot be imported there, as where the extra is not installed.
WITHOUT = "import sys; sys.modules.update(dict.fromkeys({modules!r})); from boxoffice.cli import app; app()"


def without(modules: list[str], *argv: str) -> list[str]:
    return [sys.executable, "-c", WITHOUT.format(modules=modules), *argv]


@pytest.mark.parametrize(
    ("setting", "modules", "extra"),
    [
        ("BOXOFFICE_REPORTS_S3_BUCKET", ["boto3", "botocore"], "s3"),
        ("BOXOFFICE_REDIS_URL", ["redis"], "redis"),
    ],
)
def test_a_setting_whose_extra_is_missing_names_the_extra(
    setting: str, modules: list[str], extra: str, tmp_path: Path
) -> None:
    env = environment(tmp_path, f"sqlite:///{tmp_path / 'boxoffice.db'}") | {setting: "set"}
    for argv in (["serve"], ["worker"], ["report", "transactions", "--merchant", "1"]):
        ran = subprocess.run(
            without(modules, *argv), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert_refused_in_one_line(
            Ran(ran.returncode, ran.stdout, ran.stderr), f"{setting} is set but {modules[0]} is not installed"
        )
        assert f"pip install 'boxoffice[{extra}]'" in ran.stderr
    assert list(tmp_path.iterdir()) == []


def test_without_the_extras_boxoffice_migrates_and_seeds(tmp_path: Path) -> None:
    env = environment(tmp_path, f"sqlite:///{tmp_path / 'boxoffice.db'}")
    blocked = ["boto3", "botocore", "redis"]
    for argv in (["migrate"], ["demo"]):
        ran = subprocess.run(
            without(blocked, *argv), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "client_id" in ran.stdout
