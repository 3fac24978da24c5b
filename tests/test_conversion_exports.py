"""转换申请导出 over HTTP (seed 003 §2.4.1 导出, §2.4.2 转换记录): the received list (机构接收), the
pending personal ones (个人申请) and the initiated list (机构发起) of an institution, selected or
filtered, as real workbooks read back; the learners' ID numbers whole behind the SMS code, never
for an API token; never a row outside the list; rows read a batch at a time in a fixed number of
queries; nothing written on refusal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from models import (
    AuditEntry,
    ConversionApplication,
    ConversionApplicationSource,
    ConversionBatch,
    Initiator,
    InstitutionAchievement,
    Learner,
    RuleType,
    StoredFile,
    TargetKind,
    VerificationCode,
)
from resolvers.exports import common
from tests.achievement_fixtures import AchievementWorld, build_world, stored_row
from tests.catalogue_fixtures import count_queries
from tests.conversion_fixtures import (
    APPLY,
    BATCH_APPLY,
    REVIEW,
    certificate_entry,
    course_entry,
    make_rule,
    module,
)
from tests.institution_fixtures import FIELD_ERRORS, call, make_learner, phone, top_level_error
from tests.test_exports import export_code, exported, refused

EXPORT = f"""
mutation Export($input: ConversionApplicationExportInput!) {{
  conversionApplicationExport(input: $input) {{
    {FIELD_ERRORS} downloadUrl file {{ id filename size contentType downloadUrl }}
  }}
}}"""
HEADERS = [
    "规则编码",
    "学员姓名",
    "证件类型",
    "身份证号",
    "源成果",
    "目标成果",
    "转换发起人",
    "批次",
    "申请时间（北京时间）",
    "转换状态",
    "审核时间（北京时间）",
    "不通过原因",
]
MAIN_PHONE = phone(1)  # institution 1: issues the source, applies for a batch
TARGET_PHONE = phone(2)  # institution 2: owns the rules, reviews
SOURCE = "中式烹调师(高级)"
MODULES_TARGET = "学习成果名袋3(四级)"


@dataclass
class Records:
    """Institution 1 issues a certificate; institution 2 grants a course for it (rule A) and a
    non-academic achievement with two exempt modules (rule B). Learner 1 applied under A and was
    refused, then under B (pending); institution 1 applied under A for 李二 (a batch, pending)."""

    world: AchievementWorld
    rule_a: str
    rule_b: str
    li: Learner
    refused_id: str
    personal_id: str
    batch_row_id: str
    batch_name: str

    @property
    def tokens(self) -> dict[str, str | None]:
        return self.world.tokens


async def _apply(api, token: str | None, rule_id) -> str:
    payload = await call(api, APPLY, {"ruleId": str(rule_id)}, token)
    assert payload["errors"] == [], payload
    return payload["application"]["id"]


async def _backdate(application_id: str, moment: dt.datetime) -> None:
    await ConversionApplication.filter(id=application_id).update(created_at=moment)


@pytest.fixture
async def records(api, admin_token: str) -> Records:
    world = await build_world(api, admin_token)
    source = await certificate_entry(world.institution, SOURCE)
    course = await course_entry(world.other_institution, credits="3")
    modules_target = await certificate_entry(world.other_institution, MODULES_TARGET)
    rule_a = await make_rule(world.other_institution, [source], [(TargetKind.COURSE, course, [])])
    rule_b = await make_rule(
        world.other_institution,
        [source],
        [(TargetKind.NON_ACADEMIC, modules_target, [module("实操", "2"), module("机考", "2.0")])],
        rule_type=RuleType.NON_ACADEMIC_TO_NON_ACADEMIC,
    )
    await stored_row(world.learner, source, "CERT-0001")
    li = await make_learner(3, "李二")
    await stored_row(li, source, "CERT-0003")

    refused_id = await _apply(api, world.tokens["learner"], rule_a.id)
    review = {"approve": False, "reason": "课程内容不对应", "ids": [refused_id]}
    decided = await call(api, REVIEW, {"input": review}, world.tokens["other_main"])
    assert decided["rejectedCount"] == 1, decided
    personal_id = await _apply(api, world.tokens["learner"], rule_b.id)
    batch = await call(
        api,
        BATCH_APPLY,
        {"input": {"ruleId": str(rule_a.id), "learnerIds": [str(li.id)]}},
        world.tokens["main"],
    )
    assert batch["errors"] == [], batch
    (batch_row_id,) = await ConversionApplication.filter(batch_id=batch["batch"]["id"]).values_list(
        "id", flat=True
    )
    await _backdate(refused_id, dt.datetime(2024, 1, 1, 20, 0, tzinfo=dt.UTC))
    await _backdate(personal_id, dt.datetime(2024, 2, 1, 1, 30, tzinfo=dt.UTC))
    return Records(
        world,
        rule_a.code,
        rule_b.code,
        li,
        refused_id,
        personal_id,
        str(batch_row_id),
        batch["batch"]["name"],
    )


async def coded(api, token: str | None, data: dict, number: str = TARGET_PHONE) -> dict:
    """``data`` with a fresh EXPORT code of the caller's bound phone."""
    assert token is not None
    return {**data, "code": await export_code(api, token, number)}


