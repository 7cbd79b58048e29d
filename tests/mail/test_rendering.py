"""Rendering: the built-in templates with their variables, and a merchant's own versions in the sandbox."""

from __future__ import annotations

from importlib.resources import files

import jinja2
import pytest
from jinja2 import meta

from boxoffice.mail.rendering import (
    LAYOUT,
    MAX_SOURCE,
    PARTS,
    Sources,
    builtin_sources,
    compose,
    problems_with,
    render,
    render_sandboxed,
)
from boxoffice.mail.variables import NAMES, SAMPLES, variables_of

TEMPLATES = files("boxoffice.mail") / "templates"
WELCOME = SAMPLES["welcome"]


def _used(source: str) -> set[str]:
    return set(meta.find_undeclared_variables(jinja2.Environment(autoescape=True).parse(source)))


def test_every_template_on_disk_is_known_with_its_samples() -> None:
    on_disk = {entry.name.split(".")[0] for entry in TEMPLATES.iterdir() if not entry.name.startswith("_")}
    assert on_disk == set(NAMES)
    assert {"purchase_receipt", "renewal", "payment_failed", "cancellation", "webhook_disabled"} <= on_disk


@pytest.mark.parametrize("name", NAMES)
def test_the_variables_shown_are_exactly_those_the_template_uses(name: str) -> None:
    sources = builtin_sources(name)
    used = set().union(*(_used(sources.part(part)) for part in PARTS))
    if LAYOUT in sources.html:
        used |= _used((TEMPLATES / LAYOUT).read_text())
    assert used == set(variables_of(name))


@pytest.mark.parametrize("name", NAMES)
def test_every_builtin_renders_and_would_pass_as_a_merchants_own(name: str) -> None:
    rendered = render(name, SAMPLES[name])
    assert rendered.subject and "\n" not in rendered.subject
    assert "Acme Video" in rendered.html and "<html" not in rendered.text
    # A merchant starts from our source: as it is, it must be accepted, and read the same in the sandbox.
    assert problems_with(builtin_sources(name), SAMPLES[name]) == {}
    assert render_sandboxed(builtin_sources(name), SAMPLES[name]) == rendered


def test_the_webhook_engine_context_renders_with_and_without_an_error() -> None:
    context = {"brand_name": "Acme", "url": "https://h.example.com/x", "failures": 20, "endpoint_id": 3}
    told = render("webhook_disabled", context | {"last_error": "HTTP 500"})
    assert "https://h.example.com/x (id 3)" in told.text and "failed 20 times" in told.text
    assert "HTTP 500" in told.text
    assert "last error" not in render("webhook_disabled", context | {"last_error": None}).text


def test_a_merchants_version_extends_the_layout_and_escapes_only_html() -> None:
    mine = Sources(
        "Hi {{ full_name }}",
        "Dear {{ full_name }}, welcome.",
        '{% extends "_layout.html" %}{% block title %}Hi{% endblock %}{% block body %}<p>{{ full_name }}</p>'
        "{% endblock %}",
    )
    shown = render_sandboxed(mine, WELCOME | {"full_name": "<b>Vera</b> & Co"})
    assert shown.subject == "Hi <b>Vera</b> & Co"
    assert shown.text == "Dear <b>Vera</b> & Co, welcome."
    assert "<title>Hi</title>" in shown.html  # the layout, wearing the sample's look
    assert '<img src="https://watch.example.com/logo.png" alt="Acme Video"' in shown.html
    assert "<p>&lt;b&gt;Vera&lt;/b&gt; &amp; Co</p>" in shown.html


@pytest.mark.parametrize(
    ("part", "source", "says"),
    [
        ("subject", "Hello {% if %}", "Line 1:"),
        ("text", "Hello\n{{ full_name }\n", "Line 2:"),
        ("text", "Hello {{ nickname }}", "'nickname' is undefined"),
        ("html", "{{ full_name.__class__.__mro__ }}", "unsafe"),
        ("html", "{{ cycler.__init__.__globals__ }}", "unsafe"),
        ("text", "{% set seen = [] %}{{ seen.append(1) }}", "unsafe"),  # the immutable sandbox: no changing
        ("html", '{% extends "welcome.html" %}', "Only _layout.html"),
        ("html", '{% include "/etc/passwd" %}', "Only _layout.html"),
        ("text", "{{ 1 / 0 }}", "ZeroDivisionError"),
        ("subject", "{{ '' }}  ", "empty"),
        ("text", "  \n", "required"),
        ("html", "x" * (MAX_SOURCE + 1), "longer than"),
    ],
)
def test_a_merchants_version_that_cant_be_used_says_why(part: str, source: str, says: str) -> None:
    fine = {"subject": "Hi", "text": "Hello {{ full_name }}", "html": "<p>Hello {{ full_name }}</p>"}
    problems = problems_with(Sources(**(fine | {part: source})), WELCOME)
    assert list(problems) == [part]
    assert says in problems[part]


def test_a_merchants_version_failing_on_real_values_gives_way_to_ours() -> None:
    # Fine on the samples (ten minutes), not on a message whose code is valid for less than one.
    mine = Sources("PIN", "{{ 600 // minutes }} seconds", "<p>{{ pin }}</p>")
    context = SAMPLES["pin_code"] | {"minutes": 0}
    assert problems_with(mine, SAMPLES["pin_code"]) == {}
    assert compose("pin_code", context, mine) == render("pin_code", context)
    assert compose("pin_code", SAMPLES["pin_code"], mine).text == "60 seconds"
