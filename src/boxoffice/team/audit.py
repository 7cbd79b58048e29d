"""The audit log: who changed what, when and from where, for every write through the dashboard or the merchant API."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.db import Page
from boxoffice.team import repository as repo
from boxoffice.team.models import ActorKind, AuditEntry, Member

PAGE = 50


@dataclass(frozen=True, slots=True)
class Actor:
    """Who a write is done by: a signed-in member, or the merchant API."""

    merchant_id: int
    kind: ActorKind
    name: str
    member_id: int | None = None

    @classmethod
    def member(cls, member: Member) -> Actor:
        return cls(member.merchant_id, ActorKind.MEMBER, member.email, member.id)

    @classmethod
    def api(cls, merchant_id: int, caller: str) -> Actor:
        return cls(merchant_id, ActorKind.API, caller)


def record(session: AsyncSession, actor: Actor, action: str, target: str, client: ClientInfo) -> None:
    session.add(
        AuditEntry(
            merchant_id=actor.merchant_id,
            actor_kind=actor.kind,
            member_id=actor.member_id,
            actor=actor.name[:320],
            action=action[:200],
            target=target[:500],
            ip_address=client.ip_address,
            user_agent=(client.user_agent or "")[:1000] or None,
        )
    )


async def search(session: AsyncSession, merchant_id: int, text: str, page: int) -> Page[AuditEntry]:
    # Searched for as typed, but for a NUL, which PostgreSQL can't compare (and no entry holds).
    wanted = text.replace("\x00", "").strip()[:100]
    return await repo.search_audit(session, merchant_id, wanted, offset=max(page, 0) * PAGE, limit=PAGE)
