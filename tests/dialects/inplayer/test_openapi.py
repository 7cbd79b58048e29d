"""The InPlayer dialect's `/openapi.json`: every operation declares its body, typed answers, refusals in
InPlayer's envelope, its security and a description; the declarations are the ones the parser reads through."""

from __future__ import annotations

import ast
import inspect
import sys
from functools import cache
from types import ModuleType
from typing import Any

import pytest
from fastapi.routing import APIRoute
from openapi_spec_validator import validate

from boxoffice.app import create_app
from boxoffice.dialects.inplayer import forms
from boxoffice.dialects.inplayer.router import MODULES
from boxoffice.dialects.openapi import body_spec, dependencies

ENVELOPE = "#/components/schemas/ErrorBody"
INPLAYER = "boxoffice.dialects.inplayer."
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# The readers of `forms` and `amounts`: a declared field is read by one of them, by a helper handed the body, or
# looked up in the body.
READERS = {"text", "integer", "flag", "strings", "mapping", "date_time", "decimal_field"}


@cache
def document() -> dict[str, Any]:
    return create_app().openapi()


def routes() -> list[tuple[str, APIRoute]]:
    return [
        (module.__name__.rsplit(".", 1)[-1], route)
        for module in MODULES
        for route in module.router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
    ]


def operations() -> list[tuple[str, str, str, dict[str, Any], APIRoute]]:
    paths = document()["paths"]
    return [
        (module, method, route.path_format, paths[route.path_format][method.lower()], route)
        for module, route in routes()
        for method in sorted(route.methods)
    ]


def typed(schema: dict[str, Any]) -> bool:
    """A schema that says what the answer holds: a named schema, or an object or list of one."""
    if "$ref" in schema:
        return True
    if schema.get("type") == "array":
        return typed(schema.get("items", {}))
    if "anyOf" in schema:
        return all(typed(option) for option in schema["anyOf"])
    return schema.get("type") in ("boolean", "integer", "number", "string", "null") or bool(schema.get("properties"))


def problems(method: str, path: str, operation: dict[str, Any], route: APIRoute) -> list[str]:
    found = []
    if not operation.get("summary") or not operation.get("description"):
        found.append("no summary and description (the endpoint's docstring)")
    if "security" not in operation:
        found.append("no security declared")
    responses = operation["responses"]
    answers = {code: answer for code, answer in responses.items() if code.startswith("2")}
    for code, answer in answers.items():
        schema = answer.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None and not typed(schema):
            found.append(f"{code} answer untyped: {schema}")
        if schema is None and not answer.get("content"):
            found.append(f"{code} answer has no content")
    refusals = {code: answer for code, answer in responses.items() if code.startswith("4")}
    if not refusals:
        found.append("no refusals documented")
    for code, answer in refusals.items():
        if answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref") != ENVELOPE:
            found.append(f"{code} refusal is not InPlayer's envelope")
    calls = [dependency.call for dependency in dependencies(route.dependant)]
    if forms.read_body in calls:
        found.append("reads its body without declaring it (use a bodies.form)")
    if body_spec(route) is not None and method != "GET" and "requestBody" not in operation:
        found.append("declares a body the document does not show")
    if method in WRITES and body_spec(route) is None and "requestBody" in operation:
        found.append("documents a body it does not read")
    return [f"{method} {path}: {problem}" for problem in found]


def test_every_inplayer_operation_is_described() -> None:
    found = [
        problem
        for _, method, path, operation, route in operations()
        for problem in problems(method, path, operation, route)
    ]
    assert not found, "\n".join(found)


def test_no_operation_offers_fastapis_validation_error() -> None:
    assert [path for _, _, path, operation, _ in operations() if "HTTPValidationError" in str(operation)] == []


def test_the_document_is_valid_openapi_3_1() -> None:
    assert document()["openapi"].startswith("3.1")
    validate(document())


def test_security_schemes_name_both_kinds_of_token() -> None:
    schemes = document()["components"]["securitySchemes"]
    assert schemes["viewerToken"] == {**schemes["viewerToken"], "type": "http", "scheme": "bearer"}
    assert schemes["merchantToken"] == {**schemes["merchantToken"], "type": "http", "scheme": "bearer"}
    paths = document()["paths"]
    assert paths["/accounts"]["put"]["security"] == [{"viewerToken": []}]
    assert paths["/accounts/keys"]["get"]["security"] == [{"merchantToken": []}]
    assert paths["/accounts"]["get"]["security"] == [{"viewerToken": []}, {"merchantToken": []}]
    assert paths["/accounts/authenticate"]["post"]["security"] == []


def test_a_form_body_is_documented_with_inplayers_bracket_keys() -> None:
    body = document()["paths"]["/v2/allowed-origins"]["put"]["requestBody"]["content"]
    assert set(body) == {"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}
    assert set(body["application/x-www-form-urlencoded"]["schema"]["properties"]) == {"origins[]"}
    assert body["application/json"]["schema"]["properties"]["origins"]["type"] == "array"
    account = document()["paths"]["/accounts"]["put"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
    assert account["encoding"]["metadata"] == {"style": "deepObject", "explode": True}


def _module_reads(module: ModuleType) -> set[str]:
    """Every field name the module's source hands a reader (a literal, a module constant, or each name of a tuple
    looped over), or looks up in a body."""
    names = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Call) and len(node.args) >= 2:
            function, (first, second) = node.func, node.args[:2]
            name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)
            if name in READERS or (isinstance(first, ast.Name) and first.id == "body"):
                if isinstance(second, ast.Constant):
                    names.add(str(second.value))
                elif isinstance(second, ast.Name) and isinstance(getattr(module, second.id, None), str):
                    names.add(getattr(module, second.id))
        looked_up = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
        if looked_up and node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value))
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant):
            names.add(str(node.left.value))
        if isinstance(node, ast.For | ast.comprehension) and isinstance(node.iter, ast.Tuple):
            names.update(str(element.value) for element in node.iter.elts if isinstance(element, ast.Constant))
    return names


def _helper_modules(module: ModuleType) -> set[ModuleType]:
    """The module and the dialect's modules whose functions it calls (`card_of` in payments, `client_with_referrer`
    in deps …)."""
    found = {module}
    for value in vars(module).values():
        home = sys.modules.get(getattr(value, "__module__", "") or "")
        if inspect.isfunction(value) and home is not None and home.__name__.startswith(INPLAYER):
            found.add(home)
    return found


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_every_declared_field_is_read(module: ModuleType) -> None:
    """The other half of the drift check (reading an undeclared field raises): a field the declaration names
    is one the module's readers read, so a renamed or dropped field does not linger in the document."""
    reads = {name for helper in _helper_modules(module) for name in _module_reads(helper)}
    declared = {
        (route.path, field.name)
        for route in module.router.routes
        if isinstance(route, APIRoute) and (spec := body_spec(route)) is not None
        for field in spec.fields
    }
    assert {(path, name) for path, name in declared if name not in reads} == set()
