"""Password hashing: argon2id, verified in constant shape whether or not the account exists."""

from __future__ import annotations

import asyncio
import os
import sys
import threading

import pytest
from argon2 import PasswordHasher, Type

from boxoffice.kit import passwords
from boxoffice.kit.passwords import Hasher, digest, needs_rehash, new_token, threads_per_process
from boxoffice.kit.settings import Settings

# OWASP's floor, the cheapest parameters the settings accept.
FLOOR = Settings(_env_file=None, argon2_memory_kib=19_456, argon2_time_cost=2, argon2_parallelism=1, password_threads=3)


@pytest.fixture(scope="module")
async def stored() -> str:
    return await passwords.hash("correct horse battery staple")


def test_hashes_are_argon2id(stored: str) -> None:
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored


async def test_the_same_password_hashes_differently_each_time(stored: str) -> None:
    again = await passwords.hash("correct horse battery staple")
    assert again != stored  # a fresh salt
    assert await passwords.verify(again, "correct horse battery staple")


async def test_verify_the_right_password(stored: str) -> None:
    assert await passwords.verify(stored, "correct horse battery staple") is True


@pytest.mark.parametrize("attempt", ["wrong", "", "correct horse battery staple ", "Correct horse battery staple"])
async def test_verify_a_wrong_password(stored: str, attempt: str) -> None:
    assert await passwords.verify(stored, attempt) is False


async def test_verify_of_no_hash_is_false() -> None:
    """A missing account (or one that signed up without a password) never verifies, whatever is typed."""
    assert await passwords.verify(None, "") is False
    assert await passwords.verify(None, "anything") is False


@pytest.mark.parametrize("garbage", ["", "plaintext", "$argon2id$v=19$m=65536,t=3,p=4$bm90LWEtaGFzaA", "$2b$12$abc"])
async def test_verify_against_a_corrupt_hash_is_false(garbage: str) -> None:
    assert await passwords.verify(garbage, "plaintext") is False


async def test_unicode_passwords(stored: str) -> None:
    hashed = await passwords.hash("pässwörd-密码-🔑")
    assert await passwords.verify(hashed, "pässwörd-密码-🔑")
    assert not await passwords.verify(hashed, "passwort-密码-🔑")


async def test_weaker_parameters_need_a_rehash(stored: str) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID).hash("pw")
    assert needs_rehash(weak) is True
    assert needs_rehash(stored) is False
    assert await passwords.verify(weak, "pw")  # still accepted, so it can be upgraded at sign-in


async def test_a_verification_leaves_the_event_loop_free(monkeypatch: pytest.MonkeyPatch, stored: str) -> None:
    """While argon2id runs, the loop serves other work. The verification below cannot finish until a coroutine on
    the loop has run after it started: run on the loop itself, it would wait in vain and fail."""
    loop = asyncio.get_running_loop()
    started: asyncio.Future[int] = loop.create_future()
    loop_ran = threading.Event()
    verify = PasswordHasher.verify

    def verify_once_the_loop_ran(self: PasswordHasher, hash: str, password: str) -> bool:
        loop.call_soon_threadsafe(started.set_result, threading.get_ident())
        assert loop_ran.wait(timeout=60), "nothing ran on the event loop while a password was verified"
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", verify_once_the_loop_ran)
    verifying = asyncio.create_task(passwords.verify(stored, "correct horse battery staple"))
    hashing_thread = await started  # the loop is free: this coroutine goes on while the hash is being checked
    assert not verifying.done()
    loop_ran.set()
    assert await verifying is True
    assert hashing_thread != threading.get_ident()


async def test_the_settings_choose_the_parameters_and_the_pool() -> None:
    hasher = Hasher.of(FLOOR)
    try:
        made = await hasher.hash("pw")
        assert made.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert await hasher.verify(made, "pw") and not await hasher.verify(made, "other")
        assert not hasher.needs_rehash(made) and needs_rehash(made)  # the process hashes with other parameters
        assert hasher.threads == 3
        unset = Settings(_env_file=None)
        assert Hasher.of(unset).threads == threads_per_process(1, unset.argon2_parallelism)
    finally:
        hasher.close()


@pytest.mark.parametrize(
    ("cores", "processes", "lanes", "threads"),
    [(2, 1, 4, 1), (2, 2, 4, 1), (2, 1, 1, 2), (16, 1, 4, 4), (16, 2, 4, 2), (16, 4, 1, 4), (16, 32, 1, 1)],
)
def test_the_pool_is_sized_so_that_every_process_hashing_at_once_fills_the_cores(
    monkeypatch: pytest.MonkeyPatch, cores: int, processes: int, lanes: int, threads: int
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert threads_per_process(processes, lanes) == threads


async def test_hashing_runs_on_the_pools_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    names: list[str] = []
    hash_ = PasswordHasher.hash

    def hash_and_tell(self: PasswordHasher, password: str | bytes, *, salt: bytes | None = None) -> str:
        names.append(threading.current_thread().name)
        return hash_(self, password, salt=salt)

    monkeypatch.setattr(PasswordHasher, "hash", hash_and_tell)
    await asyncio.gather(*(passwords.hash(f"pw-{n}") for n in range(3)))
    assert len(names) == 3 and all(name.startswith("boxoffice-argon2") for name in names)


@pytest.mark.skipif(sys.platform != "linux", reason="Linux alone gives each thread a priority of its own")
async def test_hashing_yields_the_cores_to_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    seen: list[int] = []
    hash_ = PasswordHasher.hash

    def hash_and_tell(self: PasswordHasher, password: str | bytes, *, salt: bytes | None = None) -> str:
        seen.append(niceness())
        return hash_(self, password, salt=salt)

    monkeypatch.setattr(PasswordHasher, "hash", hash_and_tell)
    await passwords.hash("pw")
    assert seen == [min(niceness() + passwords.BELOW_THE_LOOP, 19)] and niceness() < seen[0]


def test_tokens_are_unique_and_stored_as_digests() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(t) >= 43 for t in tokens)
    token = next(iter(tokens))
    assert digest(token) == digest(token) and len(digest(token)) == 64
    assert digest(token) != digest(token + "x")
