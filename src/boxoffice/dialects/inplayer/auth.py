"""Signing up, in and out: `/accounts/authenticate`, `/accounts` sign-up, logout, keys."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from typing_extensions import TypedDict

from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import (
    AppSettings,
    Client,
    CurrentMerchant,
    CurrentPrincipal,
    Sealing,
    Session,
    bearer_token,
    client_with_referrer,
)
from boxoffice.dialects.inplayer.forms import mapping, strings, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity import accounts, authentication, customers, merchants, publisher_tokens
from boxoffice.identity.tokens import verify_access_token
from boxoffice.kit import throttle
from boxoffice.kit.errors import Forbidden, InvalidInput
from boxoffice.kit.settings import Settings

router = APIRouter(route_class=InPlayerRoute, tags=["accounts"])
GRANT_TYPES = ("password", "refresh_token", "client_credentials")
REFERRER = bodies.text("referrer", "The page the SDK was used on")
AUTHENTICATE = bodies.form(
    bodies.text("grant_type", "`password` unless told (v2: only `password`)", enum=GRANT_TYPES),
    bodies.text("client_id", "The merchant's uuid; without it, a merchant signs in to its own account"),
    bodies.text("client_secret", "The merchant's secret, for `client_credentials`"),
    bodies.text("username", "The account's e-mail"),
    bodies.text("email", "The account's e-mail, when `username` is not sent"),
    bodies.text("password", "The password, for `password`"),
    bodies.text("refresh_token", "The refresh token, for `refresh_token`"),
    REFERRER,
)
SIGN_UP = bodies.form(
    bodies.text("type", "`consumer` (a viewer, the default) or `merchant`", enum=("consumer", "merchant")),
    bodies.text("client_id", "The merchant's uuid a viewer signs up with"),
    bodies.text("username", "The new account's e-mail"),
    bodies.text("email", "The new account's e-mail, when `username` is not sent"),
    bodies.text("full_name", "The account holder's name"),
    bodies.text("password", "The new password"),
    bodies.text("password_confirmation", "The new password again"),
    bodies.mapping("metadata", "Values of the merchant's register fields, by field name"),
    REFERRER,
)
ORIGINS = bodies.form(bodies.strings("origins", "Each `scheme://host[:port]`; the list replaces the one kept"))


class Keys(TypedDict):
    uuid: str
    secret: str
    publisher_id: int
    publisher_token: str


class Origins(TypedDict):
    origins: list[str]


async def _authenticate(
    request: Request, session: Session, settings: Settings, body: dict[str, Any], client: Client, *, v2: bool
) -> render.Tokens:
    grant = text(body, "grant_type") or "password"
    client_id = text(body, "client_id")
    username = authentication.sign_in_name(text(body, "username") or text(body, "email"))
    if grant not in GRANT_TYPES or (v2 and grant != "password"):
        allowed = "password" if v2 else ", ".join(GRANT_TYPES)
        raise InvalidInput({"grant_type": f"The grant type must be one of: {allowed}"})
    if grant == "client_credentials":
        account = f"client:{client_id}" if client_id else None
    else:
        account = f"{client_id}:{username}" if username else None
    await authentication.check_sign_in_rate(request.app.state.sessions, settings, client.ip_address, account)
    client = client_with_referrer(client, body)

    if grant == "refresh_token":
        token = text(body, "refresh_token")
        if not token:
            raise InvalidInput({"refresh_token": "The refresh token is required"})
        merchant = await merchants.find_merchant(session, client_id) if client_id else None
        issued, owner, customer = await authentication.refresh_session(session, settings, token, merchant)
        return render.tokens(issued, owner, customer, v2=v2)

    if grant == "client_credentials":
        secret = text(body, "client_secret")
        missing = {f: f"The {f} is required" for f, v in (("client_id", client_id), ("client_secret", secret)) if not v}
        if missing:
            raise InvalidInput(missing)
        merchant = await merchants.authenticate_client(session, client_id or "", secret or "")
        issued = await authentication.start_session(session, settings, merchant, None, client)
        return render.tokens(issued, merchant, None, v2=v2)

    password = text(body, "password")
    missing = {f: f"The {f} is required" for f, v in (("username", username), ("password", password)) if not v}
    if missing:
        raise InvalidInput(missing)
    if not client_id:
        merchant = await merchants.authenticate_merchant(session, username, password or "")
        issued = await authentication.start_session(session, settings, merchant, None, client)
        return render.tokens(issued, merchant, None, v2=v2)
    merchant = await merchants.find_merchant(session, client_id)
    issued, customer = await authentication.sign_in_to_realm(
        session, settings, merchant, username, password or "", client
    )
    return render.tokens(issued, merchant, customer, v2=v2)


@router.post("/accounts/authenticate")
async def authenticate(
    request: Request,
    session: Session,
    settings: AppSettings,
    body: Annotated[Fields, Depends(AUTHENTICATE)],
    client: Client,
) -> render.Tokens:
    """Sign in: a viewer with a password, a merchant without a client id, a merchant's server by client
    credentials, or a session renewed with its refresh token.

    The refresh token is single-use: each renewal hands out a new one. Attempts are limited per address and
    per account."""
    return await _authenticate(request, session, settings, body, client, v2=False)


@router.post("/v2/accounts/authenticate")
async def authenticate_v2(
    request: Request,
    session: Session,
    settings: AppSettings,
    body: Annotated[Fields, Depends(AUTHENTICATE)],
    client: Client,
) -> render.Tokens:
    """Sign in with a password (v2): the answer carries no refresh token."""
    return await _authenticate(request, session, settings, body, client, v2=True)


async def _sign_up(
    request: Request, session: Session, settings: Settings, body: dict[str, Any], client: Client, *, v2: bool
) -> render.Tokens:
    await throttle.hit(request.app.state.sessions, {f"signup:ip:{client.ip_address}": settings.auth_rate_per_ip})
    client = client_with_referrer(client, body)
    client_id = text(body, "client_id")
    kind = text(body, "type") or "consumer"
    if kind not in ("consumer", "merchant"):
        raise InvalidInput({"type": "The type must be consumer or merchant"})
    email = text(body, "username") or text(body, "email")
    if kind == "merchant" and client_id:
        raise InvalidInput({"client_id": "A merchant account is opened without a client id"})
    if kind == "merchant":
        merchant = await merchants.create_merchant(
            session,
            email=email,
            password=text(body, "password"),
            password_confirmation=text(body, "password_confirmation"),
            full_name=text(body, "full_name"),
            sealer=request.app.state.sealer,
        )
        issued = await authentication.start_session(session, settings, merchant, None, client)
        return render.tokens(issued, merchant, None, v2=v2)
    if v2 and request.headers.get("authorization"):
        # A merchant's server opening an account for a customer it authenticates itself.
        principal = await verify_access_token(session, settings, bearer_token(request))
        if not principal.is_merchant:
            raise Forbidden()
        owner = await merchants.merchant_of(session, principal.merchant_id)
        customer = await customers.create_customer(
            session,
            owner,
            email=email,
            full_name=text(body, "full_name"),
            metadata=mapping(body, "metadata"),
            client=client,
        )
        issued = await authentication.start_session(session, settings, owner, customer, client, record_login=False)
        return render.tokens(issued, owner, customer, v2=True)
    if not client_id:
        raise InvalidInput({"client_id": "The client id is required"})
    merchant = await merchants.find_merchant(session, client_id)
    customer = await accounts.register_customer(
        session,
        merchant,
        email=email,
        full_name=text(body, "full_name"),
        password=text(body, "password"),
        password_confirmation=text(body, "password_confirmation"),
        metadata=mapping(body, "metadata"),
        client=client,
    )
    issued = await authentication.start_session(session, settings, merchant, customer, client)
    return render.tokens(issued, merchant, customer, v2=v2)


@router.post("/accounts")
async def sign_up(
    request: Request,
    session: Session,
    settings: AppSettings,
    body: Annotated[Fields, Depends(SIGN_UP)],
    client: Client,
) -> render.Tokens:
    """Open an account and sign it in: a viewer's with the merchant's client id, or a merchant's (`type=merchant`).

    A viewer's sign-up takes the merchant's register fields in `metadata`."""
    return await _sign_up(request, session, settings, body, client, v2=False)


# A merchant's server may open a viewer's account with its own token, and no password.
@router.post("/v2/accounts", openapi_extra={"security": [{}, {"merchantToken": []}]})
async def sign_up_v2(
    request: Request,
    session: Session,
    settings: AppSettings,
    body: Annotated[Fields, Depends(SIGN_UP)],
    client: Client,
) -> render.Tokens:
    """Open an account and sign it in (v2): the answer carries no refresh token.

    With a merchant's token, the merchant opens a viewer's account without a password."""
    return await _sign_up(request, session, settings, body, client, v2=True)


@router.get("/accounts/logout")
async def sign_out(session: Session, principal: CurrentPrincipal) -> render.Message:
    """End the session the token belongs to; its refresh token ends with it."""
    await authentication.sign_out(session, principal)
    return render.message("Successfully logged out")


@router.get("/accounts/keys")
async def merchant_keys(session: Session, merchant: CurrentMerchant, sealer: Sealing) -> Keys:
    """The merchant's client id (`uuid`), client secret, publisher number and publisher token."""
    # `publisher_id`: the merchant's number in Cleeng's APIs (MediaStore's `publisherId`); `publisher_token`: what
    # Cleeng's publisher APIs (JSON-RPC 3.0) authenticate it with.
    return {
        "uuid": merchant.uuid,
        "secret": merchant.client_secret,
        "publisher_id": merchants.public_number(merchant),
        "publisher_token": await publisher_tokens.publisher_token_of(session, merchant, sealer),
    }


@router.get("/v2/allowed-origins")
async def allowed_origins(merchant: CurrentMerchant) -> Origins:
    """The web origins whose pages may call the APIs from a browser (Boxoffice's own route)."""
    return {"origins": merchant.allowed_origins}


@router.put("/v2/allowed-origins")
async def set_allowed_origins(
    session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(ORIGINS)]
) -> Origins:
    """Replace the web origins whose pages may call the APIs from a browser.

    `origins[i]`: each `scheme://host[:port]`; the list given replaces the one kept."""
    given = strings(body, "origins") or []
    updated = await merchants.set_allowed_origins(session, merchant, given)
    return {"origins": updated.allowed_origins}
