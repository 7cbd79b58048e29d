"""Compose a message from its templates (the merchant's version where it has one) and enqueue it in the caller's
transaction."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.branding import looks
from boxoffice.branding.models import Branding
from boxoffice.kit import jobs
from boxoffice.mail import repository as repo
from boxoffice.mail.overrides import sources_of
from boxoffice.mail.rendering import Rendered, compose
from boxoffice.mail.variables import OWN

# Retried like a webhook delivery, for at least three days. `jobs.backoff` waits at least half its ceiling: 15 s,
# 30 s, 1 min … then 3 h a retry once the ceiling is capped at 6 h; so 34 attempts span more than 72 h however
# the jitter falls (and less than a week).
MAX_ATTEMPTS = 34


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


async def send_email(
    session: AsyncSession,
    merchant_id: int,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    attachments: list[Attachment] | None = None,
) -> None:
    """Mail `template` (a name in mail.variables, with its variables in `context`) on the merchant's behalf.
    The webhook engine tells a merchant of a disabled endpoint with this too: `template="webhook_disabled"`."""
    custom = None if template in OWN else await repo.template_of(session, merchant_id, template)
    look = await looks.look_to_wear(session, merchant_id)
    enqueue_message(session, to, compose(template, context | worn(look), sources_of(custom)), attachments)


def worn(look: Branding | None) -> dict[str, Any]:
    """What a message's layout reads of the merchant's look: `brand`, and the look's name as `brand_name`."""
    if look is None:
        return {}
    brand = {
        "logo": look.logo,
        "primary_color": look.primary_color,
        "footer": look.footer,
        "terms_url": look.terms_url,
        "dark_mode": look.dark_mode,
    }
    return {"brand_name": look.brand_name, "brand": brand}


def enqueue_message(
    session: AsyncSession, to: str, message: Rendered, attachments: list[Attachment] | None = None
) -> None:
    payload = {
        "to": to,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "content": base64.b64encode(a.content).decode()}
            for a in attachments or []
        ],
    }
    jobs.enqueue(session, "email.send", payload, max_attempts=MAX_ATTEMPTS)
