"""The absolute base of the links Boxoffice hands out (cursors, unsubscribe and download links, the sandbox's
pages, Stripe's webhook address).

`BOXOFFICE_PUBLIC_URL` wins when set. Unset, a link is made with the base the request being answered was addressed
to, which the web layer names for as long as it answers (`answering`); outside any request (the worker, the
command line) it is `LOCAL`, where `boxoffice serve` listens unless told otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

LOCAL = "http://127.0.0.1:8000"
_answering: ContextVar[str | None] = ContextVar("boxoffice_request_base", default=None)


def of(configured: str | None) -> str:
    """The base for links made now, without a trailing slash; `configured` is `BOXOFFICE_PUBLIC_URL`."""
    return (configured or _answering.get() or LOCAL).rstrip("/")


@contextmanager
def answering(base: str | None) -> Iterator[None]:
    """Links made inside the block, by the request that was addressed to `base`, start with it."""
    token = _answering.set(base)
    try:
        yield
    finally:
        _answering.reset(token)
