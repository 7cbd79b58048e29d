"""A real OpenID Connect provider on a local port (npm oauth2-mock-server, driven by oidc/provider.mjs), for the
social sign-in tests: discovery, authorization with PKCE, the token endpoint and the JWKS, as Google's or any
other issuer's are spoken. `next()` says who signs in next and how their ID token is made."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from boxoffice.kit import clock

HERE = Path(__file__).parent / "oidc"
NODE, NPM = shutil.which("node"), shutil.which("npm")


@dataclass
class OidcProvider:
    issuer: str

    def next(self, **given: Any) -> None:
        """The next sign-in: `sub`, `email`, `email_verified`, `name`; `now` (default: Boxoffice's clock) and
        `ttl` of its ID token; `aud`, `iss`, `tamper` or `deny` to make it one that must be refused."""
        given.setdefault("now", clock.unix(clock.now()))
        httpx.post(f"{self.issuer}/_next", json=given).raise_for_status()

    def seen(self) -> dict[str, Any]:
        """The form of the last token request."""
        found: dict[str, Any] = httpx.get(f"{self.issuer}/_seen").json()
        return found


def _installed() -> None:
    """`npm ci` from the committed lock file, once: test files in other processes wait on the same lock."""
    with (HERE / ".install-lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (HERE / "node_modules" / "oauth2-mock-server").is_dir():
            return
        command = [NPM or "npm", "ci", "--no-audit", "--no-fund"]
        result = subprocess.run(command, cwd=HERE, capture_output=True, text=True, timeout=300, check=False)
        if result.returncode != 0:
            pytest.fail(f"npm ci failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")


@contextmanager
def running_provider() -> Iterator[OidcProvider]:
    if NODE is None or NPM is None:
        reason = "node and npm are not on PATH; the local OpenID Connect provider needs both"
        if os.environ.get("BOXOFFICE_REQUIRE_NODE") == "1":
            pytest.fail(reason, pytrace=False)
        print(f"SKIP social sign-in: {reason}")
        pytest.skip(reason)
    _installed()
    process = subprocess.Popen(
        [NODE, "provider.mjs"], cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            pytest.fail(f"the OpenID Connect provider did not start (exit {process.wait(timeout=10)})")
        yield OidcProvider(json.loads(line)["issuer"])
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
