"""MediaStore in `/openapi.json`: every route declares its body (read through that declaration, and nothing else),
its answer in the envelope, its refusals as MediaStore renders them and its security; and real answers of the
server, on both engines, are what the document says they are."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from jsonschema import Draft202012Validator, ValidationError
from starlette.requests import Request

from boxoffice.dialects.cleeng import body
from boxoffice.dialects.cleeng.publisher_token import get_publisher
from boxoffice.dialects.mediastore import auths
from boxoffice.dialects.mediastore.deps import get_principal
from boxoffice.dialects.openapi import BodySpec, UndeclaredField, body_spec, dependencies
from tests.conftest import Server
from tests.dialects.mediastore.conftest import Customer, Publisher, call, data, refused
from tests.dialects.mediastore.test_offers import Shop, shop

__all__ = ["shop"]  # the offers' fixture, used here too
PREFIX = "/mediastore"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Writes that take no body: what they act on is in the path, or is the JWT's customer.
BODILESS = {
    ("DELETE", "/mediastore/refresh_tokens"),
    ("DELETE", "/mediastore/payment_details/{payment_details_id}"),
    ("POST", "/mediastore/gifts/redeem/{code}"),
}
REFUSAL = {"$ref": "#/components/schemas/Refusal"}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as the app serves it, `/mediastore/...`
    route: APIRoute

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def operations(documented_app: Any, prefixes: tuple[str, ...] = (PREFIX + "/",)) -> Iterator[Operation]:
    """The app's operations under `prefixes`, each with the route that serves it."""
    for context in iter_route_contexts(documented_app.routes):
        route, path = context.original_route, context.path_format
        if isinstance(route, APIRoute) and path and path.startswith(prefixes):
            for method in sorted(context.methods or ()):
                yield Operation(method, path, route)


def test_every_write_declares_its_body_and_reads_it_only_through_the_declaration(documented_app: Any) -> None:
    writes = [operation for operation in operations(documented_app) if operation.method in WRITES]
    assert len(writes) > 20
    for write in writes:
        spec = body_spec(write.route)
        if (write.method, write.path) in BODILESS:
            assert spec is None, f"{write} reads a body: declare it, and take it off BODILESS"
            continue
        assert isinstance(spec, BodySpec), f"{write} declares no body"
        # Closed: the endpoint gets a body that refuses to give up a field the declaration does not name.
        assert not spec.open and spec.fields, write
        assert spec.read is body.json_body and spec.media_types == ("application/json",), write
    for operation in operations(documented_app):
        # The body is read in one way only: through a declaration.
        calls = [dependency.call for dependency in dependencies(operation.route.dependant)]
        assert body.json_body not in calls, f"{operation} reads its body undeclared"


def _request(raw: bytes) -> Request:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/mediastore/auths", "headers": [], "query_string": b""}
    return Request(scope, receive)


async def test_a_field_read_without_being_declared_fails_at_parse_time() -> None:
    """What holds every route's parser to its declaration, in every test that sends it a body."""
    parsed = await auths.LOG_IN(_request(b'{"email": "a@example.com", "password": "p", "publisherId": 1, "x": 1}'))
    assert auths.EMAIL.read(parsed) == "a@example.com" and auths.PUBLISHER_ID.read(parsed) == 1
    with pytest.raises(UndeclaredField, match="'customerIP'"):
        parsed.get("customerIP")
    with pytest.raises(UndeclaredField, match="'x'"):
        _ = "x" in parsed


