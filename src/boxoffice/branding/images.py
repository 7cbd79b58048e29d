"""Images a merchant uploads for its look (logo, cover): checked, named by their content, kept with the merchant's
files (`kit.files`, space `branding`), and served by `web.branding_images` at `path_of(...)` for ever: a name
never changes its content, so browsers and mail clients may keep them as long as they like."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from boxoffice.kit.files import Files, files_for
from boxoffice.kit.settings import Settings

SPACE = "branding"
MAX_BYTES = 2 * 1024 * 1024
# Raster formats only, told by their first bytes, never by the name or type the upload claims: an SVG can carry
# script, and a page that embeds a merchant's image must not run it.
SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "png", "image/png"),
    (b"\xff\xd8\xff", 0, "jpg", "image/jpeg"),
    (b"GIF87a", 0, "gif", "image/gif"),
    (b"GIF89a", 0, "gif", "image/gif"),
    (b"WEBP", 8, "webp", "image/webp"),
)
TYPES = {extension: content_type for _, _, extension, content_type in SIGNATURES}


@dataclass(frozen=True, slots=True)
class Upload:
    """An image as the merchant sent it."""

    content: bytes


def kind_of(content: bytes) -> tuple[str, str] | None:
    """(extension, content type) of a PNG, JPEG, GIF or WebP image; None for anything else."""
    for signature, at, extension, content_type in SIGNATURES:
        if content[at : at + len(signature)] == signature and (at == 0 or content.startswith(b"RIFF")):
            return extension, content_type
    return None


def problem_with(content: bytes) -> str | None:
    if not content:
        return "The image is empty"
    if len(content) > MAX_BYTES:
        return f"The image may not be larger than {MAX_BYTES // (1024 * 1024)} MiB"
    if kind_of(content) is None:
        return "The image must be a PNG, JPEG, GIF or WebP file"
    return None


def name_of(content: bytes) -> str:
    kind = kind_of(content)
    assert kind is not None  # checked by `problem_with` first
    return f"{hashlib.sha256(content).hexdigest()[:32]}.{kind[0]}"


def path_of(merchant_uuid: str, name: str) -> str:
    """Where the image is served, below the server's base URL."""
    return f"/branding/images/{quote(merchant_uuid, safe='')}/{quote(name, safe='')}"


def content_type_of(name: str) -> str | None:
    return TYPES.get(name.rpartition(".")[2])


def files(settings: Settings) -> Files:
    return files_for(settings, SPACE)


async def keep(settings: Settings, merchant_id: int, content: bytes) -> str:
    """Store a checked image under its name; the same image uploaded twice is one file."""
    name = name_of(content)
    with tempfile.NamedTemporaryFile(delete=False, suffix=".upload") as handle:
        handle.write(content)
    await files(settings).save(merchant_id, name, Path(handle.name), content_type_of(name))
    return name


async def read(settings: Settings, merchant_id: int, name: str) -> bytes | None:
    """An image of the merchant's, or None: no such image, or a name no image of ours has."""
    if content_type_of(name) is None:
        return None
    try:
        return await files(settings).read(merchant_id, name)
    except ValueError:  # a name no file could have
        return None
