"""A draft of a template previewed on its sample values: rendered as its message would read, or refused naming
each part that doesn't render."""

from __future__ import annotations

import pytest

from boxoffice.kit.errors import InvalidInput, NotFound
from boxoffice.mail.overrides import preview_template
from boxoffice.mail.rendering import builtin_sources


def test_a_draft_renders_on_the_sample_values() -> None:
    shown = preview_template(
        "pin_code", subject="PIN {{ pin }}\n", text="{{ pin }} for {{ minutes }}", html="<b>{{ pin }}</b>"
    )
    assert (shown.subject, shown.text, shown.html) == ("PIN 042917", "042917 for 10", "<b>042917</b>")
    builtin = builtin_sources("welcome")
    assert (
        "Vera Viewer" in preview_template("welcome", subject=builtin.subject, text=builtin.text, html=builtin.html).text
    )


def test_a_draft_that_does_not_render_is_refused_part_by_part() -> None:
    with pytest.raises(InvalidInput) as refused:
        preview_template("pin_code", subject="{{ nickname }}", text="", html="{% if %}")
    assert set(refused.value.errors) == {"subject", "text", "html"}
    with pytest.raises(NotFound):
        preview_template("no_such_template", subject="x", text="x", html="x")
