"""A small JSON-RPC client speaking Cleeng's wire format as its SDKs do: the PHP SDK's batches (a JSON array with
integer ids, posted as `application/x-www-form-urlencoded` with a raw JSON body, at most 25 calls a post) and the
Java and Node SDKs' single calls with string ids. It reads replies as they do: HTTP 200 always, ids matched, an
object `result` or an `error {code, message}`."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

PATH = "/3.0/json-rpc"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        self.code, self.message = code, message
        super().__init__(f"{code}: {message}")


def _checked(reply: Any, call_id: object) -> dict[str, Any]:
    assert isinstance(reply, dict), reply
    assert reply["id"] == call_id, (reply, call_id)
    if reply.get("error") is not None:
        error = reply["error"]
        assert isinstance(error["code"], int) and error["message"], reply
        raise RpcError(error["code"], error["message"])
    result = reply["result"]
    assert isinstance(result, dict), reply  # the PHP SDK throws on any other result
    return result


@dataclass
class JsonRpc:
    http: httpx.AsyncClient
    path: str = PATH
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One call, as the Java and Node SDKs send it: a single object with a string id."""
        call_id = str(next(self._ids))
        body = {"jsonrpc": "2.0", "id": call_id, "method": method, "params": params}
        response = await self.http.post(self.path, json=body)
        assert response.status_code == 200, response.text
        return _checked(response.json(), call_id)

    async def batch(self, *calls: tuple[str, dict[str, Any]]) -> list[dict[str, Any] | RpcError]:
        """Calls as the PHP SDK sends them: one array per 25, integer ids from 1 in each post, a form Content-Type
        over a raw JSON body; each reply matched by its id."""
        answers: list[dict[str, Any] | RpcError] = []
        for start in range(0, len(calls), 25):
            chunk = calls[start : start + 25]
            body = [
                {"method": method, "params": params, "jsonrpc": "2.0", "id": number}
                for number, (method, params) in enumerate(chunk, 1)
            ]
            response = await self.http.post(self.path, content=json.dumps(body), headers=FORM)
            assert response.status_code == 200, response.text
            replies = response.json()
            assert isinstance(replies, list) and len(replies) == len(chunk), replies
            by_id = {reply["id"]: reply for reply in replies}
            for number in range(1, len(chunk) + 1):
                try:
                    answers.append(_checked(by_id[number], number))
                except RpcError as error:
                    answers.append(error)
        return answers

    async def items(self, method: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
        """A list method's `items` and `totalItemCount` (the PHP SDK's "Cannot create collection" otherwise)."""
        result = await self.call(method, **params)
        assert isinstance(result.get("items"), list) and isinstance(result.get("totalItemCount"), int), result
        return result["items"], result["totalItemCount"]

    async def refused(self, code: int, method: str, **params: Any) -> str:
        """The call's error message, asserting its code."""
        try:
            result = await self.call(method, **params)
        except RpcError as error:
            assert error.code == code, (error.code, error.message)
            return error.message
        raise AssertionError(f"{method} answered {result}, not error {code}")
