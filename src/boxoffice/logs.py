"""Structured logs. Secrets never reach a log line: known secret-bearing keys are masked before rendering."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

import structlog

SECRET_KEYS = frozenset(
    {"password", "password_confirmation", "old_password", "client_secret", "secret", "token", "access_token",
     "refresh_token", "pin", "pin_code", "authorization", "smtp_url"}
)


def _mask_secrets(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in event.keys() & SECRET_KEYS:
        event[key] = "***"
    return event


def configure(level: str = "INFO", as_json: bool = False) -> None:
    logging.basicConfig(level=level.upper(), format="%(message)s")
    renderer: Any = structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _mask_secrets,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=True,
    )
