"""Request bodies as Cleeng's clients send them (MediaStore's SDK, API 3.1's generated clients): a JSON object, read
field by field. Each field is declared once, as one of
the kinds below (its key, its limits, whether a request needs it), and that declaration is at once what the route
parses the field with and the field's JSON schema in the route's `requestBody` (boxoffice.dialects.openapi), so the
two cannot drift: a route reads its body through `declare(...)`, which refuses to hand it a field it did not declare.
A wrong type is a clear 400 naming the field rather than a failure further in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from fastapi import Request

from boxoffice.dialects.openapi import JSON, BodySpec, DeclaredBody, Field
from boxoffice.kit.errors import DomainError

MAX_BODY = 64 * 1024
WHOLE_BOUND = 2**63  # a whole number is below it (a bound a float holds exactly, as the document's numbers are)
# No text may hold a NUL character.
WITHOUT_NUL = "^[^\\u0000]*$"


class BadBody(DomainError):
    """A body that isn't what its route declared: 400 for a malformed one, 422 for a value out of bounds. Each
    dialect words it in its own envelope (its `errors.py`)."""

    def __init__(self, message: str, status: int = 400) -> None:
        self.status = status
        super().__init__(message)


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise BadBody("The request body is too large")
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadBody("The request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadBody("The request body must be a JSON object")
    return data


def _nullable(schema: dict[str, Any], required: bool) -> dict[str, Any]:
    """A field a request may leave out may also be null: the readers take null for absent."""
    if required:
        return schema
    return {"anyOf": [*schema.get("anyOf", [schema]), {"type": "null"}]}


@dataclass(frozen=True, slots=True)
class Text:
    """A string of at most `max_length` characters, without NUL. `required`: the route refuses a request without
    it (or with it empty); `enum`: the only values the route takes; `label`: how a refusal names a nested field."""

    name: str
    description: str
    max_length: int = 1000
    required: bool = False
    enum: tuple[str, ...] = ()
    label: str | None = None

    @property
    def field(self) -> Field:
        schema: dict[str, Any] = {"type": "string", "maxLength": self.max_length, "pattern": WITHOUT_NUL}
        if self.required:
            schema["minLength"] = 1
        if self.enum:
            schema = {"type": "string", "enum": list(self.enum)}
        return Field(self.name, _nullable(schema, self.required), self.description, self.required)

    def read(self, body: Mapping[str, Any]) -> str | None:
        value = body.get(self.name)
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > self.max_length or "\x00" in value:
            raise BadBody(f"Invalid param {self.label or self.name}")
        return value


@dataclass(frozen=True, slots=True)
class Whole:
    """A whole number, sent as one or as its digits in a string (the SDK sends ids both ways); "" is none."""

    name: str
    description: str
    required: bool = False

    @property
    def field(self) -> Field:
        number = {"type": "integer", "minimum": 0, "exclusiveMaximum": WHOLE_BOUND}
        digits = {"type": "string", "pattern": "^[0-9]{1,18}$" if self.required else "^[0-9]{0,18}$"}
        schema: dict[str, Any] = {"anyOf": [number, digits]}
        return Field(self.name, _nullable(schema, self.required), self.description, self.required)

    def read(self, body: Mapping[str, Any]) -> int | None:
        value = body.get(self.name)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise BadBody(f"Invalid param {self.name}")
        if isinstance(value, str) and not (value.isascii() and value.isdigit() and len(value) <= 18):
            raise BadBody(f"Invalid param {self.name}")
        number = int(value)
        if not 0 <= number < WHOLE_BOUND:
            raise BadBody(f"Invalid param {self.name}")
        return number


@dataclass(frozen=True, slots=True)
class Flag:
    name: str
    description: str

    @property
    def field(self) -> Field:
        return Field(self.name, _nullable({"type": "boolean"}, False), self.description)

    def read(self, body: Mapping[str, Any]) -> bool | None:
        value = body.get(self.name)
        if value is not None and not isinstance(value, bool):
            raise BadBody(f"Invalid param {self.name}")
        return value


@dataclass(frozen=True, slots=True)
class WebAddress:
    """An absolute http(s) URL a payer is sent back to: nothing else may be handed to a browser as a redirect."""

    name: str
    description: str
    required: bool = False
    max_length = 2048

    @property
    def field(self) -> Field:
        schema = {"type": "string", "format": "uri", "maxLength": self.max_length, "pattern": "^https?://"}
        return Field(self.name, _nullable(schema, self.required), self.description, self.required)

    def read(self, body: Mapping[str, Any]) -> str | None:
        value = Text(self.name, self.description, self.max_length).read(body)
        if value is None and not self.required:
            return None
        if not value or not value.startswith(("https://", "http://")):
            raise BadBody(f"Invalid param {self.name}: an absolute URL", 422)
        return value

    def given(self, body: Mapping[str, Any]) -> str:
        """The address, refused when absent (as `read` does for a required one)."""
        value = self.read(body)
        if value is None:
            raise BadBody(f"Invalid param {self.name}: an absolute URL", 422)
        return value


@dataclass(frozen=True, slots=True)
class Shaped:
    """A field of another shape (an object, a list), described by its JSON schema and read by the route's own
    parser, which refuses what the schema does not allow."""

    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=dict)
    required: bool = False

    @property
    def field(self) -> Field:
        return Field(self.name, self.schema, self.description, self.required)

    def read(self, body: Mapping[str, Any]) -> Any:
        return body.get(self.name)


Kind = Text | Whole | Flag | WebAddress | Shaped


# What a route's endpoint takes its body as: `body: Annotated[Fields, Depends(SPEC)]`.
Fields = dict[str, Any]


def declare(*kinds: Kind, description: str = "") -> BodySpec:
    """A route's JSON body: the dependency it is read through, and its `requestBody`. It is required when a field
    is: the route refuses a request without it."""
    required = any(getattr(kind, "required", False) for kind in kinds)
    fields = (kind.field for kind in kinds)
    return BodySpec(json_body, *fields, media_types=(JSON,), description=description, required=required)


class ListBody(BodySpec):
    """A body that is a JSON array of objects (API 3.1's PUT of a whole list), each read field by field through
    the fields declared: the route takes it as `list[Fields]`."""

    def __init__(self, *fields: Field, description: str = "", max_items: int = 100) -> None:
        super().__init__(_raw_json, *fields, media_types=(JSON,), description=description, required=True)
        self.max_items = max_items

    async def __call__(self, request: Request) -> list[Fields]:  # type: ignore[override]
        data: Any = await self.read(request)
        if not isinstance(data, list):
            raise BadBody("The request body must be a JSON array")
        if len(data) > self.max_items:
            raise BadBody(f"The request body holds more than {self.max_items} items", 422)
        if not all(isinstance(item, dict) for item in data):
            raise BadBody("Each item of the request body must be a JSON object")
        route = f"{request.method} {request.url.path}"
        return [DeclaredBody(item, self.names, route) for item in data]

    def _media(self, media: str) -> dict[str, Any]:
        described = super()._media(media)
        described["schema"] = {"type": "array", "items": described["schema"], "maxItems": self.max_items}
        return described


async def _raw_json(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise BadBody("The request body is too large")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadBody("The request body is not valid JSON") from None


def declare_list(*kinds: Kind, description: str = "", max_items: int = 100) -> ListBody:
    """A route's body that is a JSON array of objects, each of the fields `kinds` declare."""
    return ListBody(*(kind.field for kind in kinds), description=description, max_items=max_items)
