"""Report storage: a folder served through signed links, and an S3 bucket (a real local S3 server) with presigned
ones. Each merchant reaches its own files and nobody else's."""

from __future__ import annotations

import errno
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import ClientError

from boxoffice.identity.tokens import token_secret
from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from boxoffice.reporting import links
from boxoffice.reporting.storage import LocalStorage, S3Storage, attachment, storage_for
from tests.conftest import S3_SECRET, Server
from tests.dialects.inplayer.conftest import Merchant, make_merchant

CSV = b"id,amount,currency\n1,499,EUR\n2,999,USD\n"
INVALID = {"code": 403, "message": "This download link is invalid or has expired"}
NOT_FOUND = {"code": 404, "message": "Report not found"}
MiB = 1024 * 1024


def plain_settings(**values: object) -> Settings:
    """Settings without the database: only the reporting knobs matter to storage itself."""
    return Settings(_env_file=None, public_url="https://boxoffice.example.com/", **values)


def source_file(folder: Path, content: bytes, name: str = "build.csv.tmp") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


# ----------------------------------------------------------------------------------------------------------------
# The folder on disk.


def test_path_of_keeps_each_name_inside_the_merchants_folder(tmp_path: Path) -> None:
    storage = LocalStorage(plain_settings(reports_dir=tmp_path))
    assert storage.path_of(7, "transactions 2026-01.csv") == tmp_path / "7" / "transactions 2026-01.csv"
    assert storage.path_of(7, "ventes-été.csv") == tmp_path / "7" / "ventes-été.csv"
    assert storage.path_of(7, "a..b.csv") == tmp_path / "7" / "a..b.csv"


NOT_PLAIN = ["", ".", "..", "../8/a.csv", "..\\8\\a.csv", "a/b.csv", "a\\b.csv", "/etc/passwd", ".hidden.csv"]
NOT_PLAIN += ["a\nb.csv", "a\0b", "x" * 201]


@pytest.mark.parametrize("name", NOT_PLAIN)
def test_path_of_refuses_names_that_are_not_plain_file_names(tmp_path: Path, name: str) -> None:
    storage = LocalStorage(plain_settings(reports_dir=tmp_path))
    with pytest.raises(ValueError, match="plain file name"):
        storage.path_of(7, name)


async def test_save_moves_the_file_into_place_and_replaces_an_older_one(tmp_path: Path) -> None:
    storage = LocalStorage(plain_settings(reports_dir=tmp_path / "reports"))
    first = source_file(tmp_path / "work", b"old\n")
    await storage.save(7, "daily.csv", first)
    second = source_file(tmp_path / "work", CSV)
    await storage.save(7, "daily.csv", second)
    assert not first.exists() and not second.exists()
    assert storage.path_of(7, "daily.csv").read_bytes() == CSV
    assert sorted(p.name for p in (tmp_path / "reports" / "7").iterdir()) == ["daily.csv"]  # nothing half-written


