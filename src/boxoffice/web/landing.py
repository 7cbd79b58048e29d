"""`GET /`: a page for whoever opens the server in a browser first, pointing at what there is to see.

The page is a list of sections, each a heading, a sentence, links and commands to copy; the app chooses the sections
(`router(sections)`), so a new part of Boxoffice that people open (a dashboard, hosted pages) adds one of its own.
Rendered here, in one response, with its style inline: it loads nothing from anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from boxoffice.kit import base_url


@dataclass(frozen=True)
class Link:
    href: str
    label: str
    note: str = ""


@dataclass(frozen=True)
class Section:
    """`commands` may name `{base}`, the server's address as the reader reached it."""

    key: str
    heading: str
    text: str
    links: tuple[Link, ...] = ()
    commands: tuple[str, ...] = ()


API_DOCS = Section(
    key="api",
    heading="API reference",
    text="Every endpoint of the InPlayer and MediaStore dialects, from the schema this server generates.",
    links=(
        Link("/docs", "Swagger UI", "try each call from the browser"),
        Link("/redoc", "Redoc", "the same reference, for reading"),
        Link("/openapi.json", "OpenAPI schema", "JSON, for client generators"),
    ),
)
OPERATIONS = Section(
    key="operations",
    heading="Operations",
    # /metrics is not linked: it may be on a port of its own, and behind a token.
    text="What a load balancer asks. Prometheus reads /metrics (the README's Configuration names its port and token).",
    links=(
        Link("/healthz", "/healthz", "the process is up"),
        Link("/readyz", "/readyz", "the database answers (503 when it does not)"),
    ),
)

_STYLE = """
body { font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a; background: #fff;
       max-width: 48rem; margin: 0 auto; padding: 2rem 1rem; }
a { color: #0b57d0; } a:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
pre { background: #f3f3f3; padding: 0.75rem; white-space: pre-wrap; overflow-wrap: anywhere; }
footer { margin-top: 3rem; color: #555; font-size: 0.9rem; }
"""


def render(sections: Sequence[Section], base: str, version: str) -> str:
    parts = [
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Boxoffice</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        "<header>\n<h1>Boxoffice</h1>\n<p>Identity, entitlements and billing for premium video, speaking InPlayer's"
        " and Cleeng's APIs.</p>\n</header>\n<main>\n"
    ]
    for section in sections:
        heading_id = f"{escape(section.key)}-heading"
        parts.append(
            f'<section aria-labelledby="{heading_id}">\n<h2 id="{heading_id}">{escape(section.heading)}</h2>\n'
            f"<p>{escape(section.text)}</p>\n"
        )
        if section.links:
            items = "".join(
                f'<li><a href="{escape(link.href)}">{escape(link.label)}</a>'
                + (f": {escape(link.note)}" if link.note else "")
                + "</li>\n"
                for link in section.links
            )
            parts.append(f"<ul>\n{items}</ul>\n")
        parts.extend(
            f"<pre><code>{escape(command.replace('{base}', base))}</code></pre>\n" for command in section.commands
        )
        parts.append("</section>\n")
    parts.append(f"</main>\n<footer>\n<p>Boxoffice {escape(version)}</p>\n</footer>\n</body>\n</html>\n")
    return "".join(parts)


def router(sections: Sequence[Section]) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/")
    async def landing(request: Request) -> HTMLResponse:
        base = base_url.of(request.app.state.settings.public_url)
        return HTMLResponse(render(sections, base, request.app.version))

    return pages
