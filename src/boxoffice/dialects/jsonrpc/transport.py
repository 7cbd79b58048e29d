"""JSON-RPC over HTTP as Cleeng's clients speak it. The body is JSON whatever its Content-Type (the PHP SDK sends
a raw JSON body as a form); a single call is answered with one reply object, a batch (up to 25 calls) with an array
of them in order; each id is echoed as sent and `jsonrpc` may be missing. Every reply is HTTP 200, refusals
included (the PHP SDK throws on any other status); `result` is always an object.

Each call of a batch succeeds or fails alone: it runs in a savepoint of the request's transaction, which its
refusal rolls back."""

from __future__ import annotations

import json
from typing import Any

import structlog
from fastapi import APIRouter, Request
from sqlalchemy.exc import IntegrityError
from starlette.responses import JSONResponse, Response

from boxoffice.dialects.jsonrpc.calls import Call, Methods
from boxoffice.dialects.jsonrpc.errors import Code, code_of, message_of
from boxoffice.dialects.jsonrpc.params import Params
from boxoffice.kit.errors import DomainError
from boxoffice.kit.requests import apart, get_client, in_unit_of_work, session_of

# Cleeng's PHP SDK splits longer lists of calls into posts of 25.
MAX_BATCH = 25
log = structlog.get_logger(__name__)
PATHS = ("/3.0/json-rpc", "/api/3.0/json-rpc", "/jsonrpc")
Reply = dict[str, Any]


def _error(call_id: object, code: Code, message: str) -> Reply:
    return {"jsonrpc": "2.0", "id": call_id, "result": None, "error": {"code": int(code), "message": message}}


def _refused(call_id: object, error: DomainError) -> Reply:
    code = code_of(error)
    return _error(call_id, code, message_of(error, code))


def _valid_id(call: dict[str, Any]) -> bool:
    call_id = call.get("id")
    return call_id is None or (isinstance(call_id, str | int) and not isinstance(call_id, bool))


async def _one(request: Request, methods: Methods, call: object) -> Reply:
    if not isinstance(call, dict) or not _valid_id(call):
        return _error(None, Code.INVALID_REQUEST, "A call is an object with a method, params and an id")
    call_id, name, params = call.get("id"), call.get("method"), call.get("params", {})
    if not isinstance(name, str) or not isinstance(params, dict | None):
        return _error(call_id, Code.INVALID_REQUEST, "A call names its method and gives its params as an object")
    method = methods.get(name)
    if method is None:
        return _error(call_id, Code.METHOD_NOT_FOUND, f"Method {name[:100]} not found")
    session = session_of(request)
    context = Call(request, session, Params(params or {}), await get_client(request))
    try:
        async with apart(session):
            result = await method(context)
    except DomainError as error:
        return _refused(call_id, error)
    except IntegrityError:
        return _error(call_id, Code.GENERIC, "The resource was changed concurrently; try again")
    except Exception:  # one call's fault is its own reply, never the whole batch's 500
        log.exception("jsonrpc.call_failed", method=name)
        return _error(call_id, Code.GENERIC, "The call failed on the server")
    return {"jsonrpc": "2.0", "id": call_id, "result": result, "error": None}


async def _answer(request: Request, methods: Methods) -> Response:
    try:
        payload = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested beyond what the parser takes
        return JSONResponse(_error(None, Code.PARSE_ERROR, "The body is not JSON"))
    if isinstance(payload, list):
        if not payload or len(payload) > MAX_BATCH:
            message = f"A batch holds from 1 to {MAX_BATCH} calls"
            return JSONResponse(_error(None, Code.INVALID_REQUEST, message))
        return JSONResponse([await _one(request, methods, call) for call in payload])
    return JSONResponse(await _one(request, methods, payload))


def _never_here(error: DomainError) -> Response:
    """Refusals are answered per call, inside `_answer`; one raised outside a call still gets a JSON-RPC reply."""
    return JSONResponse(_refused(None, error))


def json_rpc_router(methods: Methods) -> APIRouter:
    """`POST` on each of Cleeng's JSON-RPC paths, answering with `methods`."""
    router = APIRouter(tags=["json-rpc"])

    async def endpoint(request: Request) -> Response:
        return await in_unit_of_work(
            request,
            lambda r: _answer(r, methods),
            render_domain_error=_never_here,
            render_validation_error=lambda _: JSONResponse(_error(None, Code.INVALID_REQUEST, "Invalid request")),
        )

    for path in PATHS:
        router.add_api_route(
            path,
            endpoint,
            methods=["POST"],
            summary="Cleeng's JSON-RPC 3.0 API",
            description="A call `{method, params, id}` or a batch of up to 25; tokens travel in `params`.",
            include_in_schema=path == PATHS[0],
        )
    return router
