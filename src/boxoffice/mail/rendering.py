"""Turning a template and its variables into a message: the built-in templates, or a merchant's own version.

A merchant's version is code someone outside the operator wrote, so it runs in Jinja's immutable sandbox: it
reads its variables and nothing else (no attributes that reach Python's internals, no changing what it is given),
and it may extend the built-in `_layout.html` but load no other file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import structlog
from jinja2 import (
    Environment,
    FunctionLoader,
    PackageLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    select_autoescape,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment

log = structlog.get_logger(__name__)

LAYOUT = "_layout.html"
Part = Literal["subject", "text", "html"]
PARTS: tuple[Part, ...] = ("subject", "text", "html")
_FILES: dict[Part, str] = {"subject": "{}.subject.txt", "text": "{}.txt", "html": "{}.html"}
# Generous for an HTML message with inline styles; a bound so that one merchant can't fill the database.
MAX_SOURCE = 100_000

_OPTIONS: dict[str, Any] = {"undefined": StrictUndefined, "trim_blocks": True, "lstrip_blocks": True}
_files = PackageLoader("boxoffice.mail", "templates")
_builtin = Environment(loader=_files, autoescape=select_autoescape(["html"]), **_OPTIONS)


def _source(name: str) -> str:
    source, _filename, _uptodate = _files.get_source(_builtin, name)
    return source


_layout_only = FunctionLoader(lambda name: _source(name) if name == LAYOUT else None)
_sandbox_text = ImmutableSandboxedEnvironment(loader=_layout_only, autoescape=False, **_OPTIONS)
_sandbox_html = ImmutableSandboxedEnvironment(loader=_layout_only, autoescape=True, **_OPTIONS)


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class Sources:
    """The three parts of a template as written: a built-in one's files, or a merchant's version."""

    subject: str
    text: str
    html: str

    def part(self, part: Part) -> str:
        return {"subject": self.subject, "text": self.text, "html": self.html}[part]


def builtin_sources(name: str) -> Sources:
    return Sources(*(_source(_FILES[part].format(name)) for part in PARTS))


def _one_line(subject: str) -> str:
    # A line break in a header is refused by the mail library, whatever the context holds.
    return " ".join(subject.split())


def render(name: str, context: dict[str, Any]) -> Rendered:
    """The built-in template `name`; a missing variable raises (StrictUndefined), a bug for the tests to find."""
    subject, text, html = (_builtin.get_template(_FILES[part].format(name)).render(context) for part in PARTS)
    return Rendered(_one_line(subject), text, html)


@lru_cache(maxsize=256)
def _compiled(part: Part, source: str) -> Template:
    """A merchant's part, compiled once however many messages use it."""
    return (_sandbox_html if part == "html" else _sandbox_text).from_string(source)


def render_sandboxed(sources: Sources, context: dict[str, Any]) -> Rendered:
    subject, text, html = (_compiled(part, sources.part(part)).render(context) for part in PARTS)
    return Rendered(_one_line(subject), text, html)


def compose(name: str, context: dict[str, Any], custom: Sources | None) -> Rendered:
    """The merchant's version of `name` when it has one; the built-in one when it hasn't, or when its version
    fails on this message's values (it was tried on samples when saved, but real values can differ), so that a
    merchant's template never keeps a message from going out."""
    if custom is not None:
        try:
            return render_sandboxed(custom, context)
        except Exception as exc:  # whatever the merchant's code raises: theirs to fix, not a reason to send nothing
            log.warning("email.custom_template_failed", template=name, error=f"{type(exc).__name__}: {exc}")
    return render(name, context)


def problems_with(sources: Sources, sample: dict[str, Any]) -> dict[str, str]:
    """Why a merchant's version can't be used, by part: missing, too long, not Jinja, or failing on the sample
    values (an unknown variable, something the sandbox forbids). Empty when it is fine."""
    found = {part: _problem(part, sources.part(part), sample) for part in PARTS}
    return {part: problem for part, problem in found.items() if problem is not None}


def _problem(part: Part, source: str, sample: dict[str, Any]) -> str | None:
    if not source.strip():
        return f"The {part} is required"
    if len(source) > MAX_SOURCE:
        return f"The {part} is longer than {MAX_SOURCE} characters"
    try:
        rendered = _compiled(part, source).render(sample)
    except TemplateSyntaxError as exc:
        return f"Line {exc.lineno}: {exc.message}"
    except TemplateNotFound:
        return f"Only {LAYOUT} can be extended or included"
    except TemplateError as exc:
        return f"Fails on the sample values: {exc.message}"
    except Exception as exc:  # arithmetic on text, a division by zero … in the merchant's code
        return f"Fails on the sample values: {type(exc).__name__}: {exc}"
    if part == "subject" and not _one_line(rendered):
        return "The subject is empty once rendered"
    return None
