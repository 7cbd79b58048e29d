"""Where finished report files live: a folder on this server, or an S3-compatible bucket.

The worker builds each CSV into a temporary file and hands it over with `save`; merchants download it through a
link that expires (`download_url`): signed by this server for local files, presigned by S3 for the bucket's.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from boxoffice.kit import base_url, clock
from boxoffice.kit.settings import Settings
from boxoffice.reporting import links

MAX_NAME = 200  # as long as reporting.models.ReportFile.name may be
MAX_PRESIGNED = 7 * 24 * 3600


class ReportStorage(Protocol):
    async def save(self, merchant_id: int, name: str, source: Path) -> None:
        """Keep `source` as the merchant's file `name`, replacing any file of that name.

        Takes ownership of `source`: it is gone afterwards, whether or not saving succeeded.
        """

    async def delete(self, merchant_id: int, name: str) -> None:
        """Remove the file; no error when there is none."""

    async def download_url(
        self, merchant_id: int, merchant_uuid: str, name: str, *, expires: int, signing_key: str
    ) -> str:
        """An absolute URL that downloads the file until `expires` (absolute Unix seconds)."""


def check_name(name: str) -> str:
    """`name` if it can only ever mean one file in the merchant's own folder; ValueError otherwise.

    A leading dot is refused too: it keeps `..` out, and leaves dot-names free for files being written.
    """
    if (
        not name
        or len(name) > MAX_NAME
        or name.startswith(".")
        or any(c in name for c in "/\\")
        or any(ord(c) < 32 or ord(c) == 127 for c in name)
    ):
        raise ValueError("A report name is a plain file name: no path separators, control characters or leading dot")
    return name


def attachment(name: str) -> str:
    """The Content-Disposition that downloads the file under its name (RFC 6266; RFC 5987 when not plain)."""
    if name.isascii() and name.isprintable() and '"' not in name and "\\" not in name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename*=utf-8''{quote(name, safe='')}"


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


class LocalStorage:
    """Files at `reports_dir / merchant_id / name`, served by `web.report_downloads` through signed links."""

    def __init__(self, settings: Settings) -> None:
        self._root = settings.reports_dir
        self._public_url = settings.public_url

    def __repr__(self) -> str:
        return f"LocalStorage({str(self._root)!r})"

    def path_of(self, merchant_id: int, name: str) -> Path:
        return self._root / str(merchant_id) / check_name(name)

    def _move_into_place(self, source: Path, target: Path) -> None:
        # Into a dot-named file beside the target first (a plain rename on one filesystem, a copy across two),
        # then renamed over it: a download never sees half a file, and a crash leaves no file under its name.
        partial = target.with_name(f".{target.name}.{secrets.token_hex(8)}.part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, partial)
            os.replace(partial, target)
        finally:
            _discard(partial)
            _discard(source)

    async def save(self, merchant_id: int, name: str, source: Path) -> None:
        try:
            target = self.path_of(merchant_id, name)
        except ValueError:
            _discard(source)
            raise
        await asyncio.to_thread(self._move_into_place, source, target)

    async def delete(self, merchant_id: int, name: str) -> None:
        await asyncio.to_thread(self.path_of(merchant_id, name).unlink, missing_ok=True)

    async def download_url(
        self, merchant_id: int, merchant_uuid: str, name: str, *, expires: int, signing_key: str
    ) -> str:
        self.path_of(merchant_id, name)  # refuses names no file could have
        return base_url.of(self._public_url) + links.signed_path(signing_key, merchant_uuid, name, expires)


class S3Storage:
    """Objects at `prefix + merchant_id/name` in an S3-compatible bucket; links are S3's presigned ones.

    Uploads go in parts of `multipart_chunksize` bytes, a few at a time, so memory stays bounded whatever the
    file's size. boto3 is imported, and its client made, on first use and in a thread: both are slow, and an app
    that keeps its reports on disk never pays for them.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        multipart_threshold: int = 16 * 1024 * 1024,
        multipart_chunksize: int = 16 * 1024 * 1024,
        max_concurrency: int = 4,
    ) -> None:
        if not settings.reports_s3_bucket:
            raise ValueError("S3 report storage needs a bucket (BOXOFFICE_REPORTS_S3_BUCKET)")
        self.bucket = settings.reports_s3_bucket
        self.prefix = settings.reports_s3_prefix
        self._endpoint_url = settings.reports_s3_endpoint_url
        self._region = settings.reports_s3_region
        self._access_key_id = settings.reports_s3_access_key_id
        # Kept as a SecretStr until the client is made, so no repr, log line or traceback shows it.
        self._secret_access_key = settings.reports_s3_secret_access_key
        self._transfer = {
            "multipart_threshold": multipart_threshold,
            "multipart_chunksize": multipart_chunksize,
            "max_concurrency": max_concurrency,
        }
        self._client: Any = None
        self._client_made = asyncio.Lock()

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r}, endpoint_url={self._endpoint_url!r})"

    def key_of(self, merchant_id: int, name: str) -> str:
        return f"{self.prefix}{merchant_id}/{check_name(name)}"

    def _make_client(self) -> Any:
        import boto3  # slow to import, and only S3 storage needs it
        from botocore.config import Config

        secret = self._secret_access_key.get_secret_value() if self._secret_access_key else None
        # A session of its own: boto3's default session is not safe to share between threads.
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self._endpoint_url,
            region_name=self._region,
            aws_access_key_id=self._access_key_id,
            aws_secret_access_key=secret,
            config=Config(signature_version="s3v4", retries={"mode": "standard"}),
        )

    async def client(self) -> Any:
        """The boto3 S3 client, made on first use."""
        if self._client is None:
            async with self._client_made:
                if self._client is None:
                    self._client = await asyncio.to_thread(self._make_client)
        return self._client

    def _upload(self, client: Any, source: Path, key: str) -> None:
        from boto3.s3.transfer import TransferConfig

        try:
            client.upload_file(
                str(source),
                self.bucket,
                key,
                ExtraArgs={"ContentType": "text/csv"},
                Config=TransferConfig(**self._transfer),
            )
        finally:
            _discard(source)

    async def save(self, merchant_id: int, name: str, source: Path) -> None:
        try:
            key = self.key_of(merchant_id, name)
            client = await self.client()
        except BaseException:
            _discard(source)
            raise
        await asyncio.to_thread(self._upload, client, source, key)

    async def delete(self, merchant_id: int, name: str) -> None:
        key = self.key_of(merchant_id, name)
        client = await self.client()
        # S3 answers a delete of a missing key with success, as the protocol asks.
        await asyncio.to_thread(client.delete_object, Bucket=self.bucket, Key=key)

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
