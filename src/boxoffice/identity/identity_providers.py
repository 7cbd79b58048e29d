"""A merchant's identity providers: the OpenID Connect issuers its viewers may sign in with. Google, Apple and
Facebook need only the client id and secret the merchant registered with them; any other issuer is named by its
address. Secrets are sealed at rest and never shown again whole."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import repository as repo
from boxoffice.identity.models import IdentityProvider
from boxoffice.identity.oidc import Configured
from boxoffice.kit import addresses, clock
from boxoffice.kit.errors import InvalidInput, Missing, NotFound
from boxoffice.kit.sealing import Sealer

_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
MAX_PROVIDERS = 20
BASIC_SCOPES = "openid email"


@dataclass(frozen=True, slots=True)
class Preset:
    issuer: str
    scopes: str
    # Endpoints the issuer's discovery document lacks (None: discovered).
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    jwks_uri: str | None = None


# The providers known by name: their issuers, and the scopes that give a name and a verified e-mail address.
PRESETS = {
    "google": Preset("https://accounts.google.com", "openid email profile"),
    "apple": Preset("https://appleid.apple.com", "openid email name"),
    # Facebook's discovery document names no token endpoint: its OpenID Connect code flow uses the Graph API's.
    "facebook": Preset(
        "https://www.facebook.com",
        "openid email",
        "https://www.facebook.com/v21.0/dialog/oauth",
        "https://graph.facebook.com/v21.0/oauth/access_token",
        "https://www.facebook.com/.well-known/oauth/openid/jwks/",
    ),
}


@dataclass(frozen=True, slots=True)
class Provider:
    """What a sign-in needs of a provider, read once, so the provider is talked to with no transaction open."""

    id: int
    name: str
    client_id: str
    client_secret: str | None
    scopes: str
    configured: Configured
    form_post: bool

    @property
    def issuer(self) -> str:
        return self.configured.issuer


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    name: str
    issuer: str
    client_id: str
    client_secret_hint: str | None
    scopes: str
    authorization_endpoint: str | None
    token_endpoint: str | None
    jwks_uri: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class ProviderChange:
    """What a merchant sends; None leaves a value as it is (a new provider takes the preset's or none)."""

    issuer: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    scopes: str | None = None
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    jwks_uri: str | None = None
    active: bool | None = None


def provider_of(row: IdentityProvider, sealer: Sealer) -> Provider:
    preset = PRESETS.get(row.name)
    if preset is not None and preset.issuer != row.issuer:
        preset = None
    configured = Configured(
        row.issuer,
        row.authorization_endpoint or (preset.authorization_endpoint if preset else None),
        row.token_endpoint or (preset.token_endpoint if preset else None),
        row.jwks_uri or (preset.jwks_uri if preset else None),
    )
    return Provider(
        id=row.id,
        name=row.name,
        client_id=row.client_id,
        client_secret=sealer.open(row.client_secret) if row.client_secret else None,
        scopes=row.scopes,
        configured=configured,
        # Apple sends the code back in a form POST when a name or e-mail address is asked for, and only so.
        form_post=row.issuer == PRESETS["apple"].issuer and bool({"name", "email"} & set(row.scopes.split())),
    )


def _hint(secret: str) -> str:
    return secret[:4] + "****" + secret[-4:] if len(secret) > 12 else "****"


def _shown(row: IdentityProvider, sealer: Sealer) -> ProviderSettings:
    secret = sealer.open(row.client_secret) if row.client_secret else None
    return ProviderSettings(
        name=row.name,
        issuer=row.issuer,
        client_id=row.client_id,
        client_secret_hint=_hint(secret) if secret else None,
        scopes=row.scopes,
        authorization_endpoint=row.authorization_endpoint,
        token_endpoint=row.token_endpoint,
        jwks_uri=row.jwks_uri,
        active=row.active,
    )


async def _address(value: str, field: str, problems: dict[str, str], *, allow_private: bool) -> str:
    """An address the server will call: https (or plain http to this machine, where the operator allows private
    addresses, as tests do), no credentials, not a private address unless allowed. Refused now, where the merchant
    sees why, as a webhook's is; every connection is checked again."""
    cleaned = value.strip()
    try:
        host = addresses.check_url(cleaned)
    except ValueError as exc:
        problems[field] = str(exc)
        return cleaned
    if len(cleaned) > 500:
        problems[field] = "The address is longer than 500 characters"
    elif urlsplit(cleaned).scheme != "https" and not allow_private:
        problems[field] = "The address must start with https://"
    elif not allow_private and await addresses.private_addresses(host):
        problems[field] = "The address is on a private, loopback or link-local network"
    return cleaned


async def identity_providers(session: AsyncSession, merchant_id: int, sealer: Sealer) -> list[ProviderSettings]:
    return [_shown(row, sealer) for row in await repo.identity_providers(session, merchant_id)]


async def set_identity_provider(
    session: AsyncSession,
    merchant_id: int,
    name: str,
    change: ProviderChange,
    *,
    sealer: Sealer,
    allow_private: bool,
) -> ProviderSettings:
    """Add the provider `name`, or change it. A change of issuer, client id or endpoint forgets the secret unless
    it is given again; accounts linked through the old issuer are not found through the new one."""
    problems: dict[str, str] = {}
    if not _NAME.fullmatch(name):
        raise InvalidInput({"name": "A provider's name is 1 to 32 lowercase letters, digits and hyphens"})
    row = await repo.identity_provider(session, merchant_id, name)
    preset = PRESETS.get(name)
    issuer = change.issuer if change.issuer is not None else (row.issuer if row else preset and preset.issuer)
    if not issuer or not issuer.strip():
        problems["issuer"] = "The issuer's address is required for a provider other than google, apple or facebook"
    else:
        issuer = await _address(issuer, "issuer", problems, allow_private=allow_private)
    client_id = (change.client_id if change.client_id is not None else row.client_id if row else "").strip()
    if not client_id or len(client_id) > 300 or not client_id.isprintable():
        problems["client_id"] = "The client id the provider gave is required (at most 300 characters)"
    secret = (change.client_secret or "").strip()
    if len(secret) > 1500 or not secret.isprintable():
        problems["client_secret"] = "The client secret is at most 1,500 printable characters"  # noqa: S105
    scopes = change.scopes if change.scopes is not None else row.scopes if row else None
    scopes = " ".join((scopes or (preset.scopes if preset else BASIC_SCOPES)).split())
    if "openid" not in scopes.split() or len(scopes) > 300 or not scopes.isprintable():
        problems["scopes"] = "The scopes are separated by spaces, include openid, and fit 300 characters"
    endpoints: dict[str, str | None] = {}
    for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        given: str | None = getattr(change, field)
        kept = getattr(row, field) if row else None
        if given is None:
            endpoints[field] = kept
        elif given.strip():
            endpoints[field] = await _address(given, field, problems, allow_private=allow_private)
        else:  # an empty one goes back to the discovered (or preset) endpoint
            endpoints[field] = None
    if row is None and len(await repo.identity_providers(session, merchant_id)) >= MAX_PROVIDERS:
        problems["name"] = f"A merchant has at most {MAX_PROVIDERS} identity providers"
    if problems:
        raise InvalidInput(problems)
    if row is None:
        row = IdentityProvider(merchant_id=merchant_id, name=name)
        session.add(row)
    elif (row.issuer, row.client_id, row.authorization_endpoint, row.token_endpoint, row.jwks_uri) != (
        issuer,
        client_id,
        *endpoints.values(),
    ):
        # The secret goes only where it was set to go: another issuer, client or endpoint needs it given again.
        row.client_secret = None
    row.issuer, row.client_id, row.scopes = str(issuer), client_id, scopes
    row.authorization_endpoint = endpoints["authorization_endpoint"]
    row.token_endpoint = endpoints["token_endpoint"]
    row.jwks_uri = endpoints["jwks_uri"]
    if secret:
        row.client_secret = sealer.seal(secret)
    if change.active is not None:
        row.active = change.active
    row.updated_at = clock.now()
    await session.flush()
    return _shown(row, sealer)


async def remove_identity_provider(session: AsyncSession, merchant_id: int, name: str) -> None:
    row = await repo.identity_provider(session, merchant_id, name)
    if row is None:
        raise NotFound("Identity provider not found", what=Missing.IDENTITY_PROVIDER)
    await repo.delete_identity_provider(session, row)
