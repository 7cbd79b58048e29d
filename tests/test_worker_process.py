"""`boxoffice worker` as systemd stops it: SIGTERM ends the process cleanly once the work in hand is done."""

from __future__ import annotations

import asyncio
import signal

from boxoffice.kit.settings import Settings
from tests.conftest import unconfigured_environment
from tests.served import BOXOFFICE


async def test_sigterm_stops_the_worker_cleanly(settings: Settings) -> None:
    env = unconfigured_environment() | {
        "BOXOFFICE_DATABASE_URL": settings.database_url,
        "BOXOFFICE_MAIL_DIR": str(settings.mail_dir),
    }
    process = await asyncio.create_subprocess_exec(
        *BOXOFFICE, "worker", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    assert process.stdout is not None
    printed: list[str] = []
    try:
        async with asyncio.timeout(60):
            while "worker.started" not in (printed[-1] if printed else ""):
                line = await process.stdout.readline()
                assert line, "the worker exited before it started:\n" + "".join(printed)
                printed.append(line.decode(errors="replace"))
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            printed += (await process.stdout.read()).decode(errors="replace").splitlines(keepends=True)
            code = await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert code == 0, "".join(printed)
    assert any("worker.stopped" in line for line in printed), "".join(printed)
    assert not any("Traceback" in line for line in printed), "".join(printed)
