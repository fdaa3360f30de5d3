"""Input bounds at the boundary: text no database or handler should ever see is refused before routing.

* NUL (U+0000) and lone surrogates (U+D800-U+DFFF) anywhere in the path, the query string, a form body or a
  JSON body. PostgreSQL cannot store a NUL in text at all (the insert fails, and with it the access-log
  entry of the request), and a lone surrogate cannot be encoded as UTF-8, so either one reached a handler
  only to fail as a 500 somewhere deeper. Percent-encoded bytes that are not UTF-8 are refused too: the
  server would otherwise silently replace them with U+FFFD.
* JSON nested deeper than ``MAX_JSON_DEPTH``: no payload of the API is nested more than a few levels, and a
  body nested thousands deep made the parser (and the fold) raise RecursionError.

A multipart body (a file upload, or any form sent as multipart/form-data) is parsed as the route will parse
it, and its field names, field values and file names are checked like a form's, a file name also for length
(``MAX_FILE_NAME``). The files' contents are left to their importers, which read them as data.

Each refusal is a 400 naming where the bad text was: problem+json, or a readable page for a browser on a
staff page.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

import orjson
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from returnhub.core.http.problems import problem, wants_page

#: Deepest JSON nesting accepted (objects and arrays). The deepest payload of the API (an event's data with
#: a list of objects inside) is four levels.
MAX_JSON_DEPTH = 32
#: Longest file name accepted in an upload (no common file system keeps a longer one).
MAX_FILE_NAME = 255
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Characters that may not appear in any text the service accepts.
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))


class BadText(ValueError):
    """Where the request carried text that is refused, and why (for the problem's detail)."""


def check_text(value: str, where: str) -> None:
    found = _FORBIDDEN.search(value)
    if found is not None:
        what = "a NUL character" if found.group() == "\x00" else "a lone surrogate (half a character)"
        raise BadText(f"the {where} contains {what}, which no field accepts")


def check_percent_encoded(raw: bytes, where: str, *, plus_is_space: bool = False) -> None:
    if plus_is_space:
        raw = raw.replace(b"+", b" ")
    try:
        text = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadText(f"the {where} is not UTF-8 text (byte {exc.start})") from None
    check_text(text, where)


def json_depth(body: bytes) -> int:
    """How deeply a JSON document nests, counted without parsing it (strings blanked first, so brackets
    inside strings do not count)."""
    brackets = _JSON_STRING.sub(b'""', body).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _check_json_values(value: Any) -> None:
    if isinstance(value, str):
        check_text(value, "JSON body")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, "JSON body")
            _check_json_values(item)
    elif isinstance(value, list):
        for item in value:
            _check_json_values(item)


def check_json(body: bytes) -> None:
    if json_depth(body) > MAX_JSON_DEPTH:
        raise BadText(f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        # orjson refuses lone surrogates; the standard parser (which the routes use) accepts them. Anything
        # neither accepts is left to the route, which answers its own 422.
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            return
    _check_json_values(parsed)


def check_body(content_type: str, body: bytes) -> None:
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        check_json(body)
    elif kind == "application/x-www-form-urlencoded":
        check_percent_encoded(body, "form", plus_is_space=True)


async def check_multipart(headers: Headers, body: bytes) -> None:
    """The parts' names, text values and file names, decoded as the route will decode them (Starlette's
    parser, the request's charset); a body the parser refuses is left to the route, which answers 400."""

    async def stream() -> Any:
        yield body

    try:
        form = await MultiPartParser(headers, stream()).parse()
    except MultiPartException:
        return
    try:
        for name, value in form.multi_items():
            check_text(name, "form")
            if isinstance(value, UploadFile):
                filename = value.filename or ""
                check_text(filename, "file name")
                if len(filename) > MAX_FILE_NAME:
                    raise BadText(f"the file name is longer than {MAX_FILE_NAME} characters")
            else:
                check_text(value, "form")
    finally:
        await form.close()


class InputBounds:
    """Pure ASGI middleware: refuses (400 problem+json) a request whose path, query or body carries text
    that is never valid (see the module's docstring), before any route, guard or database sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        try:
            check_percent_encoded(scope.get("raw_path") or path.encode("utf-8", "surrogatepass"), "path")
            check_text(path, "path")
            check_percent_encoded(scope.get("query_string", b""), "query", plus_is_space=True)
        except BadText as exc:
            await _refuse(scope, receive, send, str(exc))
            return
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "")
        if scope.get("method") not in BODY_METHODS or not content_type:
            await self.app(scope, receive, send)
            return
        # The access middleware outside has already bounded the body's size (413 above the limit).
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            if content_type.lower().startswith("multipart/form-data"):
                await check_multipart(headers, body)
            else:
                check_body(content_type, body)
        except BadText as exc:
            await _refuse(scope, receive, send, str(exc))
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(scope: Scope, receive: Receive, send: Send, detail: str) -> None:
    # The path may itself be the bad text: neither the problem nor the page echoes it.
    request = Request(scope)
    render = getattr(getattr(scope.get("app"), "state", None), "page_error", None)
    if render is not None and wants_page(scope.get("path", ""), request.headers.get("accept", "")):
        response = render(request, 400, "There is a problem with what you sent", detail)
    else:
        response = problem(400, "Bad request", detail, "bad-text", None)
    await response(scope, receive, send)
