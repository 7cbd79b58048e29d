"""Signed, expiring links to report files kept on this server's disk.

A link names the merchant, the file and when it stops working, and carries an HMAC-SHA256 of the three. Whoever
holds the link may download the file until then; no login is needed, as with S3's presigned links.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from urllib.parse import quote, urlencode

# The key that signs links is derived from the server's secret for this purpose alone, so that nothing else the
# secret signs (access tokens) can ever pass for a link's signature, nor a link's for anything else.
_PURPOSE = b"report-links"
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)


def _link_key(key: str) -> bytes:
    return hmac.new(key.encode(), _PURPOSE, hashlib.sha256).digest()


def _signature(key: str, merchant_uuid: str, name: str, expires: int) -> str:
    # A JSON array keeps the three apart whatever characters the name holds ("a\nb" cannot shift a field boundary).
    message = json.dumps([merchant_uuid, name, expires], separators=(",", ":")).encode()
    return hmac.new(_link_key(key), message, hashlib.sha256).hexdigest()


def signed_path(key: str, merchant_uuid: str, name: str, expires: int) -> str:
    """The path and query of the download link: `/reports/{merchant_uuid}/{name}?expires=…&signature=…`.

    `expires` is absolute Unix time in seconds; the link stops working at that second.
    """
    query = urlencode({"expires": expires, "signature": _signature(key, merchant_uuid, name, expires)})
    return f"/reports/{quote(merchant_uuid, safe='')}/{quote(name, safe='')}?{query}"


def verify(key: str, merchant_uuid: str, name: str, expires: int, signature: str, now: int) -> bool:
    """Whether `signature` is this server's for exactly these merchant, name and expiry, and `now` is before it."""
    if now >= expires or not _HEX_SHA256.fullmatch(signature):
        return False
    return hmac.compare_digest(_signature(key, merchant_uuid, name, expires), signature.lower())
