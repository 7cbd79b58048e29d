"""Access codes: a merchant hands out codes that open one product (access control `code`) without an account,
each in up to `max_sessions` browsers at once. The viewer's credential is the code, then the code's id and the
browser's fingerprint."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import codes_repository as repo
from boxoffice.access.models import AccessCode, AccessCodeSession
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Product
from boxoffice.identity import repository as identity_repo
from boxoffice.kit import clock, validation
from boxoffice.kit.errors import Conflict, Credential, InvalidInput, LimitReached, Missing, NotFound, Unauthenticated

CODE_CONTROL = "code"
MAX_CODES = 1000  # per request
MAX_SESSIONS = 1000
MAX_CODE_LENGTH = 100
MAX_FINGERPRINT_LENGTH = 200
MAX_AGENT_INFO = 1000
GENERATED_LENGTH = 10
# No 0/O, 1/I/L: a generated code is read off paper or a screen and typed in.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# Printable, no spaces: what a person can type and read back unambiguously.
_CODE = re.compile(r"^[!-~]{1,100}$")
_FINGERPRINT = re.compile(r"^[!-~]{1,200}$")


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """A browser let in by a code: the product it opens, the code, and the browser's session."""

    product: Product
    code: AccessCode
    session: AccessCodeSession


async def _merchant_product(session: AsyncSession, merchant_id: int, product_id: int) -> Product:
    product = await catalog_repo.product_by_id(session, merchant_id, product_id)
    if product is None:
        raise NotFound(what=Missing.PRODUCT)
    return product


def _generate(taken: set[str]) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(GENERATED_LENGTH))
        if code not in taken:
            return code


async def create_codes(
    session: AsyncSession,
    merchant_id: int,
    product_id: int,
    *,
    codes: Sequence[str] | None,
    quantity: int | None,
    max_sessions: int | None,
    starts_at: datetime | None,
    expires_at: datetime | None,
) -> list[AccessCode]:
    """Add the given codes, or `quantity` generated ones, to a product opened by codes."""
    product = await _merchant_product(session, merchant_id, product_id)
    problems = validation.Problems()
    if product.access_control != CODE_CONTROL:
        problems.add("product_id", "Access codes open only items whose access control is code")
    wanted: list[str] = []
    if (codes is None) == (quantity is None):
        problems.add("codes", "Give either codes or a quantity of codes to generate")
    elif codes is not None:
        if not codes or len(codes) > MAX_CODES:
            problems.add("codes", f"Give from 1 to {MAX_CODES} codes")
        for index, raw in enumerate(codes):
            code = raw.strip()
            if not _CODE.match(code):
                problems.add(
                    f"codes[{index}]",
                    f"A code is 1 to {MAX_CODE_LENGTH} printable characters without spaces",
                )
            elif code in wanted:
                problems.add(f"codes[{index}]", "This code is given twice")
            wanted.append(code)
    elif quantity is not None and not 1 <= quantity <= MAX_CODES:
        problems.add("quantity", f"The quantity must be from 1 to {MAX_CODES}")
    sessions = 1 if max_sessions is None else max_sessions
    if not 1 <= sessions <= MAX_SESSIONS:
        problems.add("max_sessions", f"The number of sessions must be from 1 to {MAX_SESSIONS}")
    if expires_at is not None:
        if expires_at <= clock.now():
            problems.add("expires_at", "The expiry must be in the future")
        elif starts_at is not None and expires_at <= starts_at:
            problems.add("expires_at", "The expiry must be after the start")
    problems.raise_any()

    if codes is not None:
        taken = await repo.existing_codes(session, merchant_id, wanted)
        if taken:
            raise Conflict(f"These codes already exist: {', '.join(sorted(taken))}")
    else:
        fresh: set[str] = set()
        while len(fresh) < (quantity or 0):
            batch = {_generate(fresh) for _ in range((quantity or 0) - len(fresh))}
            fresh |= batch - await repo.existing_codes(session, merchant_id, sorted(batch))
        wanted = sorted(fresh)
    created = [
        AccessCode(
            merchant_id=merchant_id,
            product_id=product.id,
            code=code,
            max_sessions=sessions,
            starts_at=starts_at,
            expires_at=expires_at,
        )
        for code in wanted
    ]
    session.add_all(created)
    await session.flush()
    return created


async def list_codes(
    session: AsyncSession, merchant_id: int, product_id: int, *, page: int, limit: int
) -> tuple[int, Sequence[AccessCode], dict[int, int]]:
    """A page of a product's codes, with how many browsers hold each."""
    product = await _merchant_product(session, merchant_id, product_id)
    total, rows = await repo.codes_page(session, merchant_id, product.id, offset=page * limit, limit=limit)
    return total, rows, await repo.session_counts(session, merchant_id, [code.id for code in rows])


