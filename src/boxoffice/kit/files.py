"""Files kept for merchants: in a folder on this server, or in an S3-compatible bucket.

Report files and branding images both live here, each kind in a space of its own (`reports` at the top, images
under `branding/`), each merchant's under its id. A caller hands over a finished file on disk with `save` and
reads one back with `read`; how merchants or viewers reach a file (a signed link, a presigned one, a route that
serves it) is the caller's.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
from pathlib import Path
from typing import Any, Protocol

from boxoffice.kit.settings import Settings

MAX_NAME = 200  # as long as a stored name may be (reporting.models.ReportFile.name)


class Files(Protocol):
    async def save(self, merchant_id: int, name: str, source: Path, content_type: str | None = None) -> None:
        """Keep `source` as the merchant's file `name`, replacing any file of that name; `content_type` is what a
        bucket serves it as (the storage's own default when None).

        Takes ownership of `source`: it is gone afterwards, whether or not saving succeeded.
        """

    async def delete(self, merchant_id: int, name: str) -> None:
        """Remove the file; no error when there is none."""

    async def read(self, merchant_id: int, name: str) -> bytes | None:
        """The file's bytes, or None when there is no such file. For small files (images)."""


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
        raise ValueError("A stored name is a plain file name: no path separators, control characters or leading dot")
    return name


def discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


class LocalFiles:
    """Files at `root / merchant_id / name`."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self._root)!r})"

    def path_of(self, merchant_id: int, name: str) -> Path:
        return self._root / str(merchant_id) / check_name(name)

    def _move_into_place(self, source: Path, target: Path) -> None:
        # Into a dot-named file beside the target first (a plain rename on one filesystem, a copy across two),
        # then renamed over it: a reader never sees half a file, and a crash leaves no file under its name.
        partial = target.with_name(f".{target.name}.{secrets.token_hex(8)}.part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, partial)
            os.replace(partial, target)
        finally:
            discard(partial)
            discard(source)

    async def save(self, merchant_id: int, name: str, source: Path, content_type: str | None = None) -> None:
        try:
            target = self.path_of(merchant_id, name)
        except ValueError:
            discard(source)
            raise
        await asyncio.to_thread(self._move_into_place, source, target)

    async def delete(self, merchant_id: int, name: str) -> None:
        await asyncio.to_thread(self.path_of(merchant_id, name).unlink, missing_ok=True)

    async def read(self, merchant_id: int, name: str) -> bytes | None:
        path = self.path_of(merchant_id, name)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError):
            return None


class S3Files:
    """Objects at `prefix + space + merchant_id/name` in an S3-compatible bucket.

    Uploads go in parts of `multipart_chunksize` bytes, a few at a time, so memory stays bounded whatever the
    file's size. boto3 is imported, and its client made, on first use and in a thread: both are slow, and an app
    that keeps its files on disk never pays for them.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        space: str = "",
        content_type: str = "application/octet-stream",
        multipart_threshold: int = 16 * 1024 * 1024,
        multipart_chunksize: int = 16 * 1024 * 1024,
        max_concurrency: int = 4,
    ) -> None:
        if not settings.reports_s3_bucket:
            raise ValueError("S3 storage needs a bucket (BOXOFFICE_REPORTS_S3_BUCKET)")
        self.bucket = settings.reports_s3_bucket
        self.prefix = settings.reports_s3_prefix + space
        self.content_type = content_type
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
        return (
            f"{type(self).__name__}(bucket={self.bucket!r}, prefix={self.prefix!r},"
            f" endpoint_url={self._endpoint_url!r})"
        )

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

    def _upload(self, client: Any, source: Path, key: str, content_type: str) -> None:
        from boto3.s3.transfer import TransferConfig

        try:
            client.upload_file(
                str(source),
                self.bucket,
                key,
                ExtraArgs={"ContentType": content_type},
                Config=TransferConfig(**self._transfer),
            )
        finally:
            discard(source)

    async def save(self, merchant_id: int, name: str, source: Path, content_type: str | None = None) -> None:
        try:
            key = self.key_of(merchant_id, name)
            client = await self.client()
        except BaseException:
            discard(source)
            raise
        await asyncio.to_thread(self._upload, client, source, key, content_type or self.content_type)

    async def delete(self, merchant_id: int, name: str) -> None:
        key = self.key_of(merchant_id, name)
        client = await self.client()
        # S3 answers a delete of a missing key with success, as the protocol asks.
        await asyncio.to_thread(client.delete_object, Bucket=self.bucket, Key=key)

    def _read(self, client: Any, key: str) -> bytes | None:
        try:
            answer = client.get_object(Bucket=self.bucket, Key=key)
        except client.exceptions.NoSuchKey:
            return None
        body: bytes = answer["Body"].read()
        return body

    async def read(self, merchant_id: int, name: str) -> bytes | None:
        key = self.key_of(merchant_id, name)
        client = await self.client()
        return await asyncio.to_thread(self._read, client, key)


def files_for(settings: Settings, space: str) -> Files:
    """The bucket when one is named, else the folder; `space` is a folder name ("branding"), "" for the top."""
    if settings.reports_s3_bucket:
        return S3Files(settings, space=f"{space}/" if space else "")
    return LocalFiles(settings.reports_dir / space if space else settings.reports_dir)
