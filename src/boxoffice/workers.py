"""What a worker process runs: the jobs loop and the webhook sender, side by side until stopped."""

from __future__ import annotations

import asyncio

from boxoffice.kit import jobs
from boxoffice.kit.stopping import Stopping
from boxoffice.webhooks.sender import Sender


async def work(sender: Sender, stopping: Stopping) -> None:
    """Run the jobs and `sender` (built by `boxoffice.app.webhook_sender`, which knows the wire format) until
    `stopping` is asked."""
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(jobs.work_forever(sender.factory, sender.settings, stopping))
            group.create_task(sender.run_forever(stopping))
    finally:
        await sender.aclose()
