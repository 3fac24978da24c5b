"""The one mutation idiom: ``mutate()`` turning a DomainError into the payload's errors,
``Context.throttled`` keeping a throttle hit inside the work, ``same_named`` mapping an input onto
its use-case dataclass, and ``parse_all`` reporting every malformed id at once."""

from __future__ import annotations

import dataclasses
import uuid
from types import SimpleNamespace

import pytest
import strawberry

from graphql_api.common import parse_all, parse_id, same_named
from graphql_api.context import Context
from graphql_api.errors import FieldError, NotAuthenticated, mutate
from graphql_api.institutions.mutations import InstitutionInfoInput
from models import InstitutionKind
from resolvers.accounts import institutions
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.throttle import Throttle


@strawberry.type
class _Payload:
    errors: list[FieldError]
    value: int | None = None


def _ok(value: int) -> _Payload:
    return _Payload(errors=[], value=value)


async def test_mutate_builds_the_payload_from_the_result():
    async def work() -> int:
        return 7

    assert await mutate(_Payload, work, _ok) == _Payload(errors=[], value=7)


async def test_mutate_answers_a_domain_error_with_the_payload_errors():
    async def work() -> int:
        raise DomainError.of(ErrorCode.INVALID, "不对", "input.name")

    payload = await mutate(_Payload, work, _ok)
    assert payload == _Payload(
        errors=[FieldError(field="input.name", code=ErrorCode.INVALID, message="不对")]
    )


async def test_mutate_runs_the_argument_parsing_inside():
    payload = await mutate(_Payload, lambda: _twice(parse_id("not-a-uuid")), _ok)
    assert [(e.field, e.code) for e in payload.errors] == [("id", ErrorCode.INVALID)]


async def _twice(key: uuid.UUID) -> int:
    return 2


async def test_mutate_leaves_a_missing_login_to_the_top_level_errors():
    async def work() -> int:
        raise DomainError.of(ErrorCode.NOT_AUTHENTICATED, "请先登录")

    with pytest.raises(NotAuthenticated):
        await mutate(_Payload, work, _ok)


async def test_a_throttled_work_answers_rate_limited_in_the_payload() -> None:
    throttle = Throttle(limits={"login": "1/minute"})
    context = Context(
        request=None,  # type: ignore[arg-type]
        response=None,
        actor=None,  # type: ignore[arg-type]
        services=SimpleNamespace(throttle=throttle),  # type: ignore[arg-type]
        client_address="203.0.113.9",
    )
    calls: list[int] = []

    async def work() -> int:
        calls.append(1)
        return 1

    first = await mutate(_Payload, context.throttled("login", work), _ok)
    second = await mutate(_Payload, context.throttled("login", work), _ok)
    assert first == _Payload(errors=[], value=1)
    assert [e.code for e in second.errors] == [ErrorCode.RATE_LIMITED]
    assert calls == [1]


@dataclasses.dataclass
class _Target:
    key: uuid.UUID
    name: str
    note: str = ""


def test_same_named_takes_the_dataclass_fields_from_the_source():
    key = uuid.uuid4()
    source = SimpleNamespace(key="raw", name="名称", note="备注", extra="ignored")
    assert same_named(_Target, source, key=key) == _Target(key=key, name="名称", note="备注")


def test_same_named_fails_loudly_when_the_source_lacks_a_field():
    with pytest.raises(AttributeError):
        same_named(_Target, SimpleNamespace(key=uuid.uuid4()))


def test_an_input_type_maps_every_field_of_its_use_case_dataclass():
    values = {
        "name": "某某职业学院",
        "credit_code": "91350100M000100Y43",
        "kind": InstitutionKind.SCHOOL,
        "legal_representative": "张三",
        "contact_person": "李四",
        "contact_phone": "13800000000",
        "contact_email": "a@example.com",
        "postcode": "350000",
        "address": "福州",
        "business_scope": "教育",
        "school_type": "高职",
        "school_code": "1234",
        "supervising_department": "教育厅",
        "introduction": "简介",
    }
    assert InstitutionInfoInput(**values).to_domain() == institutions.InstitutionInfo(**values)


def test_parse_all_reports_every_malformed_id():
    good = uuid.uuid4()
    assert parse_all([("a", str(good))]) == [good]
    with pytest.raises(DomainError) as caught:
        parse_all([("a", "x"), ("b", str(good)), ("c", "y")])
    assert [(p.field, p.code) for p in caught.value.problems] == [
        ("a", ErrorCode.INVALID),
        ("c", ErrorCode.INVALID),
    ]
