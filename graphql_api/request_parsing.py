"""Reading a GraphQL request's body: anything that is not a well-formed request is refused with
400 and a GraphQL-style body ``{"errors": [{"message": ...}]}``, never a server error."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from strawberry.asgi import GraphQL
from strawberry.types.unset import UNSET

from graphql_api.context import Context

# Deeper than any request of the bank (an input inside an input inside a list is 6 levels).
MAX_JSON_DEPTH = 32


def refused(message: str) -> HTTPException:
    return HTTPException(400, message)


def error_response(error: HTTPException) -> JSONResponse:
    """The answer to a refused request, shaped like a GraphQL response."""
    return JSONResponse({"errors": [{"message": error.reason}]}, status_code=error.status_code)


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def _depth(value: object) -> int:
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            if level > MAX_JSON_DEPTH:
                break
            pending.extend((child, level + 1) for child in item)
    return deepest


def decode_json(data: str | bytes) -> object:
    """JSON text (UTF-8 when bytes), nested at most MAX_JSON_DEPTH deep, without NaN or
    Infinity."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise refused("请求内容不是有效的UTF-8文本") from None
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise refused(f"JSON嵌套超过{MAX_JSON_DEPTH}层") from None
    except ValueError:  # JSONDecodeError, NaN, an integer of thousands of digits
        raise refused("请求内容不是有效的JSON") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise refused(f"JSON嵌套超过{MAX_JSON_DEPTH}层")
    return value


def request_object(data: object) -> dict[str, Any]:
    """A request body: one JSON object with ``query``, ``variables``, ``operationName`` and
    ``extensions`` (batches are not accepted)."""
    if not isinstance(data, dict):
        raise refused("请求体应为一个JSON对象，包含query、variables和operationName")
    name = data.get("operationName")
    if not isinstance(name, str | None):
        raise refused("operationName应为字符串或null")
    return data


def place_files(operations: object, files_map: object, files: Mapping[str, Any]) -> dict:
    """The operations of a multipart request (GraphQL multipart request spec) with each file
    put where ``map`` says: ``{"<file field>": ["variables.<path>", ...]}``, every path naming
    an existing null placeholder."""
    operations = request_object(operations)
    if not isinstance(files_map, dict):
        raise refused("map应为一个JSON对象，键为文件字段名，值为路径列表")
    for field_name, paths in files_map.items():
        if field_name not in files or isinstance(files[field_name], str):
            raise refused(f"缺少map中列出的文件{field_name}")
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            raise refused(f"map中{field_name}的值应为非空的路径列表")
        for path in paths:
            container, key = _placeholder(operations, path)
            container[key] = files[field_name]
    return operations


def _placeholder(operations: dict, path: str) -> tuple[Any, Any]:
    """The container and key of the null at ``path`` (dotted, list indexes as numbers)."""
    *parents, last = path.split(".")
    target: Any = operations
    try:
        if not parents or parents[0] != "variables":
            raise LookupError(path)
        for step in parents:
            target = target[_index(step)] if isinstance(target, list) else target[step]
        key: Any = _index(last) if isinstance(target, list) else last
        if not isinstance(target, dict | list) or target[key] is not None:
            raise LookupError(path)
    except (LookupError, TypeError):
        raise refused(f"map中的路径{path}在operations中没有对应的null占位") from None
    return target, key


def _index(step: str) -> int:
    if not step.isdigit():
        raise LookupError(step)
    return int(step)


class CheckedRequestGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view, reading requests with the checks above and answering a refused
    one with a GraphQL-style JSON body."""

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context, root_value)
        except HTTPException as error:
            return error_response(error)

    def decode_json(self, data: str | bytes) -> object:
        """The JSON body of a POST: one request object."""
        return request_object(decode_json(data))

    def parse_query_params(self, params: Mapping[str, str | None]) -> dict[str, Any]:
        """A GET request: ``variables`` and ``extensions`` are JSON (an object or null)."""
        parsed: dict[str, Any] = dict(params)
        for key in ("variables", "extensions"):
            if parsed.get(key):
                parsed[key] = decode_json(parsed[key])
        return parsed

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, Any]:
        try:
            form_data = await request.get_form_data()
        except (ValueError, StarletteHTTPException):
            raise refused("无法解析multipart请求体") from None
        operations = form_data.form.get("operations")
        files_map = form_data.form.get("map", "{}")
        if not isinstance(operations, str) or not isinstance(files_map, str):
            raise refused("multipart请求应包含文本字段operations和map")
        return place_files(decode_json(operations), decode_json(files_map), form_data.files)