async def test_save_copies_across_filesystems_then_renames_into_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renamed: list[tuple[str, str]] = []
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def no_rename_across(source: object, target: object) -> None:
        renamed.append((str(source), str(target)))
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    def replace(source: object, target: object) -> None:
        replaced.append((str(source), str(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "rename", no_rename_across)
    monkeypatch.setattr(os, "replace", replace)
    storage = LocalStorage(plain_settings(reports_dir=tmp_path / "reports"))
    source = source_file(tmp_path / "work", CSV)
    await storage.save(7, "daily.csv", source)
    final = storage.path_of(7, "daily.csv")
    assert final.read_bytes() == CSV and not source.exists()
    # The copy went to a hidden file beside the final one, which was then renamed over it in one step.
    assert len(renamed) == 1 and len(replaced) == 1
    partial = Path(replaced[0][0])
    assert partial.parent == final.parent and partial.name.startswith(".") and replaced[0][1] == str(final)
    assert sorted(p.name for p in final.parent.iterdir()) == ["daily.csv"]


async def test_save_under_a_bad_name_refuses_and_still_disposes_of_the_source(tmp_path: Path) -> None:
    storage = LocalStorage(plain_settings(reports_dir=tmp_path / "reports"))
    source = source_file(tmp_path / "work", CSV)
    with pytest.raises(ValueError, match="plain file name"):
        await storage.save(7, "../8/daily.csv", source)
    assert not source.exists()
    assert not (tmp_path / "reports" / "8").exists()


async def test_delete_removes_the_file_and_minds_no_missing_one(tmp_path: Path) -> None:
    storage = LocalStorage(plain_settings(reports_dir=tmp_path / "reports"))
    await storage.save(7, "daily.csv", source_file(tmp_path / "work", CSV))
    await storage.save(8, "daily.csv", source_file(tmp_path / "work", b"other\n"))
    await storage.delete(7, "daily.csv")
    assert not storage.path_of(7, "daily.csv").exists()
    assert storage.path_of(8, "daily.csv").read_bytes() == b"other\n"  # another merchant's file of that name
    await storage.delete(7, "daily.csv")
    await storage.delete(9, "never.csv")
    with pytest.raises(ValueError, match="plain file name"):
        await storage.delete(7, "../8/daily.csv")
    assert storage.path_of(8, "daily.csv").exists()


async def test_a_local_download_url_is_absolute_and_signed(tmp_path: Path) -> None:
    storage = LocalStorage(plain_settings(reports_dir=tmp_path))
    url = await storage.download_url(7, "the-uuid", "a b.csv", expires=2_000_000_000, signing_key="k" * 40)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "boxoffice.example.com", "/reports/the-uuid/a%20b.csv")
    query = {key: value[0] for key, value in parse_qs(parts.query).items()}
    assert query["expires"] == "2000000000"
    assert links.verify("k" * 40, "the-uuid", "a b.csv", 2_000_000_000, query["signature"], now=1_900_000_000)
    with pytest.raises(ValueError, match="plain file name"):
        await storage.download_url(7, "the-uuid", "../x.csv", expires=2_000_000_000, signing_key="k" * 40)


def test_storage_for_picks_the_bucket_only_when_one_is_named(tmp_path: Path) -> None:
    assert isinstance(storage_for(plain_settings(reports_dir=tmp_path)), LocalStorage)
    chosen = storage_for(plain_settings(reports_s3_bucket="reports-bucket"))
    assert isinstance(chosen, S3Storage) and chosen.bucket == "reports-bucket"


def test_the_app_does_not_import_boto3_unless_s3_is_used() -> None:
    script = (
        "import sys\n"
        "from boxoffice.app import create_app\n"
        "from boxoffice.kit.settings import Settings\n"
        "from boxoffice.reporting.storage import storage_for\n"
        "storage_for(Settings(_env_file=None, reports_s3_bucket='b'))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore', 's3transfer'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_the_attachment_header_quotes_plain_names_and_encodes_the_rest() -> None:
    assert attachment("sales 2026.csv") == 'attachment; filename="sales 2026.csv"'
    assert attachment("ventes-été.csv") == "attachment; filename*=utf-8''ventes-%C3%A9t%C3%A9.csv"
    assert attachment('a"b.csv') == "attachment; filename*=utf-8''a%22b.csv"


# ----------------------------------------------------------------------------------------------------------------
# Downloading over HTTP (on each database engine).


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"reports_dir": tmp_path / "reports"})


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def signing_key(server: Server) -> str:
    async with server.app.state.sessions() as session:
        return await token_secret(session, server.settings)


async def publish(server: Server, merchant: Merchant, name: str, content: bytes, tmp_path: Path) -> None:
    storage = LocalStorage(server.settings)
    await storage.save(merchant.id, name, source_file(tmp_path / "work", content, f"{uuid.uuid4().hex}.tmp"))


