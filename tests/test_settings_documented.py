"""Every setting is documented twice, in the README's Configuration table and in `.env.example`; these fail when a
setting is added, renamed or removed without both following, and when the example's defaults are not the real ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from boxoffice.kit.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
VARIABLES = sorted(f"BOXOFFICE_{name.upper()}" for name in Settings.model_fields)
ASSIGNMENT = re.compile(r"^# (BOXOFFICE_[A-Z0-9_]+)=(.*)$")


def example_lines() -> list[str]:
    return (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()


def test_the_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = [line for line in readme.splitlines() if line.startswith("| `BOXOFFICE_")]
    documented = set(re.findall(r"`(BOXOFFICE_[A-Z0-9_]+)`", "\n".join(table)))
    assert [name for name in VARIABLES if name not in documented] == [], "missing from the README's Configuration"
    assert sorted(documented - set(VARIABLES)) == [], "the README's Configuration names settings that do not exist"


def test_the_example_lists_every_setting_once_under_a_comment() -> None:
    lines = example_lines()
    listed = [(number, match[1]) for number, line in enumerate(lines) if (match := ASSIGNMENT.match(line))]
    names = [name for _, name in listed]
    assert sorted(names) == sorted(set(names)), "a setting is listed twice"
    assert [name for name in VARIABLES if name not in names] == [], "missing from .env.example"
    assert sorted(set(names) - set(VARIABLES)) == [], ".env.example names settings that do not exist"
    for number, name in listed:
        above = lines[number - 1]
        assert above.startswith("# ") and not ASSIGNMENT.match(above), f"{name} has no comment of its own above it"


def test_the_example_shows_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Uncommented, the example's lines that carry a value change nothing."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    values = [match[0][2:] for line in example_lines() if (match := ASSIGNMENT.match(line)) and match[2]]
    dotenv = tmp_path / ".env"
    dotenv.write_text("\n".join(values) + "\n", encoding="utf-8")
    assert Settings(_env_file=dotenv).model_dump() == Settings(_env_file=None).model_dump()
