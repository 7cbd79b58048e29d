"""Real answers of representative InPlayer endpoints conform to the schemas `/openapi.json` gives them, refusals
included: the document is read from the running app and each body validated against its operation's schema."""

from __future__ import annotations

from typing import Any

import httpx
from jsonschema import Draft202012Validator

from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Merchant, Viewer

JSON = "application/json"


def conforms(document: dict[str, Any], method: str, path: str, response: httpx.Response) -> None:
    """The response's body validates against the schema its operation documents for its status."""
    answers = document["paths"][path][method]["responses"]
    status = str(response.status_code)
    answer = answers.get(status) or answers[f"{status[0]}XX"]
    schema = answer["content"]["application/json"]["schema"]
    # The operation's schema refers into the document's components: validate against the document as a whole.
    validator = Draft202012Validator({**schema, "components": document["components"]})
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(response.json())]
    assert problems == [], f"{method.upper()} {path} {status}: {problems}"


async def test_the_catalog_answers_as_documented(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    document = (await server.http.get("/openapi.json")).json()
    item = await add_item(server, merchant, **{"metadata[genre]": "sport", "age_restriction": "16"})
    await add_fee(
        server, merchant, item["id"], access_type_id="7", trial_period_quantity="7", trial_period_period="day"
    )
    calls = [
        ("post", "/v2/items", await server.http.post("/v2/items", headers=merchant.auth, data={"title": "Final"})),
        ("get", "/v2/items", await server.http.get("/v2/items", headers=merchant.auth)),
        ("get", "/v2/items/{item_id}", await server.http.get(f"/v2/items/{item['id']}", headers=merchant.auth)),
        ("get", "/items/{item_id}", await server.http.get(f"/items/{item['id']}")),
        ("get", "/v2/items/{item_id}/access-fees", await server.http.get(f"/v2/items/{item['id']}/access-fees")),
        ("get", "/v2/access-types", await server.http.get("/v2/access-types", headers=merchant.auth)),
        ("get", "/items/{item_id}/access", await server.http.get(f"/items/{item['id']}/access", headers=viewer.auth)),
        ("get", "/items/{item_id}", await server.http.get("/items/999999")),
    ]
    for method, path, response in calls:
        assert response.status_code < 500, response.text
        conforms(document, method, path, response)


async def test_accounts_and_refusals_answer_as_documented(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    document = (await server.http.get("/openapi.json")).json()
    sign_in = {"username": viewer.email, "password": viewer.password, "client_id": merchant.uuid}
    calls = [
        ("post", "/accounts/authenticate", await server.http.post("/accounts/authenticate", data=sign_in)),
        ("post", "/v2/accounts/authenticate", await server.http.post("/v2/accounts/authenticate", data=sign_in)),
        ("get", "/accounts", await server.http.get("/accounts", headers=viewer.auth)),
        ("get", "/accounts", await server.http.get("/accounts", headers=merchant.auth)),
        ("put", "/accounts", await server.http.put("/accounts", headers=viewer.auth, data={"metadata[a]": "b"})),
        ("get", "/accounts/customers", await server.http.get("/accounts/customers", headers=merchant.auth)),
        ("get", "/accounts/keys", await server.http.get("/accounts/keys", headers=merchant.auth)),
        ("get", "/v2/accounts/profiles", await server.http.get("/v2/accounts/profiles", headers=viewer.auth)),
        ("get", "/subscriptions", await server.http.get("/subscriptions", headers=viewer.auth)),
        ("get", "/payments/transactions", await server.http.get("/payments/transactions", headers=merchant.auth)),
        ("post", "/webhooks", await server.http.post("/webhooks", headers=merchant.auth, data={"url": "ftp://x"})),
        ("get", "/accounts", await server.http.get("/accounts")),
        ("get", "/accounts/keys", await server.http.get("/accounts/keys", headers=viewer.auth)),
        ("post", "/accounts/authenticate", await server.http.post("/accounts/authenticate", data={"x": "y"})),
        ("post", "/accounts", await server.http.post("/accounts", content=b"{", headers={"content-type": JSON})),
    ]
    statuses = {response.status_code for _, _, response in calls}
    assert {200, 400, 401, 403, 422} <= statuses
    for method, path, response in calls:
        conforms(document, method, path, response)
