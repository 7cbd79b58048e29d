"""boxoffice.dialects.openapi on a small app of its own: a route's body declaration is both what the parser may
read and what the document shows, and the route documents its answers, refusals and security."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Security
from fastapi.security import HTTPAuthorizationCredentials
from starlette.requests import Request
from typing_extensions import TypedDict

from boxoffice.dialects.inplayer import forms
from boxoffice.dialects.openapi import (
    FORM,
    JSON,
    BodySpec,
    DeclaredBody,
    DescribedRoute,
    Field,
    UndeclaredField,
    bearer,
)


class Refusal(TypedDict):
    message: str


class Greeting(TypedDict):
    hello: str


class Route(DescribedRoute):
    error_model = Refusal
    errors = {422: "Invalid input"}
    secured_errors = {401: "No token"}


async def read_json(request: Request) -> dict[str, Any]:
    return dict(await request.json())


TOKEN = bearer("token", "A token")
GREET = BodySpec(
    read_json,
    Field("name", {"type": "string"}, "Whom to greet", required=True),
    Field("tags", {"type": "array", "items": {"type": "string"}}, "Labels", form_name="tags[]"),
    media_types=(JSON, FORM),
)
router = APIRouter(route_class=Route)


@router.post("/greet")
async def greet(body: Annotated[dict[str, Any], Depends(GREET)]) -> Greeting:
    """Greet someone.

    Only the declared `name` is read."""
    return {"hello": str(body.get("name"))}


@router.post("/drifted")
async def drifted(
    body: Annotated[dict[str, Any], Depends(GREET)],
    _token: Annotated[HTTPAuthorizationCredentials | None, Security(TOKEN)],
) -> Greeting:
    """Read a field the declaration does not name."""
    return {"hello": str(forms.text(body, "nickname"))}


def app() -> FastAPI:
    built = FastAPI()
    built.include_router(router)
    return built


async def test_a_route_reads_its_declared_fields() -> None:
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/greet", json={"name": "Ada", "extra": "ignored"})
    assert response.json() == {"hello": "Ada"}


async def test_reading_an_undeclared_field_fails_loudly() -> None:
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with pytest.raises(UndeclaredField, match="nickname"):
            await client.post("/drifted", json={"name": "Ada", "nickname": "A"})


def test_every_way_of_reading_is_checked() -> None:
    body = DeclaredBody({"name": "Ada", "nickname": "A"}, frozenset({"name"}), "POST /greet")
    assert body.get("name") == "Ada" and body["name"] == "Ada" and "name" in body
    for read in (lambda: body.get("nickname"), lambda: body["nickname"], lambda: "nickname" in body):
        with pytest.raises(UndeclaredField):
            read()


def test_the_document_shows_the_declaration() -> None:
    operation = app().openapi()["paths"]["/greet"]["post"]
    content = operation["requestBody"]["content"]
    assert set(content) == {JSON, FORM}
    assert content[JSON]["schema"]["required"] == ["name"]
    assert set(content[FORM]["schema"]["properties"]) == {"name", "tags[]"}
    assert operation["summary"] == "Greet someone."
    assert operation["description"].endswith("Only the declared `name` is read.")
    assert operation["security"] == []
    assert operation["responses"]["200"]["content"][JSON]["schema"] == {"$ref": "#/components/schemas/Greeting"}
    assert operation["responses"]["422"]["content"][JSON]["schema"] == {"$ref": "#/components/schemas/Refusal"}
    assert "401" not in operation["responses"]


def test_a_secured_route_names_its_scheme_and_its_refusals() -> None:
    document = app().openapi()
    operation = document["paths"]["/drifted"]["post"]
    assert operation["security"] == [{"token": []}]
    assert set(operation["responses"]) == {"200", "401", "422"}
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
