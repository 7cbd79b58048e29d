"""The `email.send` job: over SMTP when `BOXOFFICE_SMTP_URL` is set, else as an .eml file in `mail_dir`."""

from __future__ import annotations

import base64
import re
import uuid
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.kit import clock, jobs, metrics
from boxoffice.kit.settings import Settings

log = structlog.get_logger(__name__)


def build_message(payload: dict[str, Any], sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    message["Message-ID"] = make_msgid(domain="boxoffice.local")
    message.set_content(payload["text"])
    message.add_alternative(payload["html"], subtype="html")
    for attachment in payload.get("attachments", []):
        maintype, _, subtype = attachment["content_type"].partition("/")
        message.add_attachment(
            base64.b64decode(attachment["content"]),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
        )
    return message


async def _send_smtp(message: EmailMessage, url: str) -> None:
    parts = urlsplit(url)
    await aiosmtplib.send(
        message,
        hostname=parts.hostname or "127.0.0.1",
        port=parts.port or (465 if parts.scheme == "smtps" else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=parts.scheme == "smtps",
        start_tls=True if parts.scheme == "smtp+starttls" else None if parts.scheme == "smtp" else False,
        timeout=30,
    )


@jobs.handles("email.send")
async def deliver_email(_session: AsyncSession, payload: dict[str, Any], settings: Settings) -> None:
    try:
        await _deliver(payload, settings)
    except Exception:
        metrics.EMAILS.labels("failed").inc()  # the job is tried again later
        raise
    metrics.EMAILS.labels("sent").inc()


async def _deliver(payload: dict[str, Any], settings: Settings) -> None:
    message = build_message(payload, settings.mail_from)
    if settings.smtp_url:
        await _send_smtp(message, settings.smtp_url)
        log.info("email.sent", to=payload["to"], subject=payload["subject"])
        return
    settings.mail_dir.mkdir(parents=True, exist_ok=True)
    # Unique per message: two e-mails to one address in the same second must not overwrite each other.
    # and the name stays well inside a file system's 255 bytes, however long the address.
    recipient = re.sub(r"[^a-zA-Z0-9]+", "_", payload["to"])[:64]
    name = f"{clock.now():%Y%m%dT%H%M%S}-{recipient}-{uuid.uuid4().hex[:12]}.eml"
    path = settings.mail_dir / name
    with path.open("xb") as file:
        file.write(bytes(message))
    log.info("email.written", to=payload["to"], subject=payload["subject"], path=str(path.resolve()))