def test_a_declared_field_is_documented_as_its_reader_takes_it(document: dict[str, Any]) -> None:
    """The schema comes from the same declaration the reader checks with: its limits, its nullability."""
    schema = document["paths"]["/mediastore/auths"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["email", "password", "publisherId"]
    assert schema["properties"]["email"]["maxLength"] == auths.EMAIL.max_length == 320
    offer = document["paths"]["/mediastore/orders"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"type": "null"} in offer["properties"]["couponCode"]["anyOf"]  # the readers take null for absent
    integer, digits = offer["properties"]["paymentMethodId"]["anyOf"][:2]  # the SDK sends ids both ways
    assert integer["type"] == "integer" and digits["pattern"] == "^[0-9]{0,18}$"


def _refusals_are_the_envelope(operation: dict[str, Any], where: str) -> None:
    errors = {status: answer for status, answer in operation["responses"].items() if status[0] == "4"}
    assert {"400", "404", "422", "4XX"} <= set(errors), where
    for status, answer in errors.items():
        assert answer["content"]["application/json"]["schema"] == REFUSAL, f"{where} {status}"


def test_every_route_documents_its_body_answer_refusals_and_security(
    documented_app: Any, document: dict[str, Any]
) -> None:
    checked = 0
    for served in operations(documented_app):
        method, route, where = served.method, served.route, str(served)
        operation = document["paths"][served.path][method.lower()]
        assert operation.get("summary") and operation.get("description"), where
        if body_spec(route) is not None:
            content = operation["requestBody"]["content"]
            assert list(content) == ["application/json"], where
            assert content["application/json"]["schema"]["properties"], where
        elif method in WRITES:
            assert "requestBody" not in operation, where
        successes = {status: answer for status, answer in operation["responses"].items() if status[0] in "23"}
        assert successes, where
        for status, answer in successes.items():
            if status.startswith("3"):
                assert "content" not in answer, where  # a redirect, with its Location
                continue
            (schema,) = [media["schema"] for media in answer["content"].values()]
            assert schema not in ({}, None), f"{where}: an untyped answer"
        _refusals_are_the_envelope(operation, where)
        secured = any(dependency.call is get_principal for dependency in dependencies(route.dependant))
        by_publisher = any(dependency.call is get_publisher for dependency in dependencies(route.dependant))
        expected = [{"mediastoreJwt": []}] if secured else [{"publisherToken": []}] if by_publisher else []
        assert operation["security"] == expected, where
        if secured:
            assert {"401", "403"} <= set(operation["responses"]), where
        checked += 1
    assert checked >= 45
    assert document["components"]["securitySchemes"]["mediastoreJwt"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["mediastoreJwt"]["description"],
    }


def test_the_envelope_and_refusal_are_as_rendered(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    refusal = schemas["Refusal"]
    assert refusal["required"] == ["responseData", "errors"] and refusal["additionalProperties"] is False
    assert refusal["properties"]["errors"]["minItems"] == 1
    assert "AUTH0003" in refusal["properties"]["code"]["enum"]
    envelope = schemas["Envelope_OrderAnswer_"]
    assert envelope["required"] == ["responseData", "errors"]
    assert envelope["properties"]["errors"]["maxItems"] == 0
    # No operation of MediaStore answers FastAPI's own validation error: its 400 is the envelope.
    for path, operations in document["paths"].items():
        if path.startswith(PREFIX):
            assert "HTTPValidationError" not in str(operations), path


# Real answers against the document.


class Answers:
    """Checks answers of the server against the document's schema for their operation and status."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.checked: set[tuple[str, str, str]] = set()

    def check(self, method: str, path: str, response: httpx.Response) -> None:
        responses = self.document["paths"][PREFIX + path][method.lower()]["responses"]
        status = str(response.status_code)
        answer = responses.get(status) or responses[status[0] + "XX"]
        schema = {**answer["content"]["application/json"]["schema"], "components": self.document["components"]}
        Draft202012Validator(schema).validate(response.json())
        self.checked.add((method, path, status))


@pytest.fixture
def answers(server: Server) -> Answers:
    return Answers(server.app.openapi())


async def test_real_answers_are_what_the_document_says(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer, answers: Answers
) -> None:
    async def ask(method: str, template: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        response = await call(server, method, path, body, **kwargs)
        answers.check(method, template, response)
        return response

    auth = customer.auth
    await ask("GET", "/locales", "/locales", params={"customerIP": "81.2.69.160"})
    signed_in = await ask("POST", "/auths", "/auths", {"email": customer.email, "password": "viewer-pass-1",
                                                        "publisherId": publisher.id})  # fmt: skip
    data(signed_in)
    await ask("GET", "/customers/{customer_id}", f"/customers/{customer.id}", headers=auth)
    await ask("GET", "/offers/{offer}", f"/offers/{shop.pass_id}")
    await ask("GET", "/offers", "/offers", headers=auth)
    await ask("GET", "/v2/offers/{offer}", f"/v2/offers/{shop.monthly_id.split('_')[0]}", headers=auth)
    made = await ask("POST", "/orders", "/orders", {"offerId": shop.pass_id, "paymentMethodId": 0}, headers=auth)
    order_id = data(made)["order"]["id"]
    patched = await ask(
        "PATCH",
        "/orders/{order_id}",
        f"/orders/{order_id}",
        {"buyAsAGift": True, "deliveryDetails": {"recipientEmail": "friend@example.com", "deliveryDate": None}},
        headers=auth,
    )
    assert data(patched)["order"]["deliveryDetails"]["recipientEmail"] == "friend@example.com"
    await ask("GET", "/payment-methods", "/payment-methods", headers=auth)
    card = {"type": "scheme", "number": "4242424242424242", "expiryMonth": "12", "expiryYear": "2040", "cvc": "123"}
    paid = await ask(
        "POST",
        "/connectors/adyen/initial-payment",
        "/connectors/adyen/initial-payment",
        {"orderId": order_id, "paymentMethod": card},
        headers=auth,
    )
    assert data(paid)["payment"]["status"] == "captured"
    await ask("GET", "/customers/{customer_id}/offers", f"/customers/{customer.id}/offers", headers=auth)
    await ask("GET", "/customers/{customer_id}/transactions", f"/customers/{customer.id}/transactions", headers=auth)
    await ask("GET", "/customers/{customer_id}/consents", f"/customers/{customer.id}/consents", headers=auth)
    # Refusals: of the JWT, of a body field of the wrong type, of a path parameter, of the state of things.
    refused(await ask("GET", "/offers", "/offers"), 401, "AUTH0001")
    refused(await ask("POST", "/orders", "/orders", {"offerId": 7}, headers=auth), 400, "REQ0001")
    refused(await ask("GET", "/orders/{order_id}", "/orders/x", headers=auth), 400, "REQ0003")
    refused(await ask("GET", "/entitlements/{offer}", "/entitlements/nonsense", headers=auth), 422)
    assert len(answers.checked) == 17  # each answer above was checked


def test_the_schemas_checked_against_are_strict(document: dict[str, Any]) -> None:
    """An answer with a field the document does not name fails the check above: the check can fail."""
    answers = Answers(document)
    request = httpx.Request("GET", "http://test/mediastore/locales")
    rendered = {"country": "GB", "currency": "GBP", "locale": "en_GB", "ipAddress": "81.2.69.160"}
    answers.check(
        "GET", "/locales", httpx.Response(200, json={"responseData": rendered, "errors": []}, request=request)
    )
    with pytest.raises(ValidationError, match="Additional properties"):
        extra = {"responseData": rendered | {"region": "EU"}, "errors": []}
        answers.check("GET", "/locales", httpx.Response(200, json=extra, request=request))
    with pytest.raises(ValidationError, match=r"should be non-empty|is too short"):
        answers.check("GET", "/locales", httpx.Response(404, json={"responseData": {}, "errors": []}, request=request))