@dataclass(frozen=True, slots=True)
class CodesPage:
    """A page of a product's codes as the merchant's dashboard shows them: with the product they open."""

    product: Product
    total: int
    codes: Sequence[AccessCode]
    held: dict[int, int]  # browsers holding each code, by its id


async def codes_page(session: AsyncSession, merchant_id: int, product_id: int, *, page: int, limit: int) -> CodesPage:
    product = await _merchant_product(session, merchant_id, product_id)
    total, rows = await repo.codes_page(session, merchant_id, product.id, offset=page * limit, limit=limit)
    return CodesPage(product, total, rows, await repo.session_counts(session, merchant_id, [code.id for code in rows]))


async def delete_code(session: AsyncSession, merchant_id: int, product_id: int, code_id: int) -> None:
    """Withdraw a code; the browsers it let in lose their session."""
    product = await _merchant_product(session, merchant_id, product_id)
    code = await repo.code_by_id(session, merchant_id, code_id)
    if code is None or code.product_id != product.id:
        raise NotFound("Access code not found")
    await repo.delete_code(session, merchant_id, code.id)


def _is_open(code: AccessCode, now: datetime) -> None:
    if code.starts_at is not None and code.starts_at > now:
        raise Unauthenticated("This access code is not valid yet", credential=Credential.ACCESS_CODE)
    if code.expires_at is not None and code.expires_at <= now:
        raise Unauthenticated("This access code has expired", credential=Credential.ACCESS_CODE)


async def enter_code(
    session: AsyncSession, product_id: int, code: str | None, fingerprint: str | None, agent_info: str | None
) -> CodeEntry:
    """Open a product with a code in one browser. The same browser again refreshes its session; a code already
    held by as many other browsers as it allows is refused until one of them lets go."""
    problems = validation.Problems()
    entered = (code or "").strip()
    browser = (fingerprint or "").strip()
    if not entered:
        problems.add("code", "The access code is required")
    if not _FINGERPRINT.match(browser):
        problems.add("browser_fingerprint", f"The browser fingerprint is 1 to {MAX_FINGERPRINT_LENGTH} characters")
    problems.raise_any()

    # No merchant is named: the product's id leads to it, and everything after is looked up within it.
    product = await catalog_repo.product_anywhere(session, product_id)
    merchant = await identity_repo.merchant_by_id(session, product.merchant_id) if product else None
    if product is None or merchant is None or not product.active or not merchant.active:
        raise NotFound(what=Missing.PRODUCT)
    if product.access_control != CODE_CONTROL:
        raise InvalidInput({"product_id": "This item is not opened with access codes"})
    found = await repo.code_by_value(session, product.merchant_id, entered, lock=True) if _CODE.match(entered) else None
    if found is None or found.product_id != product.id:
        raise Unauthenticated("Invalid access code", credential=Credential.ACCESS_CODE)
    now = clock.now()
    _is_open(found, now)

    agent = (agent_info or "")[:MAX_AGENT_INFO]
    held = await repo.code_session(session, product.merchant_id, found.id, browser)
    if held is None:
        others = await repo.session_counts(session, product.merchant_id, [found.id])
        if others.get(found.id, 0) >= found.max_sessions:
            raise LimitReached("This access code is already in use on another device")
        held = AccessCodeSession(
            merchant_id=product.merchant_id,
            code_id=found.id,
            browser_fingerprint=browser,
            agent_info=agent,
            created_at=now,
            last_used=now,
        )
        session.add(held)
    else:
        held.last_used = now
        if agent:
            held.agent_info = agent
    await session.flush()
    return CodeEntry(product, found, held)


async def _public_code(session: AsyncSession, code_id: int) -> AccessCode:
    code = await repo.code_anywhere(session, code_id)
    if code is None:
        raise NotFound("Access code not found")
    return code


async def code_sessions(session: AsyncSession, code_id: int) -> tuple[AccessCode, Sequence[AccessCodeSession]]:
    """The browsers holding a code."""
    code = await _public_code(session, code_id)
    return code, await repo.sessions_of(session, code.merchant_id, code.id)


async def release_code(session: AsyncSession, code_id: int, fingerprint: str) -> None:
    """A browser lets go of a code, freeing its place for another."""
    code = await _public_code(session, code_id)
    held = await repo.code_session(session, code.merchant_id, code.id, fingerprint)
    if held is None:
        raise NotFound("No session of this access code in this browser")
    await session.delete(held)
    await session.flush()
