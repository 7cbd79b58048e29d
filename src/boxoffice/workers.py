"""What a worker process runs: the jobs loop and the webhook sender, side by side until stopped."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice import jobs
from boxoffice.dialects.inplayer.webhook_payloads import InPlayerWebhooks
from boxoffice.settings import Settings
from boxoffice.webhooks.sender import Sender


def webhook_sender(factory: async_sessionmaker[AsyncSession], settings: Settings) -> Sender:
    # Webhooks go out in InPlayer's format, the one our receivers' integrations already read.
    return Sender(factory, settings, InPlayerWebhooks())


async def work(factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    sender = webhook_sender(factory, settings)
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(jobs.work_forever(factory, settings))
            group.create_task(sender.run_forever())
    finally:
        await sender.aclose()
