"""What a worker process runs: the jobs loop and the webhook sender, side by side until stopped."""

from __future__ import annotations

import asyncio

from boxoffice.kit import jobs
from boxoffice.webhooks.sender import Sender


async def work(sender: Sender) -> None:
    """Run the jobs and `sender` (built by `boxoffice.app.webhook_sender`, which knows the wire format)."""
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(jobs.work_forever(sender.factory, sender.settings))
            group.create_task(sender.run_forever())
    finally:
        await sender.aclose()
