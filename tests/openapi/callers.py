"""Who calls the API in the OpenAPI tests: a merchant (with its publisher token for API 3.1), one of its viewers, and
a MediaStore customer of the same merchant, each with a live token, made over HTTP as their clients make them.

A fuzzer may end a caller's session (`GET /accounts/logout`), erase an account or change a password: `renew()`
checks each token with one cheap call and makes a new one (or a new caller) where it no longer works, so that the
next operation is fuzzed by a signed-in caller again."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
from fastapi.routing import APIRoute

from boxoffice.dialects.inplayer import deps as inplayer_deps
from boxoffice.dialects.inplayer.router import MODULES as INPLAYER_MODULES

PASSWORD = "caller-pass-1"
MEDIASTORE = "/mediastore"
API31 = "/3.1"
# Operations that answer a signed-in caller with a stream that never ends (Server-Sent Events): they are called
# without a token, so that their parameters are fuzzed and their refusals checked without waiting on a stream.
STREAMS = frozenset({("GET", "/v2/notifications")})


def expect(response: httpx.Response, status: int = 200) -> dict[str, object]:
    request = response.request
    assert response.status_code == status, (
        f"{request.method} {request.url.path} -> {response.status_code} {response.text}"
    )
    body: dict[str, object] = response.json()
    return body


@dataclass
class Callers:
    """The three callers of one merchant on the server at `http`'s base URL."""

    http: httpx.Client
    merchant_email: str = ""
    merchant_uuid: str = ""
    merchant_token: str = ""
    viewer_email: str = ""
    viewer_token: str = ""
    publisher_id: int = 0
    publisher_token: str = ""
    customer_email: str = ""
    customer_id: int = 0
    customer_jwt: str = ""
    operation: str = ""  # the operation the callers were last renewed for

    @classmethod
    def signed_up(cls, http: httpx.Client) -> Callers:
        callers = cls(http)
        callers._new_merchant()
        return callers

    def _new_merchant(self) -> None:
        self.merchant_email = f"merchant.{uuid.uuid4().hex[:10]}@example.com"
        body = expect(
            self.http.post(
                "/accounts",
                data={
                    "type": "merchant",
                    "full_name": "Fuzzed Publisher",
                    "email": self.merchant_email,
                    "password": PASSWORD,
                    "password_confirmation": PASSWORD,
                },
            )
        )
        account = body["account"]
        assert isinstance(account, dict), body
        self.merchant_uuid, self.merchant_token = str(account["uuid"]), str(body["access_token"])
        keys = expect(self.http.get("/accounts/keys", headers=self._bearer(self.merchant_token)))
        self.publisher_id = int(str(keys["publisher_id"]))
        self.publisher_token = str(keys["publisher_token"])
        self._new_viewer()
        self._new_customer()

    def _new_viewer(self) -> None:
        self.viewer_email = f"viewer.{uuid.uuid4().hex[:10]}@example.com"
        body = expect(
            self.http.post(
                "/accounts",
                data={
                    "full_name": "Vera Viewer",
                    "username": self.viewer_email,
                    "password": PASSWORD,
                    "password_confirmation": PASSWORD,
                    "client_id": self.merchant_uuid,
                    "type": "consumer",
                    "grant_type": "password",
                },
            )
        )
        self.viewer_token = str(body["access_token"])

    def _new_customer(self) -> None:
        self.customer_email = f"customer.{uuid.uuid4().hex[:10]}@example.com"
        body = {"email": self.customer_email, "password": PASSWORD, "publisherId": self.publisher_id}
        made = expect(self.http.post(f"{MEDIASTORE}/customers", json=body))["responseData"]
        assert isinstance(made, dict), made
        self.customer_jwt, self.customer_id = str(made["jwt"]), int(made["customerId"])

    @staticmethod
    def _bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def _works(self, path: str, token: str) -> bool:
        return self.http.get(path, headers=self._bearer(token)).status_code == 200

    def _sign_in(self, email: str, client_id: str | None) -> str | None:
        form = {"grant_type": "password", "username": email, "password": PASSWORD}
        if client_id is not None:
            form["client_id"] = client_id
        answer = self.http.post("/accounts/authenticate", data=form)
        return str(answer.json()["access_token"]) if answer.status_code == 200 else None

    def renew(self) -> None:
        """Every caller signed in again: a new token where the old one stopped working, a new account where the
        old one can no longer sign in."""
        if not self._works("/accounts", self.merchant_token):
            token = self._sign_in(self.merchant_email, None)
            if token is None:
                self._new_merchant()
                return
            self.merchant_token = token
        if not self._works("/accounts", self.viewer_token):
            token = self._sign_in(self.viewer_email, self.merchant_uuid)
            if token is None:
                self._new_viewer()
            else:
                self.viewer_token = token
        if not self._works(f"{MEDIASTORE}/customers/{self.customer_id}", self.customer_jwt):
            login = self.http.post(
                f"{MEDIASTORE}/auths",
                json={"email": self.customer_email, "password": PASSWORD, "publisherId": self.publisher_id},
            )
            if login.status_code == 200:
                self.customer_jwt = str(login.json()["responseData"]["jwt"])
            else:
                self._new_customer()

    def renew_for(self, operation: str) -> None:
        """`renew()` before the first example of each operation: what one operation ended, the next finds renewed."""
        if operation != self.operation:
            self.operation = operation
            self.renew()

    def authorization(self, method: str, path: str) -> dict[str, str]:
        """The header the operation's own client would send: the merchant's token where the route takes a merchant,
        the MediaStore JWT under /mediastore, the publisher token under /3.1, else the viewer's (harmless where the
        route reads none)."""
        if (method.upper(), path) in STREAMS:
            return {}
        if path.startswith(API31 + "/"):
            return {"X-Publisher-Token": self.publisher_token}
        if path.startswith(MEDIASTORE + "/"):
            return self._bearer(self.customer_jwt)
        if (method.upper(), path) in MERCHANT_OPERATIONS:
            return self._bearer(self.merchant_token)
        return self._bearer(self.viewer_token)


def _merchant_operations() -> frozenset[tuple[str, str]]:
    """(method, path) of every InPlayer route that takes a merchant's token, read from the routes' dependencies
    rather than listed by hand, so that a new merchant route is fuzzed as its merchant."""

    def needs_merchant(dependant: object) -> bool:
        for sub in getattr(dependant, "dependencies", ()):
            if sub.call is inplayer_deps.get_merchant or needs_merchant(sub):
                return True
        return False

    return frozenset(
        (method, route.path)
        for module in INPLAYER_MODULES
        for route in module.router.routes
        if isinstance(route, APIRoute) and needs_merchant(route.dependant)
        for method in route.methods
    )


MERCHANT_OPERATIONS = _merchant_operations()
