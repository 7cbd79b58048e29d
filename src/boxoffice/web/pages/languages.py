"""The languages the pages speak, which one a viewer gets, and the message catalogues behind them.

A catalogue is a gettext PO file shipped with the package and compiled in memory the first time it is needed, so
nothing is built at install time and nothing is read at run time but the package's own files. English is the
source language: its messages are the msgids themselves.
"""

from __future__ import annotations

import io
from functools import cache
from gettext import NullTranslations
from importlib.resources import files

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

SOURCE = "en"
LANGUAGES = ("en", "fr")
NAMES = {"en": "English", "fr": "Français"}
MAX_HEADER = 500  # an Accept-Language longer than this is read no further


@cache
def translations(language: str) -> NullTranslations:
    """The catalogue of `language` (one of LANGUAGES); English's is empty."""
    if language == SOURCE:
        return NullTranslations()
    source = files("boxoffice.web.pages").joinpath("locales", f"{language}.po").read_text(encoding="utf-8")
    catalog = read_po(io.StringIO(source), locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def accepted(header: str | None) -> list[str]:
    """The languages an Accept-Language header asks for, most wanted first (RFC 9110 §12.5.4); `*` and tags
    with q=0 left out."""
    ranked: list[tuple[float, int, str]] = []
    for at, part in enumerate((header or "")[:MAX_HEADER].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, at, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def supported(tag: str | None) -> str | None:
    """The language of LANGUAGES a tag ("fr", "fr-CA", "FR_be") is in, if any."""
    if not tag or len(tag) > 35:
        return None
    try:
        language = Locale.parse(tag.strip().replace("-", "_")).language
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    return language if language in LANGUAGES else None


def chosen(asked: str | None, kept: str | None, header: str | None) -> str:
    """The page's language: the one asked for in the address (`?lang=`), else the one the viewer chose before
    (a cookie), else the first of their browser's that the pages speak, else English."""
    for tag in (asked, kept, *accepted(header)):
        language = supported(tag)
        if language is not None:
            return language
    return SOURCE