def source_text(certificate_number: str) -> str:
    return f"{SOURCE}（个人成果编号 {certificate_number}，颁证日期 2022-06-30）"


def ids_of(rows: list[list]) -> list[tuple[str, str]]:
    """(规则编码, 学员姓名) of each row below the header."""
    return [(row[0], row[1]) for row in rows[1:]]


# -- the lists -----------------------------------------------------------------------------------


async def test_received_list_with_whole_id_numbers_sources_targets_and_failures(api, records):
    world = records.world
    token = world.tokens["other_main"]
    rows = await exported(api, EXPORT, await coded(api, token, {"scope": "RECEIVED"}), token)
    assert rows[0] == HEADERS
    learner = world.learner
    assert ids_of(rows) == [
        (records.rule_a, "李二"),
        (records.rule_b, learner.name),
        (records.rule_a, learner.name),
    ]  # newest first, as the list shows them
    batch_row, personal, failed = rows[1:]

    decided_at = failed[10]
    assert isinstance(decided_at, dt.datetime)
    now_shown = dt.datetime.now(dt.UTC).astimezone(common.SHANGHAI).replace(tzinfo=None)
    assert abs(now_shown - decided_at) < dt.timedelta(minutes=5)  # 审核时间 in Asia/Shanghai
    assert failed == [
        records.rule_a,
        learner.name,
        "居民身份证",
        learner.id_number,  # whole, behind the code
        source_text("CERT-0001"),
        "烹饪工艺学",
        "个人",
        None,
        dt.datetime(2024, 1, 2, 4, 0),  # 申请时间 in Asia/Shanghai
        "转换失败",
        decided_at,
        "课程内容不对应",
    ]
    assert personal[4:] == [
        source_text("CERT-0001"),
        f"{MODULES_TARGET}（免考模块：实操 2学分、机考 2学分）",
        "个人",
        None,
        dt.datetime(2024, 2, 1, 9, 30),
        "审核中",
        None,
        None,
    ]
    assert batch_row[3] == records.li.id_number
    assert batch_row[4:8] == [
        source_text("CERT-0003"),
        "烹饪工艺学",
        world.institution.name,  # 转换发起人: the applying institution
        records.batch_name,
    ]
    assert batch_row[9:] == ["审核中", None, None]

    (entry,) = await AuditEntry.filter(action="conversion_application.export")
    assert entry.after == {"rows": 3, "scope": "received", "filter": {}}
    assert entry.actor_id == world.other_main.id
    assert await StoredFile.exists(id=entry.object_id)
    assert (await VerificationCode.get(phone=TARGET_PHONE, purpose="export")).used_at is not None


async def test_initiated_list_is_the_batch_the_institution_applied_for(api, records):
    token = records.tokens["main"]
    data = await coded(api, token, {"scope": "INITIATED"}, MAIN_PHONE)
    rows = await exported(api, EXPORT, data, token)
    assert ids_of(rows) == [(records.rule_a, "李二")]
    assert rows[1][6:8] == [records.world.institution.name, records.batch_name]
    # The rule's institution initiated nothing; institution 1 received nothing.
    data = await coded(api, records.tokens["other_main"], {"scope": "INITIATED"})
    assert await refused(api, EXPORT, data, records.tokens["other_main"]) == [(None, "NOT_FOUND")]
    data = await coded(api, token, {"scope": "RECEIVED"}, MAIN_PHONE)
    assert await refused(api, EXPORT, data, token) == [(None, "NOT_FOUND")]


