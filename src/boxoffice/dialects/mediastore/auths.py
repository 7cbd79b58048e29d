"""Signing in and out: `POST /auths`, `POST /auths/refresh_token`, `DELETE /refresh_tokens`, and the public key
the JWTs are signed with."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, NotRequired

from fastapi import APIRouter, Depends, Request
from pydantic import with_config
from starlette.responses import JSONResponse
from typing_extensions import TypedDict

from boxoffice.dialects.cleeng.body import Fields, Text, Whole, declare
from boxoffice.dialects.mediastore import tokens
from boxoffice.dialects.mediastore.deps import AppSettings, Client, CurrentCustomer, Publisher, Session
from boxoffice.dialects.mediastore.envelope import CLOSED, Answer, Nothing, Refusal, answer
from boxoffice.dialects.mediastore.errors import INVALID_BODY, Refused
from boxoffice.dialects.mediastore.publishers import merchant_of_publisher
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.identity import authentication, customers
from boxoffice.identity.signing_keys import public_jwks
from boxoffice.identity.tokens import IssuedTokens
from boxoffice.kit.client_info import parse_address
from boxoffice.kit.errors import Unauthenticated

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
# ott-web-app signs the viewer out on these two texts.
REFRESH_REFUSED = "Refresh token is expired or does not exist"
MISSING_PARAMETER = "Missing or invalid parameter"
PUBLISHER_ID = Whole("publisherId", "The publisher (merchant) the customer belongs to", required=True)
EMAIL = Text("email", "The customer's e-mail address", max_length=320, required=True)
PASSWORD = Text("password", "The customer's password", required=True)
REFRESH_TOKEN = Text("refreshToken", "The refresh token the last sign-in or refresh gave", required=True)
LOG_IN = declare(EMAIL, PASSWORD, PUBLISHER_ID)
CUSTOMER_EMAIL = Text("customerEmail", "The customer's e-mail address", max_length=320, required=True)
CUSTOMER_IP = Text("customerIP", "The customer's IP address (recorded with the sign-in)", max_length=45)
SSO_LOG_IN = declare(CUSTOMER_EMAIL, CUSTOMER_IP)
REFRESH = declare(REFRESH_TOKEN)


@with_config(CLOSED)
class Tokens(TypedDict):
    jwt: str
    refreshToken: str


@with_config(CLOSED)
class SignedIn(Tokens):
    customerId: int


class Jwk(TypedDict):
    """A public RSA key as RFC 7517 writes it."""

    kty: str
    key_ops: NotRequired[list[str]]
    kid: str
    use: str
    alg: str
    n: str
    e: str


@with_config(CLOSED)
class Jwks(TypedDict):
    keys: list[Jwk]


def tokens_of(issued: IssuedTokens) -> Tokens:
    return {"jwt": issued.access_token, "refreshToken": issued.refresh_token}


def signed_in(issued: IssuedTokens, customer_id: int) -> SignedIn:
    return {"jwt": issued.access_token, "refreshToken": issued.refresh_token, "customerId": customer_id}


@router.post(
    "/auths",
    responses={401: {"model": Refusal, "description": "Wrong e-mail address or password (`USER0001`)"}},
)
async def log_in(
    request: Request,
    session: Session,
    settings: AppSettings,
    client: Client,
    body: Annotated[Fields, Depends(LOG_IN)],
) -> Answer[SignedIn]:
    """Sign in with an e-mail address and password: a JWT, a refresh token and the customer's id."""
    email, password = authentication.sign_in_name(EMAIL.read(body)), PASSWORD.read(body)
    merchant = await merchant_of_publisher(session, PUBLISHER_ID.read(body))
    if not email or not password:
        raise Refused(400, "The email and password are required", INVALID_BODY)
    account = f"{merchant.uuid}:{email}"
    await authentication.check_sign_in_rate(request.app.state.sessions, settings, client.ip_address, account)
    issued, customer = await authentication.sign_in(
        session, settings, merchant, email, password, client, issue=tokens.issue
    )
    return answer(signed_in(issued, customer.id))


@router.post(
    "/sso/auths",
    responses={
        401: {"model": Refusal, "description": "A missing or unknown `X-Publisher-Token`"},
        404: {"model": Refusal, "description": "No customer of the publisher has this address"},
    },
)
async def sso_log_in(
    session: Session,
    settings: AppSettings,
    client: Client,
    merchant: Publisher,
    body: Annotated[Fields, Depends(SSO_LOG_IN)],
) -> Answer[Tokens]:
    """SSO login: the publisher's back end, which has signed the customer in itself, gets a JWT (valid for 24
    hours) and a refresh token for its customer with this address."""
    email = authentication.sign_in_name(CUSTOMER_EMAIL.read(body))
    if not email:
        raise Refused(400, "Invalid param customerEmail", INVALID_BODY)
    given_ip = CUSTOMER_IP.read(body)
    if given_ip and parse_address(given_ip) is not None:  # the customer's, where the back end is the caller
        client = replace(client, ip_address=given_ip)
    issued = await customers.sign_in_on_publishers_word(
        session, settings, merchant, email, client, issue=tokens.issue_for_sso
    )
    return answer(tokens_of(issued))


@router.post(
    "/auths/refresh_token",
    responses={401: {"model": Refusal, "description": "Refresh token is expired or does not exist"}},
)
async def refresh(session: Session, settings: AppSettings, body: Annotated[Fields, Depends(REFRESH)]) -> Answer[Tokens]:
    """A new JWT and refresh token for a refresh token, which is then spent (a replayed one ends its session)."""
    given = REFRESH_TOKEN.read(body)
    if not given:
        raise Refused(422, MISSING_PARAMETER, INVALID_BODY)
    try:
        issued, _, customer = await authentication.refresh_session(session, settings, given, None, issue=tokens.issue)
    except Unauthenticated as refused:
        error = Refused(401, REFRESH_REFUSED)
        error.keep_changes = refused.keep_changes  # a replayed token ends its session, refused or not
        raise error from None
    if customer is None:  # a merchant's session has no MediaStore tokens
        raise Refused(401, REFRESH_REFUSED)
    return answer(tokens_of(issued))


@router.delete("/refresh_tokens")
async def revoke_refresh_tokens(session: Session, customer: CurrentCustomer) -> Answer[Nothing]:
    """Sign out everywhere: every session's refresh token, and with it the JWTs those sessions were given."""
    await authentication.end_all_sessions(session, customer, "logout_everywhere")
    return answer(Nothing())


@router.get("/.well-known/jwks.json", response_model=Jwks)
async def jwks(session: Session) -> JSONResponse:
    """The public keys the JWTs are signed with (RS256), as a JSON Web Key Set, outside the envelope."""
    return JSONResponse(await public_jwks(session))
