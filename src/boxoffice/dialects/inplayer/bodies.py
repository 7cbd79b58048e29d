"""InPlayer's request bodies declared field by field: each route's `form(...)` is both the dependency its body is
read through (boxoffice.dialects.openapi.BodySpec) and its `requestBody` in `/openapi.json`. The field kinds
mirror the readers of `forms` (`text`, `integer`, `flag`, `strings`, `mapping`, `date_time`) and `amounts`
(`decimal_field`): one kind per reader, written as a form writes it (`ids[]=1&ids[]=2`, `metadata[key]=value`)."""

from __future__ import annotations

from typing import Any

from boxoffice.dialects.inplayer.forms import MAX_BODY, body_reader, read_body
from boxoffice.dialects.openapi import BodySpec, Field

# A dict the endpoint reads with the readers of `forms`; `Depends(SPEC)` names its declaration.
Fields = dict[str, Any]


def form(*fields: Field, open: bool = False, description: str = "", max_body: int = MAX_BODY) -> BodySpec:
    """A body sent urlencoded, multipart or as JSON, all three read alike by `forms.read_body`; `max_body` for
    the few that carry files."""
    reader = read_body if max_body == MAX_BODY else body_reader(max_body)
    return BodySpec(reader, *fields, open=open, description=description)


def text(name: str, description: str, *, required: bool = False, enum: tuple[str, ...] = ()) -> Field:
    schema: dict[str, Any] = {"type": "string"}
    if enum:
        schema["enum"] = list(enum)
    return Field(name, schema, description, required)


def integer(name: str, description: str, *, required: bool = False) -> Field:
    return Field(name, {"type": "integer"}, description, required)


def flag(name: str, description: str, *, required: bool = False) -> Field:
    """`true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off` in a form)."""
    return Field(name, {"type": "boolean"}, description, required)


def amount(name: str, description: str, *, required: bool = False) -> Field:
    """A decimal amount such as 4.99, in the currency's major unit."""
    return Field(name, {"type": "number"}, description, required, form_schema={"type": "string"})


def number(name: str, description: str, *, required: bool = False) -> Field:
    return Field(name, {"type": "number"}, description, required)


def moment(name: str, description: str, *, required: bool = False) -> Field:
    """A date and time: ISO 8601, `YYYY-MM-DD`, or Unix seconds (boxoffice.dialects.inplayer.dates)."""
    return Field(name, {"type": "string"}, description, required)


def strings(name: str, description: str, *, required: bool = False, numbers: bool = False) -> Field:
    """A list, written `name[]=a&name[]=b` (or `name[0]=a`) in a form."""
    items = {"type": "integer"} if numbers else {"type": "string"}
    return Field(name, {"type": "array", "items": items}, description, required, form_name=f"{name}[]")


def mapping(name: str, description: str, *, required: bool = False) -> Field:
    """A map of keys to values, written `name[key]=value` in a form."""
    schema = {"type": "object", "additionalProperties": {"type": "string"}}
    return Field(name, schema, description, required, form_style="deepObject")


def nested(name: str, schema: dict[str, Any], description: str, *, required: bool = False) -> Field:
    """A field of any other shape: an object or a list of them, written with brackets in a form."""
    return Field(name, schema, description, required, form_style="deepObject")
