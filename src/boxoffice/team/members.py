"""Who is on a merchant's team: the holder (the merchant account itself), and the members it invites by e-mail,
each with a role; their passwords, forgotten or changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import merchants
from boxoffice.identity.models import Merchant
from boxoffice.kit import clock, passwords, validation
from boxoffice.kit.errors import Conflict, Forbidden, InvalidCredentials, InvalidInput, NotFound
from boxoffice.kit.passwords import digest, new_token
from boxoffice.kit.settings import Settings
from boxoffice.mail.outbox import send_email
from boxoffice.team import repository as repo
from boxoffice.team.models import Member, MemberStatus, Role

INVITATION_TTL = timedelta(days=7)
RESET_TTL = timedelta(hours=1)
EXPIRED = "The link is invalid or has expired"

# A token → the address of the dashboard's page where it is used.
Link = Callable[[str], str]


async def holder_of(session: AsyncSession, merchant: Merchant) -> Member:
    """The merchant account's own member, made the first time it is needed: every merchant has one owner."""
    member = await repo.holder_of(session, merchant.id)
    if member is None:
        member = Member(
            merchant_id=merchant.id,
            email=merchant.email,
            full_name=merchant.full_name,
            role=Role.OWNER,
            status=MemberStatus.ACTIVE,
            holder=True,
        )
        session.add(member)
        await session.flush()
    return member


async def authenticate_member(session: AsyncSession, email: str, password: str) -> Member:
    member = await repo.member_by_email(session, email)
    if member is None:
        # The merchant account signs in as its holder, whose row may not exist yet.
        merchant = await merchants.authenticate_merchant(session, email, password)
        return await holder_of(session, merchant)
    if member.holder:
        merchant = await merchants.merchant_of(session, member.merchant_id)
        if not await passwords.verify(merchant.password_hash, password) or not merchant.active:
            raise InvalidCredentials()
        await merchants.rehash_if_due(merchant, password)
        return member
    if not await passwords.verify(member.password_hash, password) or member.status != MemberStatus.ACTIVE:
        raise InvalidCredentials()
    if member.password_hash and passwords.needs_rehash(member.password_hash):
        member.password_hash = await passwords.hash(password)
    return member


async def member_of(session: AsyncSession, merchant_id: int, member_id: int) -> Member:
    member = await repo.member_by_id(session, merchant_id, member_id)
    if member is None or member.status == MemberStatus.REMOVED:
        raise NotFound("No such member")
    return member


async def list_members(session: AsyncSession, merchant: Merchant) -> list[Member]:
    await holder_of(session, merchant)
    return list(await repo.members_of(session, merchant.id))


async def invite_member(
    session: AsyncSession, merchant: Merchant, inviter: Member, *, email: str | None, role: str | None, link: Link
) -> Member:
    """A new member, invited: the e-mail carries the link where they choose a name and a password."""
    problems = validation.Problems()
    address = validation.email(email, problems)
    chosen = _role(role, problems)
    problems.raise_any()
    if chosen is Role.OWNER and inviter.role is not Role.OWNER:
        raise Forbidden("Only an owner may make an owner")
    existing = await repo.member_by_email(session, address)
    taken = existing is not None and not (
        existing.merchant_id == merchant.id and existing.status == MemberStatus.REMOVED
    )
    if taken or await merchants.merchant_by_email(session, address) is not None:
        raise Conflict("Someone with this address is already on a team")
    token = new_token()
    member = existing or Member(merchant_id=merchant.id, email=address)
    member.role, member.status, member.password_hash = chosen, MemberStatus.INVITED, None
    member.totp_secret, member.totp_enabled, member.recovery_codes = None, False, []
    member.invited_by = inviter.id
    _hand_token(member, digest(token), INVITATION_TTL)
    session.add(member)
    await session.flush()
    context = _mail(merchant) | {"inviter": inviter.full_name or inviter.email, "role": chosen.value}
    context |= {"link": link(token), "days": INVITATION_TTL.days}
    await send_email(session, merchant.id, to=address, template="team_invitation", context=context)
    return member


async def accept_invitation(
    session: AsyncSession, token: str, *, full_name: str | None, password: str | None, confirmation: str | None
) -> Member:
    problems = validation.Problems()
    name = validation.full_name(full_name, problems, required=True)
    validation.new_password(password, confirmation, problems)
    problems.raise_any()
    member = await _by_token(session, token)
    if member.status != MemberStatus.INVITED:
        raise InvalidInput({"token": EXPIRED})
    member.full_name, member.status = name, MemberStatus.ACTIVE
    member.password_hash = await passwords.hash(password or "")
    member.token_hash = member.token_expires_at = None
    return member


