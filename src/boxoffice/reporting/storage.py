"""Where finished report files live: a folder on this server, or an S3-compatible bucket (`kit.files`).

The worker builds each CSV into a temporary file and hands it over with `save`; merchants download it through a
link that expires (`download_url`): signed by this server for local files, presigned by S3 for the bucket's.
"""

from __future__ import annotations

import asyncio
from typing import Protocol
from urllib.parse import quote

from boxoffice.kit import base_url, clock
from boxoffice.kit.files import MAX_NAME, Files, LocalFiles, S3Files, check_name
from boxoffice.kit.settings import Settings
from boxoffice.reporting import links

__all__ = ["MAX_NAME", "LocalStorage", "ReportStorage", "S3Storage", "attachment", "check_name", "storage_for"]

MAX_PRESIGNED = 7 * 24 * 3600
CSV = "text/csv"


class ReportStorage(Files, Protocol):
    async def download_url(
        self, merchant_id: int, merchant_uuid: str, name: str, *, expires: int, signing_key: str
    ) -> str:
        """An absolute URL that downloads the file until `expires` (absolute Unix seconds)."""


def attachment(name: str) -> str:
    """The Content-Disposition that downloads the file under its name (RFC 6266; RFC 5987 when not plain)."""
    if name.isascii() and name.isprintable() and '"' not in name and "\\" not in name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename*=utf-8''{quote(name, safe='')}"


class LocalStorage(LocalFiles):
    """Files at `reports_dir / merchant_id / name`, served by `web.report_downloads` through signed links."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.reports_dir)
        self._public_url = settings.public_url

    async def download_url(
        self, merchant_id: int, merchant_uuid: str, name: str, *, expires: int, signing_key: str
    ) -> str:
        self.path_of(merchant_id, name)  # refuses names no file could have
        return base_url.of(self._public_url) + links.signed_path(signing_key, merchant_uuid, name, expires)


class S3Storage(S3Files):
    """Objects at `prefix + merchant_id/name` in the bucket; links are S3's presigned ones."""

    def __init__(
        self,
        settings: Settings,
        *,
        multipart_threshold: int = 16 * 1024 * 1024,
        multipart_chunksize: int = 16 * 1024 * 1024,
        max_concurrency: int = 4,
    ) -> None:
        super().__init__(
            settings,
            content_type=CSV,
            multipart_threshold=multipart_threshold,
            multipart_chunksize=multipart_chunksize,
            max_concurrency=max_concurrency,
        )

    async def download_url(
        self, merchant_id: int, merchant_uuid: str, name: str, *, expires: int, signing_key: str
    ) -> str:
        key = self.key_of(merchant_id, name)
        client = await self.client()
        # SigV4 links last at most a week; S3 refuses any asking for longer.
        seconds = min(MAX_PRESIGNED, max(1, expires - clock.unix(clock.now())))
        # In a thread: without configured keys, presigning may first fetch credentials over the network.
        url: str = await asyncio.to_thread(
            client.generate_presigned_url,
            "get_object",
            Params={"Bucket": self.bucket, "Key": key, "ResponseContentDisposition": attachment(name)},
            ExpiresIn=seconds,
        )
        return url


def storage_for(settings: Settings) -> ReportStorage:
    """The bucket when one is named, else the folder."""
    if settings.reports_s3_bucket:
        return S3Storage(settings)
    return LocalStorage(settings)
