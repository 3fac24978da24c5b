"""The one boundary every argument of every field passes before its resolver runs.

Values a database or Python cannot hold, or that no field of the bank accepts, are refused as
field errors here, so that no use-case, filter or new field has to remember them:

- strings with a NUL character (PostgreSQL refuses them) or a lone UTF-16 surrogate (neither
  database can encode it);
- strings longer than their limit: the length of the model column the argument names (an
  ``idNumber`` filter is compared with ``Learner.id_number``, 30 characters), a limit declared
  in ``STRING_LIMITS``, or ``MAX_STRING`` for any other text (which keeps a search text within
  SQLite's LIKE pattern limit);
- dates and times outside years ``MIN_YEAR``–``MAX_YEAR`` (a shift to or from Asia/Shanghai
  must not overflow);
- numbers that are not finite or are astronomically large or small.

A mutation answers with its payload's ``errors`` (the field as a dotted path inside ``input``)
and does nothing; a query answers with a top-level error carrying ``code`` and ``field``. (A
string longer than its column but within MAX_STRING is left to a mutation's use-case, which
checks what it stores; the boundary answers for it only when the use-case looks it up.)"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import re
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from functools import cache
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLInputType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    default_field_resolver,
    get_named_type,
    is_input_object_type,
    is_list_type,
    is_non_null_type,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema_converter import GraphQLCoreConverter
from tortoise import fields
from tortoise.exceptions import ValidationError
from tortoise.models import Model

import models
from graphql_api.errors import field_errors
from resolvers.core.errors import DomainError, ErrorCode, Problem

# Any text: the longest free text a form accepts is 2,000 characters; 5,000 characters are at
# most 20,000 bytes, well within SQLite's LIKE pattern limit of 50,000 bytes.
MAX_STRING = 5000
# Limits of arguments whose name is no column's (``Owner.field``, or a bare name for every
# owner). The rest follow the model column of the same name, or MAX_STRING.
STRING_LIMITS: dict[str, int] = {
    # 登录账号: an ID number (30), a phone (11) or a username / credit code (30).
    "LoginInput.account": 30,
}
MIN_YEAR = 1900
MAX_YEAR = 2199
# Decimals between 10^-15 and 10^15 (by their leading digit), or zero.
MAX_DECIMAL_EXPONENT = 15

_UNSAFE_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


@cache
def _column_lengths() -> dict[str, int]:
    """The longest value of every column name of the models (a foreign key to a coded row also
    under its relation's name: ``category`` for ``category_id``): the max_length of a text
    column, MAX_STRING for an unbounded one, the largest where models disagree."""
    lengths: dict[str, int] = {}
    for model in vars(models).values():
        if not (inspect.isclass(model) and issubclass(model, Model) and model is not Model):
            continue
        for name, field in model._meta.fields_map.items():
            if isinstance(field, fields.CharField):
                length = field.max_length
            elif isinstance(field, fields.TextField | fields.JSONField):
                length = MAX_STRING
            else:
                continue
            for key in {name, name.removesuffix("_id")}:
                lengths[key] = max(lengths.get(key, 0), length)
    return lengths


@cache
def string_limit(owner: str, name: str) -> int:
    """The longest string argument ``name`` of ``owner`` (a field ``Type.field`` or an input
    type) takes: declared, else its column's (``idNumber`` → ``id_number``), else MAX_STRING."""
    declared = STRING_LIMITS.get(f"{owner}.{name}") or STRING_LIMITS.get(name)
    if declared:
        return declared
    column = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    return _column_lengths().get(column, MAX_STRING)


def _path(segments: list[str]) -> str | None:
    """The dotted field path, inside ``input`` for the input argument of a mutation."""
    if segments and segments[0] == "input":
        segments = segments[1:]
    return ".".join(segments) or None


class _Walk:
    """Collects the problems of one field's coerced arguments: ``problems``, and apart
    ``beyond_columns``, strings longer than the column of their name but not than
    MAX_STRING."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.beyond_columns: list[Problem] = []

    def add(self, path: list[str], code: ErrorCode, message: str) -> None:
        self.problems.append(Problem(_path(path), code, message))

    def value(
        self, value: Any, type_: GraphQLInputType, path: list[str], owner: str, name: str
    ) -> None:
        """``value`` of argument or input field ``name`` of ``owner``, at ``path``."""
        if value is None:
            return
        if is_non_null_type(type_):
            type_ = type_.of_type
        if is_list_type(type_):
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                self.value(item, type_.of_type, [*path, str(index)], owner, name)
            return
        if is_input_object_type(type_) and isinstance(value, dict):
            for field_name, field in type_.fields.items():
                key = field.out_name or field_name
                if key in value:
                    self.value(value[key], field.type, [*path, field_name], type_.name, field_name)
            return
        self.leaf(value, path, string_limit(owner, name))

    def leaf(self, value: Any, path: list[str], limit: int) -> None:
        if isinstance(value, str):
            self.text(value, path, limit)
        elif isinstance(value, dt.date):  # and datetime
            if not MIN_YEAR <= value.year <= MAX_YEAR:
                self.add(path, ErrorCode.INVALID, f"日期应在{MIN_YEAR}年至{MAX_YEAR}年之间")
        elif isinstance(value, Decimal):
            if not value.is_finite():
                self.add(path, ErrorCode.INVALID, "数值无效")
            elif value and abs(value.adjusted()) > MAX_DECIMAL_EXPONENT:
                self.add(path, ErrorCode.INVALID, "数值超出允许范围")
        elif isinstance(value, float):
            if not math.isfinite(value):
                self.add(path, ErrorCode.INVALID, "数值无效")
        elif isinstance(value, dict):  # a JSON scalar
            for key, item in value.items():
                self.leaf(key, path, MAX_STRING)
                self.leaf(item, path, MAX_STRING)
        elif isinstance(value, list):
            for item in value:
                self.leaf(item, path, MAX_STRING)

    def text(self, value: str, path: list[str], limit: int) -> None:
        unsafe = _UNSAFE_CHARACTERS.search(value)
        if unsafe and unsafe.group() == "\x00":
            self.add(path, ErrorCode.INVALID, "不能包含空字符（\\0）")
        elif unsafe:
            self.add(path, ErrorCode.INVALID, "包含无法识别的字符（不成对的UTF-16代理项）")
        elif len(value) > limit:
            problem = Problem(_path(path), ErrorCode.TOO_LONG, f"长度不能超过{limit}个字符")
            (self.problems if len(value) > MAX_STRING else self.beyond_columns).append(problem)


def _walk(info: GraphQLResolveInfo, arguments: dict[str, Any]) -> _Walk:
    field = info.parent_type.fields[info.field_name]
    owner = f"{info.parent_type.name}.{info.field_name}"
    walk = _Walk()
    for name, argument in field.args.items():
        key = argument.out_name or name
        if key in arguments:
            walk.value(arguments[key], argument.type, [name], owner, name)
    return walk


def _is_mutation(info: GraphQLResolveInfo) -> bool:
    return info.parent_type is info.schema.mutation_type


def _refusal(info: GraphQLResolveInfo, problems: list[Problem]) -> object:
    """A mutation's payload carrying the problems; for anything else, the domain error (shown
    as a top-level error by DomainErrorsShown)."""
    error = DomainError(problems)
    if _is_mutation(info):
        named = get_named_type(info.return_type)
        definition = named.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
        fields_of = getattr(named, "fields", {})
        if definition is not None and "errors" in fields_of:
            return definition.origin(errors=field_errors(error))
    raise error


def _guarded(resolve: Callable[..., Any]) -> Callable[..., Any]:
    """``resolve`` behind the boundary. A mutation whose only problems are strings longer than
    their column still runs: its use-case checks what it stores and words it better ("邮政编码应为
    6位数字"), alongside its other problems; only when it looks such a string up (Tortoise
    refuses a value longer than the column) is it answered with the boundary's TOO_LONG."""

    def resolver(source: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
        if not arguments:
            return resolve(source, info, **arguments)
        walk = _walk(info, arguments)
        if walk.problems or (walk.beyond_columns and not _is_mutation(info)):
            return _refusal(info, walk.problems + walk.beyond_columns)
        if not walk.beyond_columns:
            return resolve(source, info, **arguments)
        try:
            result = resolve(source, info, **arguments)
        except ValidationError:
            return _refusal(info, walk.beyond_columns)
        if inspect.isawaitable(result):
            return _awaited(result, info, walk.beyond_columns)
        return result

    return resolver


async def _awaited(
    result: Awaitable[Any], info: GraphQLResolveInfo, too_long: list[Problem]
) -> Any:
    try:
        return await result
    except ValidationError:
        return _refusal(info, too_long)


def guard_arguments(schema: GraphQLSchema) -> None:
    """Put the boundary in front of the resolver of every field that takes arguments (a field
    added later is covered as it is): its arguments, as graphql-core coerced them from the
    document's literals and variables, are checked before the resolver or its permission check
    runs. Fields without arguments are left as they are, at no cost."""
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for field in type_.fields.values():
            if field.args:
                field.resolve = _guarded(field.resolve or default_field_resolver)


class OperationNameRequired(SchemaExtension):
    """A document of several operations names the one to run (GraphQL spec, GetOperation):
    without ``operationName`` it is an error, not silently the first. (An unknown name is
    refused before this, with 400.) Listed after ValidationCache, whose errors it extends."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # Strawberry's operation_name falls back to the first operation's name; only the
        # private field tells whether the client named one.
        provided = getattr(context, "_provided_operation_name", None)
        if document is not None and provided is None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                error = GraphQLError(
                    "文档包含多个操作，请用operationName指明要执行哪一个",
                    extensions={"code": "OPERATION_NAME_REQUIRED"},
                )
                context.pre_execution_errors = [*(context.pre_execution_errors or []), error]
        yield
