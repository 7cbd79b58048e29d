"""The collector settings a serving process runs with, in a process of its own: settling collects the whole heap,
which in a test process that has run many tests before would take a minute rather than a moment."""

from __future__ import annotations

import subprocess
import sys

SETTLES = """
import gc
from boxoffice.kit import heap

kept_for_life = [[n] for n in range(1000)]
heap.settle()
assert gc.get_freeze_count() >= len(kept_for_life), gc.get_freeze_count()
assert gc.get_threshold()[0::2] == (heap.YOUNG_THRESHOLD, heap.OLD_THRESHOLD), gc.get_threshold()
# Frozen objects are still freed once nothing refers to them; they are only spared the scans.
before = gc.get_freeze_count()
del kept_for_life
assert gc.get_freeze_count() <= before - 1000, (before, gc.get_freeze_count())

# What a full collection finds alive (a cache filled while serving) is frozen with it: the next one skips it.
cached = {n: [n] for n in range(5000)}
before = gc.get_freeze_count()
gc.collect()
assert gc.get_freeze_count() >= before + len(cached), (before, gc.get_freeze_count())
# A cycle that becomes garbage before a full collection is still collected.
cycle: list[object] = []
cycle.append(cycle)
del cycle
assert gc.collect() >= 1
"""


def test_settling_freezes_what_startup_made_and_what_outlives_a_full_collection_and_collects_less_often() -> None:
    done = subprocess.run([sys.executable, "-c", SETTLES], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
