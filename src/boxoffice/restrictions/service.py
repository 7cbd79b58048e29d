"""Reading and changing a merchant's restriction settings."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice import validation
from boxoffice.restrictions import repository as repo
from boxoffice.restrictions.models import RestrictionSettings

_HOST = re.compile(r"^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
VERIFICATION_TYPES = ("pin_code",)


async def restriction_settings(session: AsyncSession, merchant_id: int) -> RestrictionSettings:
    """The merchant's settings; defaults (nothing restricted) when it never set any."""
    found = await repo.settings_of(session, merchant_id)
    if found is not None:
        return found
    return RestrictionSettings(
        merchant_id=merchant_id,
        age_verification_enabled=False,
        age_verification_type="pin_code",
        allowed_domains=[],
        max_concurrent_sessions=None,
    )


async def update_restriction_settings(
    session: AsyncSession,
    merchant_id: int,
    *,
    age_verification_enabled: bool | None,
    age_verification_type: str | None,
    allowed_domains: list[str] | None,
    max_concurrent_sessions: int | None,
    clear_session_limit: bool = False,
) -> RestrictionSettings:
    problems = validation.Problems()
    if age_verification_type is not None and age_verification_type not in VERIFICATION_TYPES:
        problems.add("age_verification_type", "The age verification type must be pin_code")
    hosts = [d.strip().lower() for d in allowed_domains or [] if d.strip()]
    for host in hosts:
        if not _HOST.match(host):
            problems.add("domains", f"{host!r} is not a host name")
    if max_concurrent_sessions is not None and not 1 <= max_concurrent_sessions <= 1000:
        problems.add("max_concurrent_sessions", "The session limit must be from 1 to 1000")
    problems.raise_any()
    found = await repo.settings_of(session, merchant_id)
    if found is None:
        found = await restriction_settings(session, merchant_id)
        session.add(found)
    if age_verification_enabled is not None:
        found.age_verification_enabled = age_verification_enabled
    if age_verification_type is not None:
        found.age_verification_type = age_verification_type
    if allowed_domains is not None:
        found.allowed_domains = hosts
    if max_concurrent_sessions is not None or clear_session_limit:
        found.max_concurrent_sessions = max_concurrent_sessions
    await session.flush()
    return found