async def test_personal_queue_is_the_pending_personal_applications(api, records):
    token = records.tokens["other_main"]
    rows = await exported(api, EXPORT, await coded(api, token, {"scope": "PERSONAL_QUEUE"}), token)
    assert ids_of(rows) == [(records.rule_b, records.world.learner.name)]


async def test_selected_and_filtered_rows(api, records):
    token = records.tokens["other_main"]
    selected = {"scope": "RECEIVED", "ids": [records.refused_id, records.batch_row_id]}
    rows = await exported(api, EXPORT, await coded(api, token, selected), token)
    assert ids_of(rows) == [(records.rule_a, "李二"), (records.rule_a, records.world.learner.name)]

    for filter_, expected in (
        ({"status": "FAILED"}, [records.refused_id]),
        ({"ruleCode": records.rule_b}, [records.personal_id]),
        ({"learnerName": "李"}, [records.batch_row_id]),
        ({"idNumber": records.li.id_number.lower()}, [records.batch_row_id]),
        ({"year": 2024, "status": "PENDING"}, [records.personal_id]),
    ):
        data = await coded(api, token, {"scope": "RECEIVED", "filter": filter_})
        rows = await exported(api, EXPORT, data, token)
        wanted = await ConversionApplication.filter(id__in=expected).values_list(
            "rule_code", "learner__name"
        )
        assert ids_of(rows) == [tuple(pair) for pair in wanted], filter_

    after = [
        entry.after
        for entry in await AuditEntry.filter(action="conversion_application.export").order_by(
            "at", "id"
        )
    ]
    assert after[0] == {"rows": 2, "scope": "received", "selected": 2}
    assert after[1] == {"rows": 1, "scope": "received", "filter": {"status": "failed"}}


# -- refusals ------------------------------------------------------------------------------------


async def test_a_row_outside_the_list_is_refused_by_its_index(api, records):
    token = records.tokens["main"]
    code = await export_code(api, token, MAIN_PHONE)
    # A personal application is not in institution 1's initiated list.
    data = {"scope": "INITIATED", "ids": [records.batch_row_id, records.refused_id], "code": code}
    assert await refused(api, EXPORT, data, token) == [("ids.1", "NOT_FOUND")]
    # Nor in the rule institution's personal queue once decided.
    other = records.tokens["other_main"]
    data = await coded(
        api, other, {"scope": "PERSONAL_QUEUE", "ids": [records.refused_id, records.personal_id]}
    )
    assert await refused(api, EXPORT, data, other) == [("ids.0", "NOT_FOUND")]
    data = {"scope": "RECEIVED", "ids": ["not-an-id"], "code": data["code"]}
    assert await refused(api, EXPORT, data, other) == [("ids.0", "INVALID")]
    # A refused export leaves the code usable.
    assert (await VerificationCode.get(phone=MAIN_PHONE)).used_at is None
    data = {"scope": "INITIATED", "ids": [records.batch_row_id], "code": code}
    assert len(await exported(api, EXPORT, data, token)) == 2


async def test_a_filter_matching_nothing_or_a_bad_filter_is_refused(api, records):
    token = records.tokens["other_main"]
    code = await export_code(api, token, TARGET_PHONE)
    data = {"scope": "RECEIVED", "filter": {"learnerName": "无此人"}, "code": code}
    assert await refused(api, EXPORT, data, token) == [(None, "NOT_FOUND")]
    data = {"scope": "RECEIVED", "filter": {"year": 1800}, "code": code}
    assert await refused(api, EXPORT, data, token) == [("filter.year", "INVALID")]
    assert (await VerificationCode.get(phone=TARGET_PHONE)).used_at is None


