"""The collector settings a serving process runs with."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from boxoffice.kit import heap


@pytest.fixture
def restored_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settling_freezes_what_startup_made_and_collects_the_young_less_often(restored_collector: None) -> None:
    kept_for_life = [[n] for n in range(1000)]
    gc.unfreeze()
    heap.settle()
    assert gc.get_freeze_count() >= len(kept_for_life)
    assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
    # Frozen objects are still freed once nothing refers to them; they are only spared the scans.
    before = gc.get_freeze_count()
    del kept_for_life
    assert gc.get_freeze_count() <= before - 1000
