"""Garbage-collector settings for a serving process, where a full collection is a pause every request waits out.

CPython collects its youngest generation every 700 new container objects. Under load that is hundreds of times a
second, and each time the requests in flight survive and are promoted, so the oldest generation swells and is
scanned whole — every cached session and entitlement with it — in pauses of a hundred milliseconds or more. A
serving process (and a worker, whose webhook deliveries allocate as fast) instead freezes what startup allocated
(never garbage, never scanned again) and collects the young generation a few dozen times a second, which promotes
far less.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000


def settle() -> None:
    """Call once the process has loaded what it keeps for its lifetime."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
