"""Reading what `/metrics` answers (Prometheus's text format) in tests."""

from __future__ import annotations


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name` whose labels include `labels`; 0 when there is none, as Prometheus reads a
    labelled counter not yet incremented."""
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    for line in text.splitlines():
        metric, _, value = line.rpartition(" ")
        if (metric == name or metric.startswith(name + "{")) and all(label in metric for label in wanted):
            return float(value)
    return 0.0
