"""Cleeng's names for a subscription's billing period."""

from __future__ import annotations


def period(unit: str, quantity: int) -> str:
    """Cleeng's period names: `month`, `3months`, `year` …"""
    return unit if quantity == 1 else f"{quantity}{unit}s"
