"""Garbage-collector settings for a serving process, where a full collection is a pause every request waits out.

CPython collects its youngest generation every 700 new container objects. Under load that is hundreds of times a
second, and each time the requests in flight survive and are promoted, so the oldest generation swells and is
scanned whole — every cached session and entitlement with it — in pauses of a hundred milliseconds or more. A
serving process (and a worker, whose webhook deliveries allocate as fast) instead freezes what startup allocated
(never garbage, never scanned again) and collects the young generation a few dozen times a second, which promotes
far less.

What stays long is what the process caches as it serves: a live event's first minute fills the access checker's
caches with every viewer, and CPython scans the oldest generation whole each time it has grown by a quarter — with
a million objects cached, a pause of 370 ms on this project's benchmark machine. So a full collection waits for a
thousand collections of the middle generation rather than ten (a minute or two under load, far longer idle), and
what survives it is frozen too: the next one scans only what came since. Frozen objects are still freed when
nothing refers to them; only a cycle among objects that were alive at a full collection outlives its last reference,
and a full collection is rare enough that the few requests then in flight are all it could ever keep.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000
OLD_THRESHOLD = 1_000


def settle() -> None:
    """Call once the process has loaded what it keeps for its lifetime."""
    gc.collect()
    gc.freeze()
    _, middle, _ = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, OLD_THRESHOLD)
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()