async def link(server: Server, merchant_id: int, merchant_uuid: str, name: str, *, ttl: int | None = None) -> str:
    """The path and query of a download link made as the app makes them."""
    expires = clock.unix(clock.now()) + (ttl or server.settings.reports_link_ttl)
    url = await LocalStorage(server.settings).download_url(
        merchant_id, merchant_uuid, name, expires=expires, signing_key=await signing_key(server)
    )
    assert url.startswith("http://testserver/reports/")
    return url.removeprefix("http://testserver")


def with_query(path: str, **changes: str) -> str:
    parts = urlsplit(path)
    query = {key: value[0] for key, value in parse_qs(parts.query).items()} | changes
    return parts.path + "?" + "&".join(f"{key}={value}" for key, value in query.items())


async def test_a_valid_link_downloads_the_exact_file(server: Server, merchant: Merchant, tmp_path: Path) -> None:
    content = CSV + os.urandom(64 * 1024).hex().encode()
    await publish(server, merchant, "transactions-2026-01.csv", content, tmp_path)
    response = await server.http.get(await link(server, merchant.id, merchant.uuid, "transactions-2026-01.csv"))
    assert response.status_code == 200, response.text
    assert response.content == content
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="transactions-2026-01.csv"'
    assert "no-store" in response.headers["cache-control"]


async def test_a_name_needing_escapes_survives_the_round_trip(
    server: Server, merchant: Merchant, tmp_path: Path
) -> None:
    await publish(server, merchant, "ventes été #1.csv", CSV, tmp_path)
    response = await server.http.get(await link(server, merchant.id, merchant.uuid, "ventes été #1.csv"))
    assert response.status_code == 200, response.text
    assert response.content == CSV
    assert response.headers["content-disposition"] == "attachment; filename*=utf-8''ventes%20%C3%A9t%C3%A9%20%231.csv"


async def test_a_tampered_link_is_refused(server: Server, merchant: Merchant, tmp_path: Path) -> None:
    await publish(server, merchant, "a.csv", CSV, tmp_path)
    await publish(server, merchant, "b.csv", b"the other file\n", tmp_path)
    good = await link(server, merchant.id, merchant.uuid, "a.csv")
    assert (await server.http.get(good)).status_code == 200
    signature = parse_qs(urlsplit(good).query)["signature"][0]
    expires = int(parse_qs(urlsplit(good).query)["expires"][0])
    tampered = [
        with_query(good, signature=signature[:-1] + ("0" if signature[-1] != "0" else "1")),
        with_query(good, signature="not-hex"),
        with_query(good, expires=str(expires + 86400)),
        good.replace("/a.csv?", "/b.csv?"),  # a file that exists, under a link made for another
        urlsplit(good).path,  # no signature at all
        with_query(urlsplit(good).path, signature=signature),  # no expiry
    ]
    for path in tampered:
        response = await server.http.get(path)
        assert response.status_code == 403, path
        assert response.json() == INVALID
        assert CSV not in response.content


async def test_a_link_stops_working_when_it_expires(
    server: Server, merchant: Merchant, tmp_path: Path, frozen: clock.FrozenClock
) -> None:
    await publish(server, merchant, "a.csv", CSV, tmp_path)
    path = await link(server, merchant.id, merchant.uuid, "a.csv", ttl=600)
    frozen.advance(seconds=599)
    assert (await server.http.get(path)).content == CSV
    frozen.advance(seconds=1)
    response = await server.http.get(path)
    assert response.status_code == 403
    assert response.json() == INVALID


