"""Dashboard sessions: started by a password, made whole by the second factor when the member has one, listed and
ended by the member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import merchants
from boxoffice.identity.models import Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import InvalidInput, NotFound
from boxoffice.kit.passwords import digest, new_token
from boxoffice.kit.sealing import Sealer
from boxoffice.team import repository as repo
from boxoffice.team import two_factor
from boxoffice.team.models import Member, MemberSession, MemberStatus, SessionState

SESSION_TTL = timedelta(hours=12)
CODE_TTL = timedelta(minutes=5)  # between the password and the code
# A session's last use is written at most this often, so reading pages does not write on every request.
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class SignedIn:
    merchant: Merchant
    member: Member
    session: MemberSession


@dataclass(frozen=True, slots=True)
class Started:
    token: str  # for the cookie
    awaiting_code: bool


def start_session(session: AsyncSession, member: Member, client: ClientInfo) -> Started:
    token = new_token()
    awaiting = member.totp_enabled
    session.add(
        MemberSession(
            merchant_id=member.merchant_id,
            member_id=member.id,
            token_hash=digest(token),
            state=SessionState.AWAITING_CODE if awaiting else SessionState.ACTIVE,
            ip_address=client.ip_address,
            user_agent=client.user_agent,
            expires_at=clock.now() + (CODE_TTL if awaiting else SESSION_TTL),
        )
    )
    return Started(token, awaiting)


async def signed_in(session: AsyncSession, token: str | None) -> SignedIn | None:
    """The member a session cookie stands for, if the session is whole and current and the member still on the team."""
    found = await _current(session, token, SessionState.ACTIVE)
    if found is None:
        return None
    member_session, member, merchant = found
    now = clock.now()
    if now - member_session.last_seen_at >= SEEN_EVERY:
        member_session.last_seen_at = now
    return SignedIn(merchant, member, member_session)


async def awaiting_code(session: AsyncSession, token: str | None) -> Member | None:
    found = await _current(session, token, SessionState.AWAITING_CODE)
    return found[1] if found else None


async def confirm_code(session: AsyncSession, sealer: Sealer, token: str | None, code: str) -> Started:
    """The second factor given: the half-made session ends and a whole one, under a new token, starts."""
    found = await _current(session, token, SessionState.AWAITING_CODE)
    if found is None:
        raise InvalidInput({"code": "The sign-in has expired; start again"})
    half, member, _merchant = found
    two_factor.check_second_factor(member, sealer, code)
    half.state = SessionState.ENDED
    whole = new_token()
    session.add(
        MemberSession(
            merchant_id=member.merchant_id,
            member_id=member.id,
            token_hash=digest(whole),
            state=SessionState.ACTIVE,
            ip_address=half.ip_address,
            user_agent=half.user_agent,
            expires_at=clock.now() + SESSION_TTL,
        )
    )
    return Started(whole, False)


async def list_sessions(session: AsyncSession, member: Member) -> list[MemberSession]:
    return list(await repo.sessions_of(session, member.merchant_id, member.id, clock.now()))


async def end_session(session: AsyncSession, member: Member, session_id: int) -> None:
    for kept in await repo.sessions_of(session, member.merchant_id, member.id, clock.now()):
        if kept.id == session_id:
            kept.state = SessionState.ENDED
            return
    raise NotFound("No such session")


async def _current(
    session: AsyncSession, token: str | None, state: SessionState
) -> tuple[MemberSession, Member, Merchant] | None:
    if not token:
        return None
    member_session = await repo.session_by_token(session, digest(token))
    if member_session is None or member_session.state != state or member_session.expires_at <= clock.now():
        return None
    member = await repo.member_by_id(session, member_session.merchant_id, member_session.member_id)
    if member is None or member.status != MemberStatus.ACTIVE:
        return None
    merchant = await merchants.merchant_of(session, member.merchant_id)
    return (member_session, member, merchant) if merchant.active else None