async def invitation_of(session: AsyncSession, token: str) -> Member:
    """The invited member a link names, to greet them before they accept."""
    member = await _by_token(session, token)
    if member.status != MemberStatus.INVITED:
        raise InvalidInput({"token": EXPIRED})
    return member


async def change_role(session: AsyncSession, actor: Member, member_id: int, role: str | None) -> Member:
    problems = validation.Problems()
    chosen = _role(role, problems)
    problems.raise_any()
    member = await member_of(session, actor.merchant_id, member_id)
    if member.holder:
        raise Forbidden("The merchant account stays an owner")
    if Role.OWNER in (chosen, member.role) and actor.role is not Role.OWNER:
        raise Forbidden("Only an owner may make or unmake an owner")
    member.role = chosen
    return member


async def remove_member(session: AsyncSession, actor: Member, member_id: int) -> Member:
    member = await member_of(session, actor.merchant_id, member_id)
    if member.holder or member.id == actor.id:
        raise Forbidden("The merchant account and one's own membership can't be removed")
    if member.role is Role.OWNER and actor.role is not Role.OWNER:
        raise Forbidden("Only an owner may remove an owner")
    member.status, member.token_hash, member.token_expires_at = MemberStatus.REMOVED, None, None
    await repo.end_sessions(session, member.merchant_id, member.id)
    return member


async def request_password_reset(session: AsyncSession, settings: Settings, email: str | None, link: Link) -> None:
    """Answers the same whether or not the address is a member's, so the form can't be used to find members."""
    problems = validation.Problems()
    address = validation.email(email, problems)
    problems.raise_any()
    member = await repo.member_by_email(session, address)
    if member is None:
        merchant = await merchants.merchant_by_email(session, address)
        member = await holder_of(session, merchant) if merchant is not None and merchant.active else None
    if member is None or member.status != MemberStatus.ACTIVE:
        return
    merchant = await merchants.merchant_of(session, member.merchant_id)
    token = new_token()
    _hand_token(member, digest(token), RESET_TTL)
    context = _mail(merchant) | {"link": link(token), "minutes": int(RESET_TTL.total_seconds()) // 60}
    await send_email(session, merchant.id, to=member.email, template="team_password_reset", context=context)


async def reset_password(
    session: AsyncSession, token: str, *, password: str | None, confirmation: str | None
) -> Member:
    """A new password from a reset link; it ends every dashboard session of the member."""
    problems = validation.Problems()
    validation.new_password(password, confirmation, problems)
    problems.raise_any()
    member = await _by_token(session, token)
    if member.status != MemberStatus.ACTIVE:
        raise InvalidInput({"token": EXPIRED})
    member.token_hash = member.token_expires_at = None
    await _set_password(session, member, password or "")
    await repo.end_sessions(session, member.merchant_id, member.id)
    return member


async def change_password(
    session: AsyncSession,
    member: Member,
    *,
    current: str | None,
    password: str | None,
    confirmation: str | None,
    keep_session: int,
) -> None:
    """A new password, given the current one; every other session of the member ends."""
    problems = validation.Problems()
    validation.new_password(password, confirmation, problems)
    problems.raise_any()
    if not await verify_password(session, member, current or ""):
        raise InvalidInput({"current_password": "The current password is wrong"})
    await _set_password(session, member, password or "")
    await repo.end_sessions(session, member.merchant_id, member.id, but=keep_session)


async def verify_password(session: AsyncSession, member: Member, password: str) -> bool:
    if member.holder:
        merchant = await merchants.merchant_of(session, member.merchant_id)
        return await passwords.verify(merchant.password_hash, password)
    return await passwords.verify(member.password_hash, password)


async def _set_password(session: AsyncSession, member: Member, password: str) -> None:
    if member.holder:
        merchant = await merchants.merchant_of(session, member.merchant_id)
        await merchants.change_merchant_password(session, merchant, password)
    else:
        member.password_hash = await passwords.hash(password)


async def _by_token(session: AsyncSession, token: str) -> Member:
    member = await repo.member_by_token(session, digest(token)) if token else None
    if member is None or member.token_expires_at is None or member.token_expires_at <= clock.now():
        raise InvalidInput({"token": EXPIRED})
    return member


def _hand_token(member: Member, token_hash: str, ttl: timedelta) -> None:
    member.token_hash, member.token_expires_at = token_hash, clock.now() + ttl


def _role(value: str | None, problems: validation.Problems) -> Role:
    try:
        return Role(value or "")
    except ValueError:
        problems.add("role", f"A role is one of {', '.join(role.value for role in Role)}")
        return Role.ANALYST


def _mail(merchant: Merchant) -> dict[str, Any]:
    return {"brand_name": merchant.full_name}
