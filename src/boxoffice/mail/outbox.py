"""Compose a message from its templates and enqueue it in the caller's transaction."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice import jobs

_env = Environment(
    loader=PackageLoader("boxoffice.mail", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


def render(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) of `template`, from its three files."""
    # One line, whatever the context holds: a line break in a header is refused by the mail library.
    subject = " ".join(_env.get_template(f"{template}.subject.txt").render(context).split())
    text = _env.get_template(f"{template}.txt").render(context)
    html = _env.get_template(f"{template}.html").render(context)
    return subject, text, html


def send_email(
    session: AsyncSession,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    attachments: list[Attachment] | None = None,
) -> None:
    subject, text, html = render(template, context)
    jobs.enqueue(
        session,
        "email.send",
        {
            "to": to,
            "subject": subject,
            "text": text,
            "html": html,
            "attachments": [
                {
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "content": base64.b64encode(a.content).decode(),
                }
                for a in attachments or []
            ],
        },
    )
