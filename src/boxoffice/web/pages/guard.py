"""What keeps the pages safe to show and to post to: the forms' CSRF tokens, the cookies' attributes, and the
headers every page carries (a Content-Security-Policy with a nonce, framing only by the merchant's own origins).

The pages are also opened inside an overlay on a merchant's site, a third-party frame where browsers keep no
ordinary cookie. Their cookies are therefore `SameSite=None; Secure; Partitioned` (CHIPS): kept per top-level
site, so a viewer signed in through one merchant's overlay is signed in there only. `Secure` needs HTTPS, which
browsers grant to loopback addresses too; served over plain HTTP to any other host (a test set-up on a LAN) the
cookies fall back to `SameSite=Lax` and the pages work when opened on their own, not in a frame.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from boxoffice.identity.tokens import token_secret, token_secrets
from boxoffice.kit.errors import DomainError, InvalidInput
from boxoffice.kit.settings import Settings

CSRF_COOKIE = "bo_csrf"
CSRF_FIELD = "csrf_token"
_PURPOSE = b"page-forms"
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
COOKIE_SAFE = re.compile(r"[A-Za-z0-9._~-]*", re.ASCII)
PATH_SAFE = re.compile(r"/[A-Za-z0-9/._~-]*", re.ASCII)


class FormExpired(DomainError):
    """A form posted without this browser's CSRF token: forged, or older than the browser's cookie."""

    default_message = "The form expired"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def form_token(key: str, cookie: str) -> str:
    """The token a form of this browser carries: an HMAC of its CSRF cookie under a key only this server has."""
    derived = hmac.new(key.encode(), _PURPOSE, hashlib.sha256).digest()
    return hmac.new(derived, cookie.encode(), hashlib.sha256).hexdigest()


def check_form(keys: Iterable[str], cookie: str | None, token: str | None) -> None:
    """FormExpired unless `token` is this browser's, under any key that still verifies."""
    if not cookie or not token or not any(hmac.compare_digest(form_token(key, cookie), token) for key in keys):
        raise FormExpired()


@dataclass(frozen=True, slots=True)
class Forms:
    """A browser's form tokens: its CSRF cookie (`new` when this answer must set it) and the keys that sign and
    verify tokens of it, the current one first."""

    keys: list[str]
    cookie: str
    new: bool

    def token(self) -> str:
        return form_token(self.keys[0], self.cookie)

    async def checked(self, request: Request) -> dict[str, str]:
        """The posted form's text fields, once its token is found to be this browser's."""
        form = await request.form()
        fields = {name: value for name, value in form.items() if isinstance(value, str)}
        check_form(self.keys, request.cookies.get(CSRF_COOKIE), fields.get(CSRF_FIELD))
        if any("\x00" in value for value in fields.values()):
            # No browser sends one, and PostgreSQL can't store it: refused whole, before anything reads the form.
            raise InvalidInput({"form": "The form holds a NUL character"})
        return fields


async def forms_of(request: Request, session: AsyncSession, settings: Settings) -> Forms:
    kept = request.cookies.get(CSRF_COOKIE, "")
    keys = [await token_secret(session, settings), *await token_secrets(session, settings)]
    return Forms(keys, kept, False) if 20 <= len(kept) <= 100 else Forms(keys, new_secret(), True)


def secure(request: Request) -> bool:
    """Whether the browser reached the page over HTTPS, or a loopback address it trusts as much."""
    return request.url.scheme == "https" or (request.url.hostname or "") in LOOPBACK


def set_cookie(
    request: Request, response: Response, name: str, value: str, *, path: str, max_age: int, framed: bool = True
) -> None:
    """Written by hand: the standard library learns `Partitioned` only in Python 3.14. Values are tokens, JWTs
    and language codes, which need no quoting; anything else is refused rather than mangled. A cookie of pages
    never shown in a frame (`framed=False`: the dashboard) is `SameSite=Strict`."""
    if not COOKIE_SAFE.fullmatch(value) or not COOKIE_SAFE.fullmatch(name) or not PATH_SAFE.fullmatch(path):
        raise ValueError("A page cookie holds a token: letters, digits and -._~ only")
    attributes = f"{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly"
    if not framed:
        attributes += "; Secure; SameSite=Strict" if secure(request) else "; SameSite=Strict"
    elif secure(request):
        attributes += "; Secure; SameSite=None; Partitioned"
    else:
        attributes += "; SameSite=Lax"
    response.headers.append("set-cookie", attributes)


def drop_cookie(request: Request, response: Response, name: str, *, path: str) -> None:
    set_cookie(request, response, name, "", path=path, max_age=0)


def policy(nonce: str, origins: Iterable[str], gateway: Iterable[str] = (), *, framed: bool = True) -> str:
    """The page's Content-Security-Policy: its own scripts and styles (and the inline ones carrying `nonce`),
    images from anywhere a merchant may host its logo, forms posted here or to the merchant's own origins, framing
    only by the merchant's origins; and `gateway`'s origins where the page shows a gateway's own card element
    (its script, its frames, its API). Pages never framed (the dashboard) are framed by nobody."""
    theirs, paying = " ".join(origins), " ".join(gateway)
    return "; ".join(
        part.rstrip()
        for part in (
            "default-src 'none'",
            f"script-src 'self' 'nonce-{nonce}' {paying}",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' https: data:",
            f"connect-src 'self' {paying}",
            *([f"frame-src {paying}"] if paying else []),
            f"form-action 'self' {theirs}",
            "base-uri 'none'",
            f"frame-ancestors 'self' {theirs}" if framed else "frame-ancestors 'none'",
        )
    )


def protect(
    response: Response, nonce: str, origins: Iterable[str], gateway: Iterable[str] = (), *, framed: bool = True
) -> Response:
    response.headers["Content-Security-Policy"] = policy(nonce, origins, gateway, framed=framed)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Cache-Control"] = "no-store"
    return response
