"""Reading and changing a merchant's restriction settings."""

from __future__ import annotations

import re
from collections.abc import Sequence

from iso3166 import countries_by_alpha2
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.kit import validation
from boxoffice.kit.errors import Conflict, NotFound
from boxoffice.restrictions import repository as repo
from boxoffice.restrictions.models import CountrySet, RestrictionSettings

_HOST = re.compile(r"^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
VERIFICATION_TYPES = ("pin_code",)
COUNTRY_SET_TYPES = ("whitelist", "blacklist")
MAX_NAME = 200


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


async def list_country_sets(
    session: AsyncSession, merchant_id: int, *, page: int, limit: int
) -> tuple[int, Sequence[CountrySet]]:
    return await repo.country_sets_page(session, merchant_id, offset=page * limit, limit=limit)


async def get_country_set(session: AsyncSession, merchant_id: int, set_id: int) -> CountrySet:
    found = await repo.country_set(session, merchant_id, set_id)
    if found is None:
        raise NotFound("Country set not found")
    return found


def _country_codes(values: list[str], problems: validation.Problems) -> list[str]:
    """ISO-3166 alpha-2 codes, upper-cased, each once, in the order given."""
    codes: list[str] = []
    for value in values:
        code = value.strip().upper()
        if code not in countries_by_alpha2:
            problems.add("countries", f"{value!r} is not an ISO-3166 alpha-2 country code")
        elif code not in codes:
            codes.append(code)
    if not values:
        problems.add("countries", "A country set names at least one country")
    return codes


def _check_type(type_: str, problems: validation.Problems) -> None:
    if type_ not in COUNTRY_SET_TYPES:
        problems.add("type", "The type must be whitelist or blacklist")


async def create_country_set(
    session: AsyncSession, merchant_id: int, *, name: str | None, type_: str | None, countries: list[str] | None
) -> CountrySet:
    problems = validation.Problems()
    clean_name = validation.required_text(name or "", "name", problems, max_length=MAX_NAME)
    _check_type(type_ or "", problems)
    codes = _country_codes(countries or [], problems)
    problems.raise_any()
    found = CountrySet(merchant_id=merchant_id, name=clean_name, type=type_, countries=codes)
    session.add(found)
    await session.flush()
    return found


async def update_country_set(
    session: AsyncSession,
    merchant_id: int,
    set_id: int,
    *,
    name: str | None = None,
    type_: str | None = None,
    countries: list[str] | None = None,
) -> CountrySet:
    found = await get_country_set(session, merchant_id, set_id)
    problems = validation.Problems()
    clean_name = (
        validation.required_text(name, "name", problems, max_length=MAX_NAME) if name is not None else found.name
    )
    if type_ is not None:
        _check_type(type_, problems)
    codes = _country_codes(countries, problems) if countries is not None else found.countries
    problems.raise_any()
    found.name = clean_name
    found.type = type_ if type_ is not None else found.type
    found.countries = list(codes)
    await session.flush()
    return found


async def delete_country_set(session: AsyncSession, merchant_id: int, set_id: int, *, in_use: bool) -> None:
    """Only a set nothing on sale uses may go: removing one in use would lift its restriction silently. Whether it
    is in use is the catalog's to say (`catalog.country_sets`): restrictions read nothing above them."""
    found = await get_country_set(session, merchant_id, set_id)
    if in_use:
        raise Conflict("The country set restricts an active item or access fee; detach it first")
    await session.delete(found)
    await session.flush()
