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
assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD, gc.get_threshold()
# Frozen objects are still freed once nothing refers to them; they are only spared the scans.
before = gc.get_freeze_count()
del kept_for_life
assert gc.get_freeze_count() <= before - 1000, (before, gc.get_freeze_count())
"""


def test_settling_freezes_what_startup_made_and_collects_the_young_less_often() -> None:
    done = subprocess.run([sys.executable, "-c", SETTLES], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
