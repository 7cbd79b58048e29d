"""The audit log's entry for a write a request made: who (the actor its authentication named), what (the route,
or the words the page chose), on what (the path's ids), from where (the client's address and agent)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.kit.requests import get_client
from boxoffice.team import audit


async def record_write(request: Request, session: AsyncSession) -> None:
    actor: audit.Actor | None = getattr(request.state, "actor", None)
    if actor is None:
        return  # a viewer's write, or one whose caller was never named: not the merchant's team's doing
    route = request.scope.get("route")
    action = (
        getattr(request.state, "audit_action", None) or f"{request.method} {getattr(route, 'path', request.url.path)}"
    )
    target = getattr(request.state, "audit_target", None) or ", ".join(
        f"{name} {value}" for name, value in request.path_params.items()
    )
    audit.record(session, actor, action, target, await get_client(request))
