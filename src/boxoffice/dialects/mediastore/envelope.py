"""MediaStore's envelope: every answer is `{responseData, errors}`; a refusal has a non-2xx status, a non-empty
`errors` (the SDK shows `errors[0]`) and, where the SDK branches on it, a top-level `code`."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse


def answer(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse({"responseData": data, "errors": []}, status_code=status)


def refusal(status: int, message: str, code: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"responseData": {}, "errors": [message]}
    if code is not None:
        body["code"] = code
    return JSONResponse(body, status_code=status)
