"""How a dialect's routes describe themselves in `/openapi.json` from the same definitions that run them, so the
document and the wire cannot drift apart. It knows no vendor: each dialect names its own envelope and fields.

How a dialect uses it:

* Route class: subclass `DescribedRoute` and set `error_model` (a TypedDict of the dialect's error body) and
  `errors` / `secured_errors` (status → description). Every operation then documents those 4xx answers with the
  envelope (and FastAPI's own 422 `HTTPValidationError` is not added), takes its summary from the first line of
  the endpoint's docstring and its description from the whole of it, and declares `security: []` when none of its
  dependencies is a security scheme.
* Responses: annotate the endpoint's return type with a TypedDict (or a list of them) that its render functions
  return; mypy then checks the renderer against it and the schema is generated from it. It documents only:
  the answer is not validated again at run time. An endpoint that renders its own response (headers, a status of
  its choosing, an envelope) returns a `TypedAnswer[T]` (a dialect's subclass of it), documented as `T` as the
  route class's `documented` wraps it. An endpoint answering something else (a file, a redirect)
  passes `responses=` to its decorator as usual.
* Request bodies: hand-written parsing stays, but reads from a `BodySpec`, which is at once the route's body
  dependency and its `requestBody`:

      UPDATE = BodySpec(read_body, Field("name", {"type": "string"}, "The new name", required=True))

      @router.put("/things/{id}")
      async def update(body: Annotated[dict[str, Any], Depends(UPDATE)]) -> Thing: ...

  The dict the endpoint gets answers only for declared fields (`get`, `[]`, `in`): reading any other raises
  `UndeclaredField`, so a reader that drifts from the declaration fails on its first test. A body whose keys
  are free (passed on whole) is declared with `open=True`.
* Security: `bearer(name, description)` makes an HTTP bearer scheme; a dependency that takes
  `Security(scheme)` puts it in `components.securitySchemes` and on every operation depending on it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar, get_args, get_origin, get_type_hints

from fastapi.datastructures import Default, DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from fastapi.security.base import SecurityBase
from starlette.requests import Request
from starlette.responses import JSONResponse
from typing_extensions import is_typeddict

T = TypeVar("T")
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a request body: its key and JSON schema in a JSON body, and how a form writes it when that
    differs (`form_name` such as `ids[]`, `form_schema` such as a string of digits, `form_style` such as
    `deepObject` for a map written `metadata[key]=value`)."""

    name: str
    schema: Mapping[str, Any]
    description: str
    required: bool = False
    form_name: str | None = None
    form_schema: Mapping[str, Any] | None = None
    form_style: str | None = None


class UndeclaredField(LookupError):
    """A route read a body field its declaration does not name: the declaration (or the reader) is wrong."""


