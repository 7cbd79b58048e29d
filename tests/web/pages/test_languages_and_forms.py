"""The pages' languages (what a browser asks for, what the viewer gets, every message translated) and their form
tokens (only this server's, for only this browser's cookie)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from boxoffice.web.pages import account, cards, checkout, guard, languages, refusals, routing, sign_in

TEMPLATES = Path(sign_in.__file__).parent / "templates"


@pytest.mark.parametrize(
    ("header", "wanted"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", ["fr-CH", "fr", "en", "de"]),
        ("en;q=0.1, fr", ["fr", "en"]),
        ("de;q=0, fr;q=oops, it", ["it"]),
        ("", []),
        (None, []),
    ],
)
def test_a_browsers_languages_are_read_most_wanted_first(header: str | None, wanted: list[str]) -> None:
    assert languages.accepted(header) == wanted


@pytest.mark.parametrize(
    ("asked", "kept", "header", "language"),
    [
        (None, None, "de-DE, fr-BE;q=0.8", "fr"),
        (None, None, "de-DE, ja", "en"),
        ("en", "fr", "fr", "en"),
        (None, "fr", "en", "fr"),
        ("xx-not-a-tag", None, "fr", "fr"),
        ("FR_ca", None, None, "fr"),
        (None, None, "x" * 10_000, "en"),
    ],
)
def test_the_language_asked_wins_then_the_kept_then_the_browsers(
    asked: str | None, kept: str | None, header: str | None, language: str
) -> None:
    assert languages.chosen(asked, kept, header) == language


def _messages() -> set[str]:
    """Every message the pages show: the templates' `_("...")`, and the page modules' own texts."""
    found: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text(encoding="utf-8")
        found |= set(re.findall(r'_\("((?:[^"\\]|\\.)*)"', source)) | set(re.findall(r"_\('((?:[^'\\]|\\.)*)'", source))
    found |= {sign_in.WRONG, refusals.TOO_MANY, sign_in.TAKEN, *account.NOTICES.values()}
    found |= {*routing.MESSAGES.values(), routing.FALLBACK, *refusals.HELD.values(), refusals.NOT_ON_SALE}
    found |= {message for pair in (*checkout.EVERY.values(), *checkout.LASTING.values()) for message in pair}
    found |= set(re.findall(r'problems\["\w+"\] = "([^"]+)"', Path(cards.__file__).read_text(encoding="utf-8")))
    return found


def test_every_message_of_the_pages_is_in_the_french_catalogue() -> None:
    source = (TEMPLATES.parent / "locales" / "fr.po").read_text(encoding="utf-8")
    translated = {message.id for message in read_po(io.StringIO(source)) if message.id and message.string}
    messages = _messages()
    assert len(messages) > 100
    assert sorted(messages - translated) == []
    french = languages.translations("fr")
    # Placeholders survive translation, or a page would fail to render in French.
    for message in messages:
        assert set(re.findall(r"%\(\w+\)s", french.gettext(message))) == set(re.findall(r"%\(\w+\)s", message))


def test_english_is_the_messages_themselves() -> None:
    assert languages.translations("en").gettext("Sign in") == "Sign in"


def test_a_form_token_is_this_servers_for_this_browsers_cookie_only() -> None:
    cookie, other = guard.new_secret(), guard.new_secret()
    token = guard.form_token("key-1", cookie)
    guard.check_form(["key-0", "key-1"], cookie, token)  # under any key that still verifies
    for keys, given_cookie, given_token in (
        (["key-0"], cookie, token),  # a key that no longer verifies
        (["key-1"], other, token),  # another browser's cookie
        (["key-1"], cookie, token[:-1] + ("0" if token[-1] != "0" else "1")),
        (["key-1"], None, token),
        (["key-1"], cookie, None),
        (["key-1"], "", guard.form_token("key-1", "")),
    ):
        with pytest.raises(guard.FormExpired):
            guard.check_form(keys, given_cookie, given_token)


def test_a_cookie_that_would_need_quoting_is_refused() -> None:
    from starlette.requests import Request
    from starlette.responses import Response

    request = Request({"type": "http", "scheme": "http", "server": ("example.com", 80), "path": "/", "headers": []})
    with pytest.raises(ValueError, match="token"):
        guard.set_cookie(request, Response(), "bo_viewer", 'a"; Domain=evil', path="/pages", max_age=1)
