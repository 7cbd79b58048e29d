"""The pages' templates: one Jinja environment over the package's files, rendering in the viewer's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from boxoffice.kit.locales import day_text, money_text
from boxoffice.kit.money import Money
from boxoffice.web.pages import languages


def environment(package: str) -> Environment:
    """The templates of `package` (its `templates` folder), escaped as HTML, strict about undefined names."""
    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_environment = environment("boxoffice.web.pages")


def words(language: str) -> dict[str, Any]:
    """What a template writes text and values with, in `language`: `_("Sign in")`, `_("Hello %(name)s",
    name=...)`, `money(Money)` or `money(minor units, currency)`, `day(moment)`. Messages are plain text;
    autoescaping escapes them with the rest."""
    catalogue = languages.translations(language)

    def translate(message: str, **values: object) -> str:
        found = catalogue.gettext(message)
        return found % values if values else found

    return {
        "_": translate,
        "money": lambda amount, currency=None: money_text(
            amount if isinstance(amount, Money) else Money(amount, currency), language
        ),
        "day": lambda moment: day_text(moment, language) if isinstance(moment, datetime) else "",
        "lang": language,
    }


def render(template: str, values: dict[str, Any]) -> str:
    return _environment.get_template(template).render(values)