class DeclaredBody(dict[str, Any]):
    """A parsed body that answers only for the fields its route declares."""

    __slots__ = ("_names", "_route")

    def __init__(self, data: Mapping[str, Any], names: frozenset[str], route: str) -> None:
        super().__init__(data)
        self._names = names
        self._route = route

    def _check(self, key: object) -> None:
        if key not in self._names:
            raise UndeclaredField(f"{self._route} reads the body field {key!r}, which its BodySpec does not declare")

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self._check(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self._check(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._check(key)
        return super().__contains__(key)


class BodySpec:
    """A route's request body: the dependency that reads it (with the dialect's `read`) and its OpenAPI
    `requestBody`, from one list of fields."""

    def __init__(
        self,
        read: Callable[[Request], Awaitable[dict[str, Any]]],
        *fields: Field,
        media_types: tuple[str, ...] = (JSON, FORM, MULTIPART),
        description: str = "",
        open: bool = False,
        required: bool = False,
    ) -> None:
        self.read = read
        self.fields = fields
        self.names = frozenset(f.name for f in fields)
        self.media_types = media_types
        self.description = description
        self.open = open
        self.required = required

    async def __call__(self, request: Request) -> dict[str, Any]:
        data = await self.read(request)
        if self.open:
            return data
        return DeclaredBody(data, self.names, f"{request.method} {request.url.path}")

    def request_body(self) -> dict[str, Any]:
        content = {media: self._media(media) for media in self.media_types}
        body: dict[str, Any] = {"required": self.required, "content": content}
        if self.description:
            body["description"] = self.description
        return body

    def _media(self, media: str) -> dict[str, Any]:
        form = media != JSON
        properties: dict[str, Any] = {}
        required: list[str] = []
        encoding: dict[str, Any] = {}
        for field in self.fields:
            key = (field.form_name or field.name) if form else field.name
            value = field.form_schema if form and field.form_schema is not None else field.schema
            properties[key] = {**value, "description": field.description}
            if field.required:
                required.append(key)
            if media == FORM and field.form_style:
                encoding[key] = {"style": field.form_style, "explode": True}
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        # A body may carry keys a client adds of its own accord; those are ignored, never refused.
        described: dict[str, Any] = {"schema": schema}
        if encoding:
            described["encoding"] = encoding
        return described


def bearer(name: str, description: str) -> HTTPBearer:
    """An HTTP bearer scheme named `name` in `components.securitySchemes`. It never refuses by itself
    (`auto_error=False`): the dialect's own dependency checks the token and answers in its own shape."""
    return HTTPBearer(scheme_name=name, description=description, auto_error=False)


def dependencies(dependant: Dependant) -> Iterator[Dependant]:
    """Every dependency below a route's, depth first."""
    for sub in dependant.dependencies:
        yield sub
        yield from dependencies(sub)


def body_spec(route: APIRoute) -> BodySpec | None:
    """The body declaration a route reads through, if any."""
    return next((d.call for d in dependencies(route.dependant) if isinstance(d.call, BodySpec)), None)


def _documented_model(endpoint: Callable[..., Any]) -> Any:
    """The endpoint's return annotation when it is a TypedDict, or a list of them; None otherwise."""
    annotation = get_type_hints(endpoint).get("return")
    if is_typeddict(annotation):
        return annotation
    if get_origin(annotation) is list and all(is_typeddict(arg) for arg in get_args(annotation)):
        return annotation
    return None


class TypedAnswer(JSONResponse, Generic[T]):
    """A response already rendered, typed by what it carries: mypy checks what it is made of against `T`, and the
    route documents `T` (see `DescribedRoute.documented`)."""


def _carried(endpoint: Callable[..., Any]) -> Any:
    """`T` of an endpoint returning a `TypedAnswer[T]`; None for one returning otherwise."""
    annotation = get_type_hints(endpoint).get("return")
    origin = get_origin(annotation)
    return get_args(annotation)[0] if isinstance(origin, type) and issubclass(origin, TypedAnswer) else None


class DescribedRoute(APIRoute):
    """A route that documents its summary, body, answers, refusals and security as the module docstring says."""

    error_model: ClassVar[Any] = None
    # Refusals any operation may answer, and those only an operation behind a security scheme can.
    errors: ClassVar[Mapping[int | str, str]] = {}
    secured_errors: ClassVar[Mapping[int | str, str]] = {}
    success: ClassVar[str] = "Success"

    @classmethod
    def documented(cls, carried: Any) -> Any:
        """The schema of a success carrying `carried`: itself, unless the dialect wraps it in an envelope."""
        return carried

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        doc = inspect.getdoc(endpoint) or ""
        if doc:
            kwargs["summary"] = kwargs.get("summary") or doc.split("\n\n")[0].replace("\n", " ")
            kwargs["description"] = kwargs.get("description") or doc
        responses: dict[int | str, dict[str, Any]] = dict(kwargs.get("responses") or {})
        carried = _carried(endpoint)
        if carried is not None:
            # Documented only: the endpoint's answer is already a response, never validated again.
            kwargs["response_model"] = None
            status = kwargs.get("status_code") or 200
            responses.setdefault(status, {"model": self.documented(carried), "description": self.success})
        model = _documented_model(endpoint)
        if model is not None and isinstance(kwargs.get("response_model", Default(None)), DefaultPlaceholder):
            kwargs["response_model"] = None
            status = kwargs.get("status_code") or 200
            responses.setdefault(status, {"model": model, "description": "Successful Response"})
        tree = get_dependant(path=path, call=endpoint)
        secured = any(isinstance(d.call, SecurityBase) for d in dependencies(tree))
        if self.error_model is not None:
            statuses = {**self.errors, **(self.secured_errors if secured else {})}
            for status, description in statuses.items():
                responses.setdefault(status, {"model": self.error_model, "description": description})
        kwargs["responses"] = responses
        extra: dict[str, Any] = dict(kwargs.get("openapi_extra") or {})
        spec = next((d.call for d in dependencies(tree) if isinstance(d.call, BodySpec)), None)
        if spec is not None and set(kwargs.get("methods") or ()) != {"GET"}:  # a GET's body is never read
            extra.setdefault("requestBody", spec.request_body())
        if not secured:
            extra.setdefault("security", [])
        kwargs["openapi_extra"] = extra
        super().__init__(path, endpoint, **kwargs)


def with_distinct_titles(document: dict[str, Any]) -> dict[str, Any]:
    """Give schemas sharing a title (each use of a generic such as `Page[Item]`, or two dialects' `Tokens`) titles
    of their own, made from their component names: a client generator names its classes by title and refuses two
    of one name."""
    schemas: dict[str, dict[str, Any]] = document.get("components", {}).get("schemas", {})
    names_by_title: dict[str, list[str]] = {}
    for name, schema in schemas.items():
        names_by_title.setdefault(schema.get("title", name), []).append(name)
    for names in names_by_title.values():
        if len(names) > 1:
            for name in names:
                schemas[name]["title"] = "".join(part[:1].upper() + part[1:] for part in re.split(r"_+", name))
    return document
