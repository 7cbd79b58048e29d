"""How a page hands its work to the use cases that own their transactions, as a dialect's route does
(`kit.requests.OwnTransactions`): a page runs in no request transaction, so declaring `OwnTransactions` hands it
the factory those use cases open their sessions from. A page never commits by itself."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


async def own_transactions(request: Request) -> async_sessionmaker[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    return sessions


OwnTransactions = Annotated[async_sessionmaker[AsyncSession], Depends(own_transactions)]
