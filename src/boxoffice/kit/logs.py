"""Structured logs. Secrets never reach a log line: secret-named keys, at any depth, and passwords inside URLs
are masked before rendering."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from contextvars import ContextVar
from typing import Any

import structlog

SECRET_KEYS = frozenset(
    {
        "password",
        "password_confirmation",
        "old_password",
        "client_secret",
        "secret",
        "token",
        "access_token",
        "refresh_token",
        "pin",
        "pin_code",
        "authorization",
        "smtp_url",
    }
)


# Besides the names above, any key ending in one of these (`smtp_password`, `webhook_secret`, `X-Api-Key` …).
SECRET_SUFFIXES = (
    "password",
    "secret",
    "token",
    "api_key",
    "apikey",
    "authorization",
    "secret_key",
    "private_key",
    "signing_key",
)
MASK = "***"
# The password in a URL's user info: `postgresql://app:s3cret@db/boxoffice`, `smtp://user:pass@mail:587`.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^\s/]*@")


def _is_secret(key: object) -> bool:
    if not isinstance(key, str):
        return False
    lowered = key.lower().replace("-", "_")
    return lowered in SECRET_KEYS or lowered.endswith(SECRET_SUFFIXES)


def _masked(value: Any, depth: int = 0) -> Any:
    """A copy of `value` with secret-named entries of any mapping inside it masked (the caller's is kept)."""
    if depth > 8:
        return value
    if isinstance(value, Mapping):
        return {k: MASK if _is_secret(k) else _masked(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v, depth + 1) for v in value]
    if isinstance(value, str) and "://" in value:
        return _URL_PASSWORD.sub(rf"\g<head>{MASK}@", value)
    return value


def _mask_secrets(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Mask secret-named keys at any depth (headers, payloads), whatever their case."""
    for key in list(event):
        event[key] = MASK if _is_secret(key) else _masked(event[key])
    return event


def _uvicorn_access_fields(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Uvicorn's access lines as fields besides their text: `client - "METHOD path HTTP/v" status`."""
    given = event.pop("positional_args", None)
    record = event.get("_record")
    if record is not None and record.name == "uvicorn.access" and isinstance(given, tuple) and len(given) == 5:
        client, method, path, version, status = given
        event.update(client=client, method=method, path=path, http_version=version, status=status)
    return event


# The id of the request being answered (see `boxoffice.web.request_ids`). A variable of its own rather than
# structlog's bound context: setting and resetting it is a few hundred nanoseconds on every request.
request_id: ContextVar[str | None] = ContextVar("boxoffice_request_id", default=None)


def add_request_id(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    current = request_id.get()
    if current is not None:
        event.setdefault("request_id", current)
    return event


# What a line from the standard library's logging (Uvicorn's, a library's) goes through before it is rendered, as
# structlog's own lines do: the request id and other bound context, level, time, secrets masked.
_STDLIB_CHAIN: list[Any] = [
    structlog.contextvars.merge_contextvars,
    add_request_id,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    _uvicorn_access_fields,
    _mask_secrets,
]


def json_formatter() -> logging.Formatter:
    """Renders standard-library records as the JSON lines structlog writes (Uvicorn's `log_config` names it)."""
    return structlog.stdlib.ProcessorFormatter(
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        foreign_pre_chain=_STDLIB_CHAIN,
        pass_foreign_args=True,
    )


class _StandardOutput(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stdout` is when a line is written, not to the one it was made with: the handler
    outlives a swapped and closed stream (a test's captured output, a CLI runner's) and would fail on it."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _json_handler() -> logging.Handler:
    handler = _StandardOutput()
    handler.setFormatter(json_formatter())
    return handler


def uvicorn_log_config(level: str, as_json: bool) -> dict[str, Any] | None:
    """Uvicorn's logging (its error and access loggers, and the root's), for `boxoffice serve`: with `as_json`, the
    same JSON lines on standard output as everything else; otherwise None, Uvicorn's own."""
    if not as_json:
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.json_formatter"}},
        "handlers": {"json": handler},
        "loggers": {
            name: {"handlers": ["json"], "level": level.upper(), "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
        "root": {"handlers": ["json"], "level": level.upper()},
    }


def configure(level: str = "INFO", as_json: bool = False) -> None:
    """structlog's lines, and with `as_json` every standard-library line too, as one JSON stream on standard
    output (one object a line); otherwise readable lines."""
    if as_json:
        root = logging.getLogger()
        if not any(isinstance(handler.formatter, structlog.stdlib.ProcessorFormatter) for handler in root.handlers):
            root.handlers = [_json_handler()]
        root.setLevel(level.upper())
    else:
        logging.basicConfig(level=level.upper(), format="%(message)s")
    renderer: Any = structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer(colors=False)
    # Loggers already used keep the list of processors they were first used with: it is changed in place, so
    # that configuring again (another app in the same process, a test) reaches them too.
    processors = structlog.get_config()["processors"]
    processors[:] = [
        structlog.contextvars.merge_contextvars,
        add_request_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _mask_secrets,
        structlog.processors.format_exc_info,
        renderer,
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=True,
    )