async def test_no_code_or_a_wrong_one_is_refused_and_a_used_one_cannot_serve_twice(api, records):
    token = records.tokens["other_main"]
    received = {"scope": "RECEIVED"}
    assert await refused(api, EXPORT, received, token) == [("code", "REQUIRED")]
    assert await refused(api, EXPORT, {**received, "code": " "}, token) == [("code", "REQUIRED")]
    code = await export_code(api, token, TARGET_PHONE)
    wrong = "000000" if code != "000000" else "111111"
    assert await refused(api, EXPORT, {**received, "code": wrong}, token) == [
        ("code", "CODE_INVALID")
    ]
    # The code of another user's phone is not this user's.
    assert await refused(
        api, EXPORT, {"scope": "INITIATED", "code": code}, records.tokens["main"]
    ) == [("code", "CODE_EXPIRED")]
    assert len(await exported(api, EXPORT, {**received, "code": code}, token)) == 4
    assert await refused(api, EXPORT, {**received, "code": code}, token) == [
        ("code", "CODE_EXPIRED")
    ]


async def test_an_api_token_and_other_roles_cannot_export(api, records):
    token = records.tokens["api_token"]
    for data in ({"scope": "INITIATED"}, {"scope": "INITIATED", "code": "123456"}):
        assert await refused(api, EXPORT, data, token) == [(None, "NOT_ALLOWED")]
    payload = await call(api, EXPORT, {"input": {"scope": "INITIATED"}}, token)
    assert "接口令牌" in payload["errors"][0]["message"]
    for role, expected in (("anonymous", "UNAUTHENTICATED"), ("learner", "FORBIDDEN"),
                           ("admin", "FORBIDDEN")):  # fmt: skip
        variables = {"input": {"scope": "RECEIVED", "code": "123456"}}
        assert await top_level_error(api, EXPORT, variables, records.tokens[role]) == expected
    assert await StoredFile.all().count() == 0
    assert await AuditEntry.filter(action="conversion_application.export").count() == 0


# -- reading -------------------------------------------------------------------------------------


async def _more_applications(records: Records, n: int) -> None:
    """``n`` more learners holding the source, each applied for by institution 1 in a batch of
    its own under a rule of its own, so no two rows share a rule, a batch or a learner."""
    world = records.world
    source = await InstitutionAchievement.get(institution_id=world.institution.id, name=SOURCE)
    for index in range(n):
        learner = await make_learner(20 + index, f"学员乙{index}")
        held = await stored_row(learner, source, f"CERT-1{index:03d}")
        target = await course_entry(world.other_institution, f"课程{index}", f"K{index:03d}")
        rule = await make_rule(world.other_institution, [source], [(TargetKind.COURSE, target, [])])
        batch = await ConversionBatch.create(
            rule=rule,
            institution_id=world.institution.id,
            target_institution_id=world.other_institution.id,
            name=f"批次{index}",
            learner_count=1,
            created_by_id=world.main.id,
        )
        application = await ConversionApplication.create(
            rule=rule,
            rule_code=rule.code,
            target_institution_id=world.other_institution.id,
            learner=learner,
            initiator=Initiator.INSTITUTION,
            initiating_institution_id=world.institution.id,
            batch_id=batch.id,
            created_by_kind="institution_user",
            created_by_id=world.main.id,
        )
        await ConversionApplicationSource.create(application=application, learner_achievement=held)


async def test_rows_are_read_in_batches_in_a_fixed_number_of_queries(api, records, monkeypatch):
    token = records.tokens["other_main"]

    async def statements() -> tuple[int, list[list]]:
        data = await coded(api, token, {"scope": "RECEIVED"})
        with count_queries(monkeypatch) as seen:
            rows = await exported(api, EXPORT, data, token)
        return len(seen), rows

    few, rows = await statements()
    assert len(rows) == 4
    await _more_applications(records, 6)
    many, rows = await statements()
    assert len(rows) == 10
    assert many == few  # no query per row, whatever the rules, batches and learners

    # A batch at a time: every row once, in list order, its texts right across pages.
    monkeypatch.setattr(common, "BATCH", 3)
    _, paged = await statements()
    assert paged == rows
    expected = (
        await ConversionApplication.all()
        .order_by("-created_at", "id")
        .values_list("rule_code", flat=True)
    )
    assert [row[0] for row in paged[1:]] == expected
    for row in paged[1:]:
        if row[1].startswith("学员乙"):
            assert row[5].startswith("课程") and row[7].startswith("批次")
            assert row[6] == records.world.institution.name
