"""Viewer profiles inside one account, each with its own token and an optional PIN."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import repository as repo
from boxoffice.identity.models import AuthSession, Customer, Merchant, Profile
from boxoffice.identity.tokens import Principal, issue_access_token
from boxoffice.kit import passwords, validation
from boxoffice.kit.errors import Conflict, InvalidInput, NotFound
from boxoffice.kit.settings import Settings

MAX_PROFILES = 10


def _check(problems: validation.Problems, name: str | None, avatar_url: str | None, pin: str | None) -> None:
    if name is not None and not (1 <= len(name.strip()) <= 100):
        problems.add("name", "The name is required and may not be longer than 100 characters")
    if avatar_url and (len(avatar_url) > 2000 or not avatar_url.startswith(("http://", "https://"))):
        problems.add("avatar_url", "The avatar URL must be an http(s) URL")
    if pin and (not pin.isdigit() or len(pin) != 4):
        problems.add("pin", "The PIN must be four digits")


async def list_profiles(session: AsyncSession, customer: Customer) -> Sequence[Profile]:
    return await repo.profiles(session, customer.merchant_id, customer.id)


async def get_profile(session: AsyncSession, customer: Customer, profile_id: int) -> Profile:
    profile = await repo.profile(session, customer.merchant_id, customer.id, profile_id)
    if profile is None:
        raise NotFound("Profile not found")
    return profile


async def create_profile(
    session: AsyncSession,
    customer: Customer,
    *,
    name: str | None,
    adult: bool,
    avatar_url: str | None,
    pin: str | None,
) -> Profile:
    problems = validation.Problems()
    if name is None:
        problems.add("name", "The name is required")
    _check(problems, name, avatar_url, pin)
    problems.raise_any()
    if len(await list_profiles(session, customer)) >= MAX_PROFILES:
        raise Conflict(f"An account may have at most {MAX_PROFILES} profiles")
    profile = Profile(
        merchant_id=customer.merchant_id,
        customer_id=customer.id,
        name=(name or "").strip(),
        avatar_url=avatar_url or "",
        adult=adult,
        pin_hash=await passwords.hash(pin) if pin else None,
    )
    session.add(profile)
    await session.flush()
    return profile


async def update_profile(
    session: AsyncSession,
    customer: Customer,
    profile_id: int,
    *,
    name: str | None,
    avatar_url: str | None,
    adult: bool | None,
) -> Profile:
    problems = validation.Problems()
    _check(problems, name, avatar_url, None)
    problems.raise_any()
    profile = await get_profile(session, customer, profile_id)
    if name is not None:
        profile.name = name.strip()
    if avatar_url is not None:
        profile.avatar_url = avatar_url
    if adult is not None:
        profile.adult = adult
    await session.flush()
    return profile


async def delete_profile(session: AsyncSession, customer: Customer, profile_id: int) -> None:
    profile = await get_profile(session, customer, profile_id)
    if profile.is_default:
        raise Conflict("The default profile cannot be deleted")
    await session.delete(profile)
    await session.flush()


async def enter_profile(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    merchant: Merchant,
    customer: Customer,
    profile_id: int,
    pin: str | None,
) -> tuple[Profile, str, int]:
    """A token for the same session, acting inside one profile."""
    profile = await get_profile(session, customer, profile_id)
    if profile.pin_hash:
        if not await passwords.verify(profile.pin_hash, pin or ""):
            raise InvalidInput({"pin": "The profile PIN is incorrect"}, "Invalid PIN")
        if passwords.needs_rehash(profile.pin_hash):
            profile.pin_hash = await passwords.hash(pin or "")
    auth_session = await repo.auth_session(session, merchant.id, principal.session_id)
    assert isinstance(auth_session, AuthSession)
    token, expires = await issue_access_token(
        session,
        settings,
        merchant=merchant,
        auth_session=auth_session,
        customer=customer,
        profile_id=profile.id,
    )
    return profile, token, expires
