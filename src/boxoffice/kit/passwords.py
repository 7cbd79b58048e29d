"""Password and PIN hashing: argon2id, off the event loop, with rehash-on-sign-in when the parameters change.

argon2id is slow on purpose (64 MiB and three passes by default: a tenth of a second or more of a core). Run on the
event loop, every sign-in would stall every other request of its process for that long; run here, it takes a
thread of a bounded pool, and argon2-cffi lets go of the GIL while it hashes, so the loop keeps answering."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import secrets
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from boxoffice.kit.settings import Settings, get_settings

T = TypeVar("T")
# How much lower than the rest of its process a hashing thread runs (Linux's niceness, which it keeps per thread).
BELOW_THE_LOOP = 10


def _below_the_loop() -> None:
    """Run this hashing thread at a lower priority than the event loop's: when a storm of sign-ins keeps every core
    hashing, the loop still gets a core as soon as it has work, rather than waiting its turn among the hashes (and
    the threads argon2 starts for its lanes, which inherit the priority). With nothing else to run, hashing still
    has every core."""
    if sys.platform == "linux":
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(os.getpriority(os.PRIO_PROCESS, thread) + BELOW_THE_LOOP, 19))


def threads_per_process(processes: int, lanes: int) -> int:
    """Hashing threads for each of `processes` serving on this host. argon2 hashes each password's `lanes` on threads
    of their own, so a storm of sign-ins keeps `processes * threads * lanes` threads hashing: about as many as the
    host has cores, and never none. More would not hash faster, only longer each, holding more memory and taking the
    cores the event loops and the database answer on."""
    return max(1, (os.cpu_count() or 1) // (processes * lanes))


class Hasher:
    """argon2id with one set of parameters, on a pool of `threads`: a storm of sign-ins queues for the pool rather
    than each starting a thread and allocating its own `memory_kib`."""

    def __init__(self, *, memory_kib: int, time_cost: int, parallelism: int, threads: int) -> None:
        self.argon2 = PasswordHasher(memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism, type=Type.ID)
        self.threads = threads
        self._figures = (memory_kib, time_cost, parallelism, threads)
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="boxoffice-argon2", initializer=_below_the_loop)

    @classmethod
    def of(cls, settings: Settings) -> Hasher:
        return cls(
            memory_kib=settings.argon2_memory_kib,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
            threads=settings.password_threads or threads_per_process(1, settings.argon2_parallelism),
        )

    def same_as(self, other: Hasher) -> bool:
        return self._figures == other._figures

    async def hash(self, secret: str) -> str:
        return await self._on_pool(self.argon2.hash, secret)

    async def verify(self, stored: str | None, secret: str) -> bool:
        """Whether `secret` is the one `stored` was made from. No hash (a missing account, or one without a
        password) is never verified, but takes as long as a wrong password, so a sign-in doesn't tell which."""
        return await self._on_pool(self._matches, stored, secret)

    def needs_rehash(self, stored: str) -> bool:
        """Whether `stored` was made with other parameters than these (only parses it: no hashing)."""
        return self.argon2.check_needs_rehash(stored)

    def close(self) -> None:
        """Lets the pool's threads end once what was handed to them is done."""
        self._pool.shutdown(wait=False)

    async def _on_pool(self, work: Callable[..., T], *args: str | None) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, work, *args)

    def _matches(self, stored: str | None, secret: str) -> bool:
        try:
            return self.argon2.verify(stored or self._missing_account_hash, secret) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    @functools.cached_property
    def _missing_account_hash(self) -> str:
        """Made on first use, not when the hasher is: commands that never check a password don't pay for it."""
        return self.argon2.hash(secrets.token_urlsafe(16))


_hasher: Hasher | None = None


def configure(settings: Settings) -> Hasher:
    """Hash with `settings`' parameters from now on in this process (the app does so as it is made)."""
    global _hasher
    wanted = Hasher.of(settings)  # its pool starts no thread until it is given work
    if _hasher is None or not _hasher.same_as(wanted):
        previous, _hasher = _hasher, wanted
        if previous is not None:
            previous.close()
    return _hasher


def hasher() -> Hasher:
    """The process's hasher: as configured, else as the environment's settings say."""
    return _hasher or configure(get_settings())


async def hash(secret: str) -> str:
    return await hasher().hash(secret)


async def verify(stored: str | None, secret: str) -> bool:
    return await hasher().verify(stored, secret)


def needs_rehash(stored: str) -> bool:
    return hasher().needs_rehash(stored)


def new_token() -> str:
    """An opaque bearer secret (refresh tokens, reset links)."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """Opaque tokens are stored as their SHA-256: high-entropy, so a fast hash is enough."""
    return hashlib.sha256(token.encode()).hexdigest()