async def test_one_merchant_never_reaches_anothers_file(server: Server, merchant: Merchant, tmp_path: Path) -> None:
    other = await make_merchant(server, "other@publisher.example.com")
    await publish(server, merchant, "secret.csv", CSV, tmp_path)
    # The owner's link with the other merchant's uuid put in: the signature no longer matches.
    owners = await link(server, merchant.id, merchant.uuid, "secret.csv")
    swapped = await server.http.get(owners.replace(merchant.uuid, other.uuid))
    assert swapped.status_code == 403 and swapped.json() == INVALID
    # A correctly signed link for the other merchant and the same name finds no such file of theirs.
    theirs = await server.http.get(await link(server, other.id, other.uuid, "secret.csv"))
    assert theirs.status_code == 404 and theirs.json() == NOT_FOUND
    # Once the other merchant has a file of that name, their link gives theirs, not the owner's.
    await publish(server, other, "secret.csv", b"theirs\n", tmp_path)
    theirs = await server.http.get(await link(server, other.id, other.uuid, "secret.csv"))
    assert theirs.status_code == 200 and theirs.content == b"theirs\n"
    # A link naming one merchant's uuid and another's id (as a confused caller might make) serves nothing of
    # the owner's: the route finds the merchant by the uuid alone.
    mixed = await server.http.get(await link(server, merchant.id, other.uuid, "secret.csv"))
    assert mixed.content == b"theirs\n"


async def test_an_unknown_merchant_or_missing_file_is_not_found(
    server: Server, merchant: Merchant, tmp_path: Path
) -> None:
    stranger = str(uuid.uuid4())
    response = await server.http.get(await link(server, merchant.id, stranger, "a.csv"))
    assert response.status_code == 404 and response.json() == NOT_FOUND
    response = await server.http.get(await link(server, merchant.id, merchant.uuid, "never-built.csv"))
    assert response.status_code == 404 and response.json() == NOT_FOUND


async def test_hidden_files_beside_reports_are_never_served(server: Server, merchant: Merchant, tmp_path: Path) -> None:
    await publish(server, merchant, "a.csv", CSV, tmp_path)
    folder = LocalStorage(server.settings).path_of(merchant.id, "a.csv").parent
    (folder / ".a.csv.0123456789abcdef.part").write_bytes(b"half written")
    key = await signing_key(server)
    expires = clock.unix(clock.now()) + 600
    for name in (".a.csv.0123456789abcdef.part", ".env"):
        # Even with a signature this server made (links are only ever made for plain names).
        path = links.signed_path(key, merchant.uuid, name, expires)
        response = await server.http.get(path)
        assert response.status_code in (403, 404), name
        assert b"half written" not in response.content


async def test_nothing_is_served_from_disk_when_reports_live_in_s3(
    server: Server, merchant: Merchant, tmp_path: Path
) -> None:
    await publish(server, merchant, "a.csv", CSV, tmp_path)
    path = await link(server, merchant.id, merchant.uuid, "a.csv")
    assert (await server.http.get(path)).status_code == 200
    server.app.state.settings = server.settings.model_copy(update={"reports_s3_bucket": "reports-bucket"})
    response = await server.http.get(path)
    assert response.status_code == 404 and response.json() == NOT_FOUND


# ----------------------------------------------------------------------------------------------------------------
# An S3 bucket, on a real S3 server running locally.


def small_parts(settings: Settings) -> S3Storage:
    # S3's smallest part is 5 MiB; a 12 MiB file is sent in three.
    return S3Storage(settings, multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)


async def test_s3_keeps_a_large_file_in_parts_and_serves_it_by_presigned_link(
    s3_settings: Settings, tmp_path: Path, frozen: clock.FrozenClock
) -> None:
    storage = small_parts(s3_settings)
    content = CSV + os.urandom(12 * MiB)
    source = source_file(tmp_path / "work", content)
    await storage.save(42, "analytics 2026-01-01.csv", source)
    assert not source.exists()

    client = await storage.client()
    head = client.head_object(Bucket=storage.bucket, Key="reports/42/analytics 2026-01-01.csv")
    assert head["ETag"].strip('"').endswith("-3")  # a multipart upload's ETag counts its parts
    assert head["ContentType"] == "text/csv"
    assert head["ContentLength"] == len(content)

    expires = clock.unix(frozen.now()) + 900
    url = await storage.download_url(42, "merchant-uuid", "analytics 2026-01-01.csv", expires=expires, signing_key="-")
    assert url.startswith(f"{s3_settings.reports_s3_endpoint_url}/{storage.bucket}/reports/42/")
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["900"]
    async with httpx.AsyncClient() as http:
        response = await http.get(url)
    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-disposition"] == 'attachment; filename="analytics 2026-01-01.csv"'


