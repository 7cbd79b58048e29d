"""The pages', the gateways' and the operations' routes in `/openapi.json`: each documents its answers with their
types, its refusals as it renders them, its security and what it is for; and the whole document is valid
OpenAPI 3.1."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.conftest import Server

# (method, path): the security it declares, the statuses it answers, the media type of its success.
ROUTES = {
    ("GET", "/healthz"): ([], {"200"}, "application/json"),
    ("GET", "/readyz"): ([], {"200", "503"}, "application/json"),
    ("GET", "/sandbox/3ds/{merchant_id}/{charge_id}"): ([], {"200", "303", "404", "422"}, "text/html"),
    ("POST", "/webhooks/gateways/stripe/{merchant_uuid}"): (
        [{"stripeSignature": []}],
        {"200", "400", "404", "413", "422"},
        "application/json",
    ),
    ("GET", "/reports/{merchant_uuid}/{name}"): ([], {"200", "403", "404", "422"}, "text/csv"),
}


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_no_two_schemas_share_a_title(document: dict[str, Any]) -> None:
    """A client generator names its classes by title: each use of a generic (`Page[Item]`, MediaStore's
    `Envelope[...]`) and each dialect's own `Tokens` must have its own."""
    schemas = document["components"]["schemas"]
    titles = [schema.get("title", name) for name, schema in schemas.items()]
    assert len(set(titles)) == len(titles), sorted(t for t in set(titles) if titles.count(t) > 1)
    assert schemas["Page_Item_"]["title"] == "PageItem"


def test_every_page_gateway_and_operations_route_is_documented(documented_app: Any, document: dict[str, Any]) -> None:
    served = {
        (method, context.path_format)
        for context in iter_route_contexts(documented_app.routes)
        if isinstance(context.original_route, APIRoute) and context.original_route.include_in_schema
        for method in context.methods or ()
        if context.path_format.startswith(("/sandbox/", "/webhooks/gateways/", "/reports/", "/healthz", "/readyz"))
    }
    assert served == set(ROUTES)
    for (method, path), (security, statuses, media) in ROUTES.items():
        operation = document["paths"][path][method.lower()]
        where = f"{method} {path}"
        assert operation["summary"] and operation["description"], where
        assert operation["security"] == security, where
        assert set(operation["responses"]) == statuses, where
        success = operation["responses"]["200"]["content"]
        assert list(success) == [media] and success[media]["schema"] not in ({}, None), where
        for status, answer in operation["responses"].items():
            if status >= "400" and media == "application/json":
                (schema,) = [content["schema"] for content in answer["content"].values()]
                assert schema.get("$ref", "").startswith("#/components/schemas/"), f"{where} {status}"
        assert "HTTPValidationError" not in str(operation), where
    # A parameter the pages cannot parse is answered by the app's handler, in InPlayer's shape.
    unparsed = document["paths"]["/reports/{merchant_uuid}/{name}"]["get"]["responses"]["422"]
    assert unparsed["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert document["components"]["securitySchemes"]["stripeSignature"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Stripe-Signature",
        "description": document["components"]["securitySchemes"]["stripeSignature"]["description"],
    }
    event = document["paths"]["/webhooks/gateways/stripe/{merchant_uuid}"]["post"]["requestBody"]
    assert event["required"] is True and event["content"]["application/json"]["schema"]["type"] == "object"


async def test_real_answers_are_what_the_document_says(server: Server) -> None:
    document = (await server.http.get("/openapi.json")).json()
    # (what is asked, the operation's path): health, readiness, and a download link with no signature.
    for asked, path in (
        ("/healthz", "/healthz"),
        ("/readyz", "/readyz"),
        ("/reports/x/y", "/reports/{merchant_uuid}/{name}"),
    ):
        response = await server.http.get(asked)
        answer = document["paths"][path]["get"]["responses"][str(response.status_code)]
        schema = answer["content"]["application/json"]["schema"]
        Draft202012Validator({**schema, "components": document["components"]}).validate(response.json())
