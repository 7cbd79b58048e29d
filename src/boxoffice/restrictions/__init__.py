"""Geo, domain, age, device and session limits."""
