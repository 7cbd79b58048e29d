"""A template's draft as its message would read, before the merchant saves it: rendered as `customize_template`
tries it, on the template's sample values, wearing the merchant's own look as its messages do."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.branding import looks
from boxoffice.kit.errors import InvalidInput, NotFound
from boxoffice.mail.outbox import worn
from boxoffice.mail.rendering import Rendered, Sources, problems_with, render_sandboxed
from boxoffice.mail.variables import EDITABLE, SAMPLES


async def preview_template(
    session: AsyncSession, merchant_id: int, name: str, *, subject: str | None, text: str | None, html: str | None
) -> Rendered:
    """The draft rendered in the sandbox; InvalidInput naming each part that doesn't render. Nothing is written."""
    if name not in EDITABLE:
        raise NotFound("No e-mail template has that name")
    sources = Sources(subject or "", text or "", html or "")
    sample = SAMPLES[name] | worn(await looks.look_to_wear(session, merchant_id))
    problems = problems_with(sources, sample)
    if problems:
        raise InvalidInput(problems, "The template can't be used")
    return render_sandboxed(sources, sample)
