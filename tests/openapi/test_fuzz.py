"""Schemathesis fuzzes every operation of `/openapi.json` against a real server on loopback, on each engine: paths,
queries and headers, and request bodies wherever the document declares them. Each operation is called as its own
client calls it (a merchant's token, a viewer's, a MediaStore customer's JWT), and fails on

* any 5xx;
* an operation that declares a security scheme answering 2xx without a token, or with a wrong one;
* an answer the document does not promise: a content type or headers it does not declare, a body its schema
  refuses (an answer the document gives no schema yet accepts any body), and, once the operation documents its
  refusals, a status code it does not list.

So the test tightens by itself as the document is typed. Bounded and reproducible: a fixed seed, derandomized
generation, a few examples per operation. The fuzzed document is the one the server serves."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from schemathesis import APIOperation, Case, CheckFunction
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from boxoffice.app import create_app
from boxoffice.kit.settings import Settings
from boxoffice.web.connections import MAX_HEAD
from tests.openapi.conftest import LiveApi

CONFIG = {
    "seed": 8_675_309,
    "generation": {"max-examples": 5, "deterministic": True},
    # Stateful runs follow the document's links, which it has none of.
    "phases": {"stateful": {"enabled": False}},
}
ALWAYS: list[CheckFunction] = [
    not_a_server_error,
    ignored_auth,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Built without a database (none is opened): parametrizing needs the operations before any server runs.
DOCUMENT = create_app(Settings(database_url="sqlite:///never-opened.db")).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config.from_dict(CONFIG))


def refusals_documented(operation: APIOperation) -> bool:
    """Whether the operation lists its 4xx answers: any but FastAPI's own 422, which it adds to every operation
    with parameters, in a shape the dialects never answer in."""
    responses: dict[str, Any] = operation.definition.raw.get("responses", {})
    return any(
        status.startswith("4") and "HTTPValidationError" not in json.dumps(response)
        for status, response in responses.items()
    )


def head_size(request: requests.PreparedRequest) -> int:
    """Bytes of the request line and headers, as the server reads them."""
    line = f"{request.method} {request.path_url} HTTP/1.1\r\n"
    return len(line) + sum(len(f"{name}: {value}\r\n") for name, value in request.headers.items()) + 2


def checks_for(operation: APIOperation, request: requests.PreparedRequest) -> list[CheckFunction]:
    if head_size(request) > MAX_HEAD:
        # Refused by the HTTP server before any route reads it (boxoffice.web.connections, Uvicorn's parser), in
        # plain text: the document describes routes, so only "no 5xx" holds.
        return [not_a_server_error]
    return [*ALWAYS, status_code_conformance] if refusals_documented(operation) else ALWAYS


@pytest.fixture(scope="module")
def fuzzed(live_api: LiveApi) -> LiveApi:
    """The server, once it is known to serve the document the operations were read from."""
    served = httpx.get(f"{live_api.base_url}/openapi.json", timeout=60)
    assert served.status_code == 200 and served.json() == DOCUMENT, "the served document is not the one fuzzed"
    return live_api


@schema.parametrize()
def test_every_operation_answers_as_the_document_says(case: Case, fuzzed: LiveApi) -> None:
    callers = fuzzed.callers
    callers.renew_for(case.operation.label)
    headers = callers.authorization(case.method, case.path)
    response = case.call(base_url=fuzzed.base_url, headers=headers)
    case.validate_response(response, checks=checks_for(case.operation, response.request), headers=headers)
