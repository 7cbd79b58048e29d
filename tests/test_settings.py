"""Operator settings, read from BOXOFFICE_* environment variables."""

from __future__ import annotations

import os
from ipaddress import ip_address, ip_network
from pathlib import Path

import pytest
from pydantic import ValidationError

from boxoffice import preflight
from boxoffice.kit.settings import Settings, get_settings, parse_rate


@pytest.fixture(autouse=True)
def _no_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Read only what each test sets: no developer's .env, no BOXOFFICE_* from the outer shell."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("BOXOFFICE_"):
            monkeypatch.delenv(name)


def test_trusted_proxies_parse_from_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOXOFFICE_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")
    proxies = Settings().trusted_proxies
    assert proxies == [ip_network("10.0.0.0/8"), ip_network("127.0.0.1/32")]
    assert ip_address("10.200.3.4") in proxies[0]
    assert ip_address("11.0.0.1") not in proxies[0]


def test_trusted_proxies_accept_ipv6_and_host_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOXOFFICE_TRUSTED_PROXIES", "2001:db8::/32,192.168.1.7/24,")
    assert Settings().trusted_proxies == [ip_network("2001:db8::/32"), ip_network("192.168.1.0/24")]


def test_trusted_proxies_default_to_none() -> None:
    assert Settings().trusted_proxies == []


def test_a_bad_proxy_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOXOFFICE_TRUSTED_PROXIES", "10.0.0.0/8, not-a-network")
    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings()


@pytest.mark.parametrize("rate", ["3/60", "10/3600", "5"])
def test_good_rates(monkeypatch: pytest.MonkeyPatch, rate: str) -> None:
    monkeypatch.setenv("BOXOFFICE_AUTH_RATE_PER_IP", rate)
    assert Settings().auth_rate_per_ip == rate


@pytest.mark.parametrize("rate", ["fast", "0/60", "3/0", "-1/60", "3/-5", "3/60/2", "3.5/60", "/60", ""])
def test_a_bad_rate_string_is_rejected(monkeypatch: pytest.MonkeyPatch, rate: str) -> None:
    monkeypatch.setenv("BOXOFFICE_AUTH_RATE_PER_IP", rate)
    with pytest.raises(ValidationError, match="auth_rate_per_ip"):
        Settings()


@pytest.mark.parametrize("field", ["auth_rate_per_account", "reset_rate_per_ip", "reset_rate_per_account"])
def test_every_rate_is_checked(field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(**{field: "many/minute"})


def test_parse_rate() -> None:
    assert parse_rate("3/60") == (3, 60)
    assert parse_rate("7") == (7, 60)


def test_environment_variables_reach_every_kind_of_knob(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOXOFFICE_DATABASE_URL", "postgresql://db/boxoffice")
    monkeypatch.setenv("BOXOFFICE_WORKER_IN_PROCESS", "true")
    monkeypatch.setenv("BOXOFFICE_JOB_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("BOXOFFICE_MAIL_DIR", "/var/mail/boxoffice")
    loaded = Settings()
    assert loaded.database_url == "postgresql://db/boxoffice"
    assert loaded.worker_in_process is True
    assert loaded.job_max_attempts == 3
    assert str(loaded.mail_dir) == "/var/mail/boxoffice"


def test_a_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOXOFFICE_PUBLIC_URL=https://tickets.example.com\n")
    assert Settings().public_url == "https://tickets.example.com"


@pytest.mark.parametrize(("name", "value"), [("JOB_MAX_ATTEMPTS", "0"), ("WORKER_POLL_INTERVAL", "0")])
def test_worker_knobs_must_be_positive(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(f"BOXOFFICE_{name}", value)
    with pytest.raises(ValidationError, match=name.lower()):
        Settings()


def test_a_mediastore_token_may_live_less_than_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOXOFFICE_MEDIASTORE_TOKEN_TTL", "30")
    assert Settings().mediastore_token_ttl == 30
    monkeypatch.setenv("BOXOFFICE_MEDIASTORE_TOKEN_TTL", "0")
    with pytest.raises(ValidationError, match="mediastore_token_ttl"):
        Settings()


@pytest.mark.parametrize(("memory", "passes"), [(65_536, 3), (47_104, 1), (19_456, 2), (12_288, 3), (7_168, 5)])
def test_argon2_parameters_at_or_above_owasps_minimum(
    monkeypatch: pytest.MonkeyPatch, memory: int, passes: int
) -> None:
    monkeypatch.setenv("BOXOFFICE_ARGON2_MEMORY_KIB", str(memory))
    monkeypatch.setenv("BOXOFFICE_ARGON2_TIME_COST", str(passes))
    loaded = Settings()
    assert (loaded.argon2_memory_kib, loaded.argon2_time_cost) == (memory, passes)


@pytest.mark.parametrize(("memory", "passes"), [(47_103, 1), (19_456, 1), (12_288, 2), (7_168, 4), (9_000, 4)])
def test_argon2_parameters_below_owasps_minimum_are_refused_at_startup(
    monkeypatch: pytest.MonkeyPatch, memory: int, passes: int
) -> None:
    monkeypatch.setenv("BOXOFFICE_ARGON2_MEMORY_KIB", str(memory))
    monkeypatch.setenv("BOXOFFICE_ARGON2_TIME_COST", str(passes))
    get_settings.cache_clear()
    try:
        with pytest.raises(preflight.Refused) as refused:
            preflight.settings()
    finally:
        get_settings.cache_clear()
    assert str(refused.value).startswith("BOXOFFICE_ARGON2_TIME_COST: ")
    assert f"argon2id at {memory} KiB and {passes} passes is below OWASP's minimum" in str(refused.value)
    assert "19456 KiB with 2" in str(refused.value)


@pytest.mark.parametrize(
    ("name", "value"), [("ARGON2_MEMORY_KIB", "4096"), ("ARGON2_PARALLELISM", "0"), ("PASSWORD_THREADS", "0")]
)
def test_argon2_figures_out_of_range_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(f"BOXOFFICE_{name}", value)
    with pytest.raises(ValidationError, match=name.lower()):
        Settings()
