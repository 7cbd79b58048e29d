"""The server's signing keys as several processes on one database see them: every process signs with a key the
others know, whatever was refused first, and a rotation keeps what the old key signed valid until it expires."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from boxoffice import demo
from boxoffice.identity import signing_keys
from boxoffice.identity.models import SigningKey
from boxoffice.kit import cache, clock
from boxoffice.kit.db import transaction
from boxoffice.kit.settings import Settings
from tests.conftest import PG_ADMIN_URL, _pg_admin, off_the_loop, unconfigured_environment
from tests.served import BOXOFFICE, demo_client_id, demo_sign_in, serving


@pytest.fixture
def fresh_database_url(migrated_database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the fixture's engine, as a new install starts: nothing made in it yet."""
    if migrated_database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"boxoffice_keys_{uuid.uuid4().hex[:12]}"
    off_the_loop(lambda: asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"')))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        off_the_loop(lambda: asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))


@pytest.fixture
def env(fresh_database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of an install that configures no secret: the keys are the server's own."""
    base = unconfigured_environment()
    return base | {"BOXOFFICE_DATABASE_URL": fresh_database_url, "BOXOFFICE_MAIL_DIR": str(tmp_path / "mail")}


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*BOXOFFICE, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _seeded(env: dict[str, str]) -> str:
    """Migrate and seed the demo merchant with the real commands; its client_id."""
    _run(env, "migrate")
    return demo_client_id(_run(env, "demo"))


@dataclass(frozen=True)
class Tokens:
    """What one process issued: a MediaStore JWT (with its customer), an InPlayer viewer's and merchant's token."""

    jwt: str
    customer_id: int
    viewer: str
    merchant: str


def _signed_in(http: httpx.Client, client_id: str, publisher_id: int) -> Tokens:
    viewer, merchant = demo_sign_in(http, client_id), demo_sign_in(http)
    mediastore = http.post(
        "/mediastore/auths",
        json={"email": demo.VIEWER_EMAIL, "password": demo.VIEWER_PASSWORD, "publisherId": publisher_id},
    )
    assert mediastore.status_code == 200, mediastore.text
    body = mediastore.json()["responseData"]
    return Tokens(body["jwt"], body["customerId"], viewer["access_token"], merchant["access_token"])


def _accepted(http: httpx.Client, tokens: Tokens, client_id: str) -> None:
    """Every token of `tokens` works at the process `http` reaches."""
    customer = http.get(f"/mediastore/customers/{tokens.customer_id}", headers=_bearer(tokens.jwt))
    assert customer.status_code == 200, customer.text
    assert customer.json()["responseData"]["email"] == demo.VIEWER_EMAIL
    viewer = http.get("/accounts", headers=_bearer(tokens.viewer))
    assert viewer.status_code == 200, viewer.text
    assert viewer.json()["email"] == demo.VIEWER_EMAIL
    merchant = http.get("/accounts/keys", headers=_bearer(tokens.merchant))
    assert merchant.status_code == 200, merchant.text
    assert merchant.json()["uuid"] == client_id


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _kids(http: httpx.Client) -> set[str]:
    answer = http.get("/mediastore/.well-known/jwks.json")
    assert answer.status_code == 200, answer.text
    return {key["kid"] for key in answer.json()["keys"]}


def _kid(token: str) -> str:
    kid = jwt.get_unverified_header(token)["kid"]
    assert isinstance(kid, str)
    return kid


def _publisher_id(http: httpx.Client, client_id: str) -> int:
    keys = http.get("/accounts/keys", headers=_bearer(demo_sign_in(http)["access_token"]))
    assert keys.json()["uuid"] == client_id
    publisher_id = keys.json()["publisher_id"]
    assert isinstance(publisher_id, int)
    return publisher_id


def test_tokens_issued_by_one_process_are_accepted_by_another_after_a_refused_request(env: dict[str, str]) -> None:
    client_id = _seeded(env)
    with serving(env, "--no-worker") as first, serving(env, "--no-worker") as second:
        # Refused before anything else: requests whose transactions roll back, each checking a token first.
        junk = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
        assert first.get("/mediastore/customers/1", headers=_bearer(junk)).status_code == 401
        assert first.get("/accounts", headers=_bearer(junk)).status_code == 401
        assert first.get("/mediastore/.well-known/jwks.json").status_code == 200

        publisher_id = _publisher_id(second, client_id)
        from_first = _signed_in(first, client_id, publisher_id)
        from_second = _signed_in(second, client_id, publisher_id)
        _accepted(second, from_first, client_id)
        _accepted(first, from_second, client_id)
        _accepted(first, from_first, client_id)

        # Both processes publish the same keys, among them the one each signed with.
        assert _kids(first) == _kids(second)
        assert {_kid(from_first.jwt), _kid(from_second.jwt)} <= _kids(first)


def test_a_rotated_key_signs_while_the_old_one_still_verifies_on_every_process(env: dict[str, str]) -> None:
    client_id = _seeded(env)
    with serving(env, "--no-worker") as steady:
        publisher_id = _publisher_id(steady, client_id)
        with serving(env, "--no-worker") as restarted:
            before = _signed_in(restarted, client_id, publisher_id)
        rotated = _run(env, "secrets", "rotate-signing-key")
        assert "rs256: new key" in rotated and "access_tokens: new key" in rotated
        # A process started after the rotation signs with the new keys; one running since before does not know
        # them yet, and learns them from the first token that names one.
        with serving(env, "--no-worker") as restarted:
            after = _signed_in(restarted, client_id, publisher_id)
            assert _kid(after.jwt) != _kid(before.jwt) and _kid(after.viewer) != _kid(before.viewer)
            for http in (steady, restarted):
                _accepted(http, after, client_id)
                _accepted(http, before, client_id)  # the old key verifies until what it signed expires
                assert {_kid(before.jwt), _kid(after.jwt)} == _kids(http)

        # A leaked key is dropped at once: a process that reads the keys afresh refuses what it signed.
        _run(env, "secrets", "rotate-signing-key", "--drop-old")
        with serving(env, "--no-worker") as restarted:
            assert restarted.get("/accounts", headers=_bearer(after.viewer)).status_code == 401
            refused = restarted.get(f"/mediastore/customers/{after.customer_id}", headers=_bearer(after.jwt))
            assert refused.status_code == 401
            assert _kid(after.jwt) not in _kids(restarted) and len(_kids(restarted)) == 1
            _accepted(restarted, _signed_in(restarted, client_id, publisher_id), client_id)


async def test_an_old_key_verifies_until_what_it_signed_has_expired_then_leaves_the_key_set(
    sessions: async_sessionmaker[AsyncSession],
    migrated_database_url: str,
    frozen: clock.FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    signing_keys._rings.clear()  # what a process starting now knows: nothing yet
    settings = Settings(database_url=migrated_database_url, mediastore_token_ttl=900, access_token_ttl=86400)
    async with sessions() as session:
        old_rs = await signing_keys.signing_key(session, settings, signing_keys.RS256)
        old_hs = await signing_keys.signing_key(session, settings, signing_keys.HS256)
    async with transaction(sessions) as session:
        made = {key.purpose: key for key in await signing_keys.rotate(session, settings)}
    new_rs, new_hs = made[signing_keys.RS256], made[signing_keys.HS256]
    # The processes' copies are read again a minute later at the latest.
    later = cache.now() + signing_keys.REREAD_AFTER + 1
    monkeypatch.setattr(cache, "now", lambda: later)

    async def state() -> tuple[str, str, set[str], list[signing_keys.Key], list[signing_keys.Key]]:
        async with sessions() as session:
            rs = await signing_keys.signing_key(session, settings, signing_keys.RS256)
            hs = await signing_keys.signing_key(session, settings, signing_keys.HS256)
            published = {key["kid"] for key in (await signing_keys.public_jwks(session))["keys"]}
            old_rs_verifies = await signing_keys.verifying_keys(session, settings, signing_keys.RS256, old_rs.kid)
            old_hs_verifies = await signing_keys.verifying_keys(session, settings, signing_keys.HS256, old_hs.kid)
        return rs.kid, hs.kid, published, old_rs_verifies, old_hs_verifies

    rs, hs, published, old_rs_verifies, old_hs_verifies = await state()
    assert (rs, hs) == (new_rs.kid, new_hs.kid) and published == {old_rs.kid, new_rs.kid}
    assert [key.kid for key in old_rs_verifies + old_hs_verifies] == [old_rs.kid, old_hs.kid]

    # A MediaStore JWT lives 15 minutes: its old key is gone after that (and the minute other processes may have
    # gone on signing with it); the old secret of day-long access tokens still verifies.
    frozen.advance(seconds=900 + signing_keys.REREAD_AFTER + 1)
    _, _, published, old_rs_verifies, old_hs_verifies = await state()
    assert published == {new_rs.kid} and old_rs_verifies == [] and [k.kid for k in old_hs_verifies] == [old_hs.kid]
    frozen.advance(seconds=86400)
    assert (await state())[4] == []


async def test_keys_found_missing_are_made_in_a_transaction_of_their_own(
    sessions: async_sessionmaker[AsyncSession], migrated_database_url: str
) -> None:
    async with transaction(sessions) as session:
        await session.execute(delete(SigningKey))
    signing_keys._rings.clear()  # what a process starting now knows: nothing yet
    async with sessions() as session:
        [published] = (await signing_keys.public_jwks(session))["keys"]
        await session.rollback()  # the caller's own work is refused: the keys it needed stay all the same
    async with sessions() as session:
        kept = (await session.scalars(select(SigningKey))).all()
    assert sorted(key.purpose for key in kept) == sorted(signing_keys.PURPOSES)
    settings = Settings(database_url=migrated_database_url)
    async with sessions() as session:
        assert (await signing_keys.signing_key(session, settings, signing_keys.RS256)).kid == published["kid"]


async def test_tokens_naming_unknown_keys_have_the_keys_read_again_at_most_once_a_second(
    sessions: async_sessionmaker[AsyncSession], migrated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    signing_keys._rings.clear()
    settings = Settings(database_url=migrated_database_url)
    moment = cache.now()
    monkeypatch.setattr(cache, "now", lambda: moment)
    reads = 0
    read_keys = signing_keys.repo.signing_keys

    async def counted(session: AsyncSession) -> list[SigningKey]:
        nonlocal reads
        reads += 1
        return list(await read_keys(session))

    monkeypatch.setattr(signing_keys.repo, "signing_keys", counted)
    async with sessions() as session:
        assert await signing_keys.verifying_keys(session, settings, signing_keys.RS256, None)
        assert reads == 1
        for attempt in range(50):
            assert await signing_keys.verifying_keys(session, settings, signing_keys.RS256, f"forged-{attempt}") == []
        assert reads == 1  # a flood of made-up key ids reads nothing
        moment += signing_keys.REREAD_AT_MOST_EVERY
        for attempt in range(50):
            assert await signing_keys.verifying_keys(session, settings, signing_keys.RS256, f"later-{attempt}") == []
        assert reads == 2  # a second later, one of them has the keys read again: a key just made is learnt


async def test_keys_read_within_the_minute_verify_without_reading_them_again(
    sessions: async_sessionmaker[AsyncSession], migrated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The access check's first look at a token asks no session while the keys it names were read lately."""
    signing_keys._rings.clear()
    settings = Settings(database_url=migrated_database_url)
    moment = cache.now()
    monkeypatch.setattr(cache, "now", lambda: moment)
    engine: AsyncEngine = sessions.kw["bind"]
    assert signing_keys.known_verifying_keys(engine, settings, signing_keys.HS256, None) is None  # never read
    async with sessions() as session:
        key = await signing_keys.signing_key(session, settings, signing_keys.HS256)
    assert signing_keys.known_verifying_keys(engine, settings, signing_keys.HS256, key.kid) == [key]
    assert signing_keys.known_verifying_keys(engine, settings, signing_keys.HS256, "forged") is None
    moment += signing_keys.REREAD_AFTER + 1
    assert signing_keys.known_verifying_keys(engine, settings, signing_keys.HS256, key.kid) is None  # stale
    configured = Settings(database_url=migrated_database_url, secret_key="s" * 40)
    [own] = signing_keys.known_verifying_keys(engine, configured, signing_keys.HS256, "anything") or []
    assert own.secret == "s" * 40
