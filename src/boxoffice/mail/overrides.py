"""A merchant's own versions of the built-in e-mail templates: reading them, writing them, reverting to ours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.kit.errors import InvalidInput, NotFound
from boxoffice.mail import repository as repo
from boxoffice.mail.models import MailTemplate
from boxoffice.mail.rendering import Sources, builtin_sources, problems_with
from boxoffice.mail.variables import EDITABLE, SAMPLES, variables_of


@dataclass(frozen=True, slots=True)
class TemplateState:
    """A template as a merchant sees it: whether it has its own version, since when, and what is in use."""

    name: str
    customized: bool
    updated_at: datetime | None
    sources: Sources
    variables: list[str]


def sources_of(custom: MailTemplate | None) -> Sources | None:
    return Sources(custom.subject, custom.text, custom.html) if custom is not None else None


def _state(name: str, custom: MailTemplate | None) -> TemplateState:
    return TemplateState(
        name=name,
        customized=custom is not None,
        updated_at=custom.updated_at if custom is not None else None,
        sources=sources_of(custom) or builtin_sources(name),
        variables=variables_of(name),
    )


def _known(name: str) -> str:
    if name not in EDITABLE:
        raise NotFound("No e-mail template has that name")
    return name


async def list_templates(session: AsyncSession, merchant_id: int) -> list[TemplateState]:
    customs = {custom.name: custom for custom in await repo.templates_of(session, merchant_id)}
    return [_state(name, customs.get(name)) for name in EDITABLE]


async def template_state(session: AsyncSession, merchant_id: int, name: str) -> TemplateState:
    return _state(_known(name), await repo.template_of(session, merchant_id, name))


async def customize_template(
    session: AsyncSession, merchant_id: int, name: str, *, subject: str | None, text: str | None, html: str | None
) -> TemplateState:
    """Replace the built-in `name` for this merchant, once all three parts render on the template's sample
    values in the sandbox; InvalidInput naming each part that doesn't (and nothing written)."""
    sources = Sources(subject or "", text or "", html or "")
    problems = problems_with(sources, SAMPLES[_known(name)])
    if problems:
        raise InvalidInput(problems, "The template can't be used")
    custom = await repo.template_of(session, merchant_id, name)
    if custom is None:
        custom = MailTemplate(merchant_id=merchant_id, name=name)
        session.add(custom)
    custom.subject, custom.text, custom.html = sources.subject, sources.text, sources.html
    await session.flush()
    return _state(name, custom)


async def revert_template(session: AsyncSession, merchant_id: int, name: str) -> TemplateState:
    """Back to the built-in version; reverting one that was never changed is no change."""
    await repo.delete_template(session, merchant_id, _known(name))
    return _state(name, None)