async def test_s3_presigned_links_last_until_expiry_within_s3s_limits(
    s3_settings: Settings, frozen: clock.FrozenClock
) -> None:
    storage = S3Storage(s3_settings)
    now = clock.unix(frozen.now())

    async def lifetime(expires: int) -> list[str]:
        url = await storage.download_url(1, "u", "a.csv", expires=expires, signing_key="-")
        return parse_qs(urlsplit(url).query)["X-Amz-Expires"]

    assert await lifetime(now + 3600) == ["3600"]
    assert await lifetime(now - 10) == ["1"]  # already past: as short a life as S3 allows
    assert await lifetime(now + 30 * 86400) == [str(7 * 86400)]  # S3 refuses longer than a week


async def test_s3_delete_removes_the_object_and_minds_no_missing_one(s3_settings: Settings, tmp_path: Path) -> None:
    storage = S3Storage(s3_settings)
    await storage.save(42, "a.csv", source_file(tmp_path / "work", CSV))
    await storage.save(43, "a.csv", source_file(tmp_path / "work", b"other\n"))
    url = await storage.download_url(42, "u", "a.csv", expires=clock.unix(clock.now()) + 600, signing_key="-")
    async with httpx.AsyncClient() as http:
        assert (await http.get(url)).content == CSV
        await storage.delete(42, "a.csv")
        # S3 answers 403 rather than 404 to those who may not list the bucket: either way, the file is gone.
        gone = await http.get(url)
        assert gone.status_code in (403, 404) and CSV not in gone.content
    client = await storage.client()
    with pytest.raises(ClientError):
        client.head_object(Bucket=storage.bucket, Key="reports/42/a.csv")
    assert client.head_object(Bucket=storage.bucket, Key="reports/43/a.csv")["ContentLength"] == len(b"other\n")
    await storage.delete(42, "a.csv")
    await storage.delete(44, "never.csv")


async def test_s3_refuses_names_that_would_leave_the_merchants_prefix(s3_settings: Settings, tmp_path: Path) -> None:
    storage = S3Storage(s3_settings.model_copy(update={"reports_s3_prefix": "tenant-files/"}))
    assert storage.key_of(42, "a.csv") == "tenant-files/42/a.csv"
    source = source_file(tmp_path / "work", CSV)
    with pytest.raises(ValueError, match="plain file name"):
        await storage.save(42, "../43/a.csv", source)
    assert not source.exists()
    for name in ("../43/a.csv", "a/b.csv", ".hidden"):
        with pytest.raises(ValueError, match="plain file name"):
            storage.key_of(42, name)


async def test_the_s3_secret_is_never_shown(
    s3_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    storage = small_parts(s3_settings)
    assert S3_SECRET not in repr(storage) and S3_SECRET not in str(storage)
    await storage.save(1, "a.csv", source_file(tmp_path / "work", CSV))
    url = await storage.download_url(1, "u", "a.csv", expires=clock.unix(clock.now()) + 60, signing_key="-")
    assert S3_SECRET not in url
    missing = S3Storage(s3_settings.model_copy(update={"reports_s3_bucket": "no-such-bucket-here"}))
    with pytest.raises(S3UploadFailedError, match="NoSuchBucket") as failed:
        await missing.save(1, "a.csv", source_file(tmp_path / "work", CSV))
    assert S3_SECRET not in str(failed.value) and S3_SECRET not in repr(failed.value)
    assert caplog.records  # botocore did log its requests, at debug level
    assert S3_SECRET not in caplog.text
