"""Talking to an OpenID Connect provider: its discovery document, its signing keys, and the exchange of an
authorization code (with its PKCE verifier, RFC 7636) for the provider's tokens.

A provider's addresses are the merchant's configuration, so every call is one of `kit.outbound`'s: through the
SSRF guard, https only, no redirects, a bounded answer. Discovery documents and key sets are kept for `KEEP_FOR`
seconds; a token signed by a key not among those kept fetches the set again once (`keys(fresh=True)`), which is how
a provider's key rotation reaches us.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from boxoffice.kit import outbound

KEEP_FOR = 3600.0
TIMEOUT = 10.0
DISCOVERY = "/.well-known/openid-configuration"


class ProviderUnavailable(Exception):
    """The provider could not be reached, or answered what is not what OpenID Connect says it answers. The
    message is for the operator's log, never for the viewer."""


@dataclass(frozen=True, slots=True)
class Endpoints:
    issuer: str
    authorization: str
    token: str
    jwks: str


@dataclass(frozen=True, slots=True)
class Configured:
    """What a merchant set: the issuer, and any endpoint it names itself (None: from discovery)."""

    issuer: str
    authorization: str | None = None
    token: str | None = None
    jwks: str | None = None


class OidcClient:
    def __init__(self, *, allow_private: bool, timeout: float = TIMEOUT) -> None:
        self._allow_private = allow_private
        self._timeout = timeout
        self._kept: dict[str, tuple[float, dict[str, Any]]] = {}

    async def endpoints(self, configured: Configured) -> Endpoints:
        if configured.authorization and configured.token and configured.jwks:
            return Endpoints(configured.issuer, configured.authorization, configured.token, configured.jwks)
        found = await self._document(configured.issuer.rstrip("/") + DISCOVERY, fresh=False)
        if found.get("issuer") != configured.issuer:
            # OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
            raise ProviderUnavailable(f"the discovery document names issuer {found.get('issuer')!r}")
        try:
            return Endpoints(
                configured.issuer,
                configured.authorization or _address(found, "authorization_endpoint"),
                configured.token or _address(found, "token_endpoint"),
                configured.jwks or _address(found, "jwks_uri"),
            )
        except KeyError as exc:
            raise ProviderUnavailable(f"the discovery document has no {exc.args[0]}") from None

    async def keys(self, jwks_uri: str, *, fresh: bool = False) -> dict[str, Any]:
        found = await self._document(jwks_uri, fresh=fresh)
        if not isinstance(found.get("keys"), list):
            raise ProviderUnavailable("the key set has no keys")
        return found

    async def exchange(
        self,
        endpoints: Endpoints,
        *,
        client_id: str,
        client_secret: str | None,
        code: str,
        redirect_uri: str,
        code_verifier: str,
    ) -> str:
        """The ID token the provider gives for `code` (RFC 6749 §4.1.3; the client authenticates with its
        secret in the body, `client_secret_post`, which Google, Apple and Facebook all take)."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "code_verifier": code_verifier,
        }
        if client_secret:
            form["client_secret"] = client_secret
        status, found = await self._call("POST", endpoints.token, data=form)
        if status != 200:
            raise ProviderUnavailable(f"the token endpoint answered {status}: {str(found.get('error'))[:100]}")
        id_token = found.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise ProviderUnavailable("the token endpoint gave no ID token")
        return id_token

    async def _document(self, url: str, *, fresh: bool) -> dict[str, Any]:
        kept = self._kept.get(url)
        if kept is not None and not fresh and time.monotonic() - kept[0] < KEEP_FOR:
            return kept[1]
        status, found = await self._call("GET", url)
        if status != 200:
            raise ProviderUnavailable(f"{url} answered {status}")
        self._kept[url] = (time.monotonic(), found)
        return found

    async def _call(self, method: str, url: str, data: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        try:
            return await outbound.call_json(
                method, url, allow_private=self._allow_private, data=data, within=self._timeout
            )
        except outbound.Unreachable as exc:
            raise ProviderUnavailable(str(exc)) from None


def _address(document: dict[str, Any], name: str) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise KeyError(name)
    return value
