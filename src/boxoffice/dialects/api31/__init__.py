"""Cleeng's API 3.1 (cleeng-api.md §4): the publisher's REST API under `/3.1`, on the same core."""
