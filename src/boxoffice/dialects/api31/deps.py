"""What an API 3.1 endpoint needs from its request: the session, the settings, and the publisher its
`X-Publisher-Token` names (the same per-merchant token as the JSON-RPC API's `publisherToken`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.dialects.cleeng.publisher_token import get_publisher
from boxoffice.identity.models import Merchant
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.requests import get_client, get_session, get_settings
from boxoffice.kit.settings import Settings

Session = Annotated[AsyncSession, Depends(get_session)]
AppSettings = Annotated[Settings, Depends(get_settings)]
Client = Annotated[ClientInfo, Depends(get_client)]
Publisher = Annotated[Merchant, Depends(get_publisher)]
# An id in a path: a positive whole number (anything else is a 400, never a lookup). Annotated, so that each
# parameter gets a copy of its own: FastAPI names a shared `Path()` default by the first parameter it meets.
Id = Annotated[int, Path(ge=1, le=2**53)]
