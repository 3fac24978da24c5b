"""Problem feedback (问题反馈) over HTTP: a learner reports a problem with a PDF, the institution
(or the bank) answers in a thread and resolves or rejects it; every role is checked, and refused
requests write nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import uuid
from pathlib import Path

import pytest

from graphql_api.settings import Settings
from models import (
    AchievementSource,
    AchievementStatus,
    AuditEntry,
    FeedbackReply,
    FeedbackStatus,
    Learner,
    LearnerAchievement,
    Message,
    ProblemFeedback,
    RecipientKind,
    StoredFile,
)
from tests.institution_fixtures import (
    create_api_token,
    credit_code,
    login_institution,
    login_learner,
    make_institution,
    make_institution_user,
    make_learner,
    phone,
    resident_id,
    top_level_error,
)
from tests.test_files import PDF, PNG, fetch, upload_payload, uploaded

FEEDBACK_FIELDS = """
  id problemType problemTypeLabel description status statusLabel createdAt closedAt
  achievement { id name issuerName certificateNumber issueDate }
  learnerName learnerIdNumber institutionId institutionName
  file { id filename downloadUrl }
  replies { id authorLabel body createdAt file { id filename downloadUrl } }
"""
PAYLOAD_FIELDS = f"errors {{ field code message }} feedback {{ {FEEDBACK_FIELDS} }}"
SUBMIT = f"""
mutation Submit($input: FeedbackSubmitInput!) {{
  feedbackSubmit(input: $input) {{ {PAYLOAD_FIELDS} }}
}}"""
REPLY = f"""
mutation Reply($input: FeedbackReplyInput!) {{
  feedbackReply(input: $input) {{ {PAYLOAD_FIELDS} }}
}}"""
RESOLVE = f"""
mutation Resolve($input: FeedbackResolveInput!) {{
  feedbackResolve(input: $input) {{ {PAYLOAD_FIELDS} }}
}}"""
QUEUE = f"""
query Queue($status: FeedbackStatus, $since: Date, $until: Date, $page: Int! = 1,
            $pageSize: Int! = 10) {{
  feedbackQueue(status: $status, since: $since, until: $until, page: $page, pageSize: $pageSize) {{
    totalCount page pageSize items {{ {FEEDBACK_FIELDS} }}
  }}
}}"""
MINE = f"""
query Mine($status: FeedbackStatus, $achievementName: String, $institutionName: String,
           $page: Int! = 1, $pageSize: Int! = 10) {{
  myFeedback(status: $status, achievementName: $achievementName,
             institutionName: $institutionName, page: $page, pageSize: $pageSize) {{
    totalCount items {{ {FEEDBACK_FIELDS} }}
  }}
}}"""
ONE = f"query One($id: ID!) {{ feedback(id: $id) {{ {FEEDBACK_FIELDS} }} }}"

_certificates = itertools.count(1)


@pytest.fixture
def settings(tmp_path: Path, signing_key_pem: bytes) -> Settings:
    return Settings(
        database_url="sqlite://:memory:",
        secret_key="test-secret",
        signing_key_pem=signing_key_pem,
        environment="test",
        graphiql=True,
        sms_sender="memory",
        files_dir=tmp_path / "files",
    )


async def achievement(
    learner: Learner,
    institution_id: uuid.UUID | None,
    *,
    source: AchievementSource = AchievementSource.INSTITUTION,
    status: AchievementStatus = AchievementStatus.STORED,
    name: str = "植物保护与检疫技术毕业证书(高职)",
) -> LearnerAchievement:
    return await LearnerAchievement.create(
        learner=learner,
        institution_id=institution_id,
        subtype_id="vocational_diploma",
        category_id="academic",
        name=name,
        issuer_name="江苏测试学院1",
        details={},
        certificate_number=f"CERT{next(_certificates):05d}",
        issue_date=dt.date(2022, 3, 1),
        source=source,
        status=status,
        created_by_kind="institution_user",
    )


def errors(payload: dict) -> list[tuple[str | None, str]]:
    assert all(e["message"] for e in payload["errors"])
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def payload(api, query: str, variables: dict, token: str | None) -> dict:
    data = await api.as_(token).gql(query, variables)
    (value,) = data.values()
    return value


async def counts() -> dict[str, int]:
    """What a refused request must leave unchanged."""
    return {
        "feedback": await ProblemFeedback.all().count(),
        "replies": await FeedbackReply.all().count(),
        "messages": await Message.all().count(),
        "audit": await AuditEntry.filter(action__startswith="feedback.").count(),
        "open": await ProblemFeedback.filter(status=FeedbackStatus.OPEN).count(),
    }


class World:
    """Two institutions, a sub-user and an API token of the first, two learners, an
    administrator, and the first learner's achievement deposited by the first institution."""

    async def build(self, api, admin: str) -> World:
        self.api = api
        self.school, _ = await make_institution(1)
        self.other_school, _ = await make_institution(2)
        sub = await make_institution_user(self.school, "sub_user1", phone(1, "138"))
        self.learner = await make_learner(1, "毕志刚")
        self.other_learner = await make_learner(2)
        self.main = await login_institution(api, credit_code(1))
        self.sub = await login_institution(api, sub.username)
        self.other = await login_institution(api, credit_code(2))
        _, self.api_token = await create_api_token(api, self.main)
        self.admin = admin
        self.me = await login_learner(api, resident_id(1, "19950505"))
        self.them = await login_learner(api, resident_id(2, "19950505"))
        self.deposit = await achievement(self.learner, self.school.id)
        return self

    async def pdf(self, token: str, filename: str = "发证日期证明.pdf") -> str:
        return (await uploaded(self.api, token, filename))["id"]

    async def submit_input(self, **overrides) -> dict:
        data = {
            "achievementId": str(self.deposit.id),
            "problemType": "ISSUE_DATE",
            "fileId": await self.pdf(self.me),
            "description": "发证日期应为2022-03-10",
        }
        data.update(overrides)
        return data

    async def submit(self, **overrides) -> dict:
        result = await payload(
            self.api, SUBMIT, {"input": await self.submit_input(**overrides)}, self.me
        )
        assert result["errors"] == [], result
        return result["feedback"]


@pytest.fixture
async def world(api, admin_token) -> World:
    return await World().build(api, admin_token)


async def test_feedback_flow(api, world):
    # The learner reports a wrong issue date with a PDF.
    feedback = await world.submit()
    assert feedback["status"] == "OPEN"
    assert feedback["statusLabel"] == "未解决"
    assert feedback["problemTypeLabel"] == "发证日期有误"
    assert feedback["achievement"]["name"] == "植物保护与检疫技术毕业证书(高职)"
    assert feedback["institutionName"] == "江苏测试学院1"
    assert feedback["institutionId"] == str(world.school.id)
    assert feedback["learnerName"] == "毕志刚"
    assert feedback["replies"] == []
    assert feedback["file"]["filename"] == "发证日期证明.pdf"

    # The institution is told, in its message centre.
    (message,) = await Message.filter(recipient_kind=RecipientKind.INSTITUTION)
    assert message.recipient_id == world.school.id
    assert message.event == "feedback.submitted"
    assert "发证日期有误" in message.body
    assert message.object_id == uuid.UUID(feedback["id"])
    assert await AuditEntry.filter(action="feedback.submit").count() == 1

    # It is in the institution's queue, with the learner's ID number masked, and the
    # institution can download the learner's PDF.
    for token in (world.main, world.sub, world.api_token):
        queue = await payload(api, QUEUE, {}, token)
        assert queue["totalCount"] == 1
        (item,) = queue["items"]
        assert item["id"] == feedback["id"]
        assert item["learnerIdNumber"] == "320102*****" + resident_id(1, "19950505")[-4:]
    pdf = await fetch(api, item["file"]["downloadUrl"], world.api_token)
    assert pdf.status_code == 200 and pdf.content == PDF
    assert (await payload(api, QUEUE, {}, world.other))["totalCount"] == 0

    # The institution replies with a PDF of its own; the learner is told and can read it.
    reply_file = await world.pdf(world.sub, "核实说明.pdf")
    replied = await payload(
        api,
        REPLY,
        {"input": {"id": feedback["id"], "body": "正在核实，请稍候", "fileId": reply_file}},
        world.sub,
    )
    assert replied["errors"] == []
    (reply,) = replied["feedback"]["replies"]
    assert reply["authorLabel"] == "江苏测试学院1"
    assert reply["body"] == "正在核实，请稍候"
    assert replied["feedback"]["status"] == "OPEN"
    mine = await payload(api, MINE, {}, world.me)
    assert mine["totalCount"] == 1
    (thread,) = mine["items"][0]["replies"]
    reply_pdf = await fetch(api, thread["file"]["downloadUrl"], world.me)
    assert reply_pdf.status_code == 200 and reply_pdf.content == PDF
    learner_messages = await Message.filter(recipient_kind=RecipientKind.LEARNER)
    assert [m.event for m in learner_messages] == ["feedback.replied"]
    assert learner_messages[0].recipient_id == world.learner.id

    # The main user resolves it with a final reply; it closes.
    resolved = await payload(
        api,
        RESOLVE,
        {"input": {"id": feedback["id"], "resolution": "RESOLVED", "body": "已更正发证日期"}},
        world.main,
    )
    assert resolved["errors"] == []
    closed = resolved["feedback"]
    assert closed["status"] == "RESOLVED"
    assert closed["statusLabel"] == "已解决"
    assert closed["closedAt"] is not None
    assert [r["body"] for r in closed["replies"]] == ["正在核实，请稍候", "已更正发证日期"]
    events = await Message.filter(recipient_kind=RecipientKind.LEARNER).values_list(
        "event", flat=True
    )
    assert sorted(events) == ["feedback.replied", "feedback.resolved"]
    assert await AuditEntry.filter(action="feedback.resolve").count() == 1

    # The learner sees the state and the whole thread, in the list and in the detail.
    detail = (await api.as_(world.me).gql(ONE, {"id": feedback["id"]}))["feedback"]
    assert detail["status"] == "RESOLVED"
    assert len(detail["replies"]) == 2
    assert (await payload(api, MINE, {"status": "RESOLVED"}, world.me))["totalCount"] == 1
    assert (await payload(api, MINE, {"status": "OPEN"}, world.me))["totalCount"] == 0

    # Closed: no second decision and no further reply.
    before = await counts()
    for query, extra in ((RESOLVE, {"resolution": "REJECTED"}), (REPLY, {})):
        again = await payload(
            api, query, {"input": {"id": feedback["id"], "body": "再次处理", **extra}}, world.main
        )
        assert errors(again) == [("id", "WRONG_STATE")]
    assert await counts() == before

    # The same problem can be reported again once the first report is closed.
    await world.submit()


async def test_rejecting_and_one_open_feedback_per_problem(api, world):
    feedback = await world.submit()
    before = await counts()
    duplicate = await payload(api, SUBMIT, {"input": await world.submit_input()}, world.me)
    assert errors(duplicate) == [("problemType", "CONFLICT")]
    assert await counts() == before

    # Another problem type on the same achievement is a separate report.
    photo = await world.submit(problemType="PHOTO")
    assert photo["problemTypeLabel"] == "个人照片有误"

    rejected = await payload(
        api,
        RESOLVE,
        {"input": {"id": feedback["id"], "resolution": "REJECTED", "body": "证书信息无误"}},
        world.main,
    )
    assert rejected["feedback"]["status"] == "REJECTED"
    assert rejected["feedback"]["statusLabel"] == "驳回"
    queue = await payload(api, QUEUE, {"status": "REJECTED"}, world.main)
    assert [i["id"] for i in queue["items"]] == [feedback["id"]]
    queue = await payload(api, QUEUE, {"status": "OPEN"}, world.main)
    assert [i["id"] for i in queue["items"]] == [photo["id"]]
    assert await Message.filter(event="feedback.rejected").count() == 1
    assert await AuditEntry.filter(action="feedback.reject").count() == 1


async def test_feedback_on_what_the_bank_created_goes_to_administrators(api, world):
    bank = await achievement(world.learner, world.school.id, source=AchievementSource.BANK)
    feedback = await world.submit(achievementId=str(bank.id), problemType="NAME")
    assert feedback["institutionId"] is None
    assert feedback["institutionName"] == "学分银行管理中心"
    assert await Message.filter(recipient_kind=RecipientKind.INSTITUTION).count() == 0

    assert (await payload(api, QUEUE, {}, world.main))["totalCount"] == 0
    queue = await payload(api, QUEUE, {}, world.admin)
    assert [i["id"] for i in queue["items"]] == [feedback["id"]]
    admin_pdf = await fetch(api, queue["items"][0]["file"]["downloadUrl"], world.admin)
    assert admin_pdf.status_code == 200

    refused = await payload(
        api,
        RESOLVE,
        {"input": {"id": feedback["id"], "resolution": "RESOLVED", "body": "已更正"}},
        world.main,
    )
    assert errors(refused) == [("id", "NOT_FOUND")]
    resolved = await payload(
        api,
        RESOLVE,
        {"input": {"id": feedback["id"], "resolution": "RESOLVED", "body": "已更正姓名"}},
        world.admin,
    )
    assert resolved["errors"] == []
    assert resolved["feedback"]["replies"][0]["authorLabel"] == "学分银行管理中心"
    assert await Message.filter(recipient_id=world.learner.id).count() == 1


async def test_refused_submissions_write_nothing(api, world):
    personal = await achievement(world.learner, None, source=AchievementSource.PERSONAL)
    withdrawn = await achievement(
        world.learner, world.school.id, status=AchievementStatus.WITHDRAWN
    )
    converted = await achievement(
        world.learner, world.school.id, source=AchievementSource.CONVERSION
    )
    theirs = await achievement(world.other_learner, world.school.id)
    their_file = await world.pdf(world.them)
    institution_file = await world.pdf(world.main)
    cases = {
        "personal achievement": (
            {"achievementId": str(personal.id)},
            [("achievementId", "NOT_ALLOWED")],
        ),
        "converted achievement": (
            {"achievementId": str(converted.id)},
            [("achievementId", "NOT_ALLOWED")],
        ),
        "withdrawn achievement": (
            {"achievementId": str(withdrawn.id)},
            [("achievementId", "WRONG_STATE")],
        ),
        "another learner's achievement": (
            {"achievementId": str(theirs.id)},
            [("achievementId", "NOT_FOUND")],
        ),
        "unknown achievement": (
            {"achievementId": str(uuid.uuid4())},
            [("achievementId", "NOT_FOUND")],
        ),
        "malformed ids": (
            {"achievementId": "x", "fileId": "y"},
            [("achievementId", "INVALID"), ("fileId", "INVALID")],
        ),
        "another learner's file": ({"fileId": their_file}, [("fileId", "NOT_FOUND")]),
        "an institution's file": ({"fileId": institution_file}, [("fileId", "NOT_FOUND")]),
        "unknown file": ({"fileId": str(uuid.uuid4())}, [("fileId", "NOT_FOUND")]),
        "description too long": ({"description": "长" * 501}, [("description", "TOO_LONG")]),
    }
    before = await counts()
    for case, (overrides, expected) in cases.items():
        result = await payload(
            api, SUBMIT, {"input": await world.submit_input(**overrides)}, world.me
        )
        assert result["feedback"] is None, case
        assert errors(result) == expected, case
    assert await counts() == before

    # A wrong enum is refused by the schema before anything runs.
    response = await api.post(
        SUBMIT, {"input": await world.submit_input(problemType="HAIRCUT")}, world.me
    )
    assert response.json()["errors"]
    assert await counts() == before


async def test_a_file_that_is_not_a_pdf_or_too_large_never_reaches_a_feedback(api, world):
    before = await counts()
    files_before = await StoredFile.all().count()
    for data, code in ((PNG, "INVALID"), (PDF + b"0" * (10 * 1024 * 1024), "TOO_LONG")):
        result = await upload_payload(api, world.me, "反馈.pdf", data)
        assert [(e["field"], e["code"]) for e in result["errors"]] == [("file", code)]
        assert result["file"] is None
    assert await StoredFile.all().count() == files_before
    assert await counts() == before


async def test_who_may_submit(api, world):
    variables = {"input": await world.submit_input()}
    for token, code in (
        (world.main, "FORBIDDEN"),
        (world.sub, "FORBIDDEN"),
        (world.other, "FORBIDDEN"),
        (world.api_token, "FORBIDDEN"),
        (world.admin, "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ):
        assert await top_level_error(api, SUBMIT, variables, token=token or "") == code
    other = await payload(api, SUBMIT, variables, world.them)
    assert errors(other) == [("fileId", "NOT_FOUND")]
    assert await ProblemFeedback.all().count() == 0
    assert (await payload(api, SUBMIT, variables, world.me))["errors"] == []


async def test_who_may_answer(api, world):
    feedback = await world.submit()
    answer = {"id": feedback["id"], "body": "已收到"}
    resolve = {**answer, "resolution": "RESOLVED"}
    before = await counts()
    for query, extra in ((REPLY, answer), (RESOLVE, resolve)):
        for token, expected in (
            (world.other, [("id", "NOT_FOUND")]),
            (world.admin, [("id", "NOT_FOUND")]),
            (world.api_token, [(None, "NOT_ALLOWED")]),
        ):
            result = await payload(api, query, {"input": extra}, token)
            assert errors(result) == expected, (query, token)
            assert result["feedback"] is None
        for token, code in (
            (world.me, "FORBIDDEN"),
            (world.them, "FORBIDDEN"),
            (None, "UNAUTHENTICATED"),
        ):
            assert await top_level_error(api, query, {"input": extra}, token=token or "") == code
    assert await counts() == before

    # Bad input from an allowed user writes nothing either.
    for query, extra, expected in (
        (REPLY, {**answer, "body": "  "}, [("body", "REQUIRED")]),
        (REPLY, {**answer, "body": "长" * 2001}, [("body", "TOO_LONG")]),
        (REPLY, {**answer, "fileId": await world.pdf(world.me)}, [("fileId", "NOT_FOUND")]),
        (REPLY, {**answer, "id": "nonsense"}, [("id", "INVALID")]),
        (RESOLVE, {**resolve, "body": ""}, [("body", "REQUIRED")]),
        (RESOLVE, {**resolve, "id": str(uuid.uuid4())}, [("id", "NOT_FOUND")]),
    ):
        result = await payload(api, query, {"input": extra}, world.main)
        assert errors(result) == expected, extra
    assert await counts() == before

    # The main user and a sub-user may both answer.
    assert (await payload(api, REPLY, {"input": answer}, world.sub))["errors"] == []
    assert (await payload(api, RESOLVE, {"input": resolve}, world.main))["errors"] == []


async def test_who_may_read(api, world):
    feedback = await world.submit()
    for token in (world.me, world.main, world.sub, world.api_token, world.admin):
        detail = (await api.as_(token).gql(ONE, {"id": feedback["id"]}))["feedback"]
        assert detail["id"] == feedback["id"]
        assert detail["file"]["downloadUrl"]
    for token in (world.them, world.other):
        response = await api.post(ONE, {"id": feedback["id"]}, token)
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await top_level_error(api, ONE, {"id": feedback["id"]}, token="") == "UNAUTHENTICATED"

    assert (await payload(api, MINE, {}, world.them))["totalCount"] == 0
    for token in (world.main, world.admin):
        assert await top_level_error(api, MINE, {}, token=token) == "FORBIDDEN"
    for token in (world.me, world.them):
        assert await top_level_error(api, QUEUE, {}, token=token) == "FORBIDDEN"
    assert await top_level_error(api, QUEUE, {}, token="") == "UNAUTHENTICATED"

    # The other learner cannot fetch the PDF with the owner's link.
    detail = (await api.as_(world.me).gql(ONE, {"id": feedback["id"]}))["feedback"]
    assert (await fetch(api, detail["file"]["downloadUrl"], world.them)).status_code == 403


async def test_queue_filters_by_day_in_shanghai(api, world):
    late = await world.submit(problemType="NAME")
    early = await world.submit(problemType="PHOTO")
    # 23:30 on 1 March and 00:30 on 2 March in Shanghai.
    await ProblemFeedback.filter(id=late["id"]).update(
        created_at=dt.datetime(2025, 3, 1, 16, 30, tzinfo=dt.UTC)
    )
    await ProblemFeedback.filter(id=early["id"]).update(
        created_at=dt.datetime(2025, 3, 1, 15, 30, tzinfo=dt.UTC)
    )

    async def ids(**filters) -> list[str]:
        queue = await payload(api, QUEUE, filters, world.main)
        return [item["id"] for item in queue["items"]]

    assert await ids() == [late["id"], early["id"]]
    assert await ids(since="2025-03-02") == [late["id"]]
    assert await ids(until="2025-03-01") == [early["id"]]
    assert await ids(since="2025-03-01", until="2025-03-01") == [early["id"]]
    assert await ids(since="2025-03-03") == []
    response = await api.post(QUEUE, {"since": "2025-03-02", "until": "2025-03-01"}, world.main)
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INVALID", "field": "until"}

    # Pages, and the learner's filters of seed 004 §4.
    first = await payload(api, QUEUE, {"pageSize": 1}, world.main)
    assert first["totalCount"] == 2 and len(first["items"]) == 1
    assert (await payload(api, MINE, {"institutionName": "测试学院1"}, world.me))["totalCount"] == 2
    assert (await payload(api, MINE, {"institutionName": "别的机构"}, world.me))["totalCount"] == 0
    assert (await payload(api, MINE, {"achievementName": "检疫"}, world.me))["totalCount"] == 2


async def test_lists_run_the_same_statements_for_any_length(api, world, caplog):
    async def statements(query: str, token: str) -> int:
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
            page = await payload(api, query, {"pageSize": 50}, token)
        assert page["items"]
        return len([r for r in caplog.records if r.name == "tortoise.db_client"])

    first = await world.submit(problemType="NAME")
    await payload(api, REPLY, {"input": {"id": first["id"], "body": "核实中"}}, world.main)
    few = (await statements(QUEUE, world.main), await statements(MINE, world.me))
    for n in range(6):
        extra = await achievement(world.learner, world.school.id, name=f"成果{n}")
        for problem in ("ID_NUMBER", "PHOTO"):
            created = await world.submit(achievementId=str(extra.id), problemType=problem)
            await payload(
                api,
                REPLY,
                {
                    "input": {
                        "id": created["id"],
                        "body": "核实中",
                        "fileId": await world.pdf(world.main),
                    }
                },
                world.main,
            )
    many = (await statements(QUEUE, world.main), await statements(MINE, world.me))
    assert many == few
    assert min(few) > 3


async def test_two_answerers_closing_at_once(api, world):
    feedback = await world.submit()
    results = await asyncio.gather(
        *(
            payload(
                api,
                RESOLVE,
                {"input": {"id": feedback["id"], "resolution": resolution, "body": "处理"}},
                token,
            )
            for resolution, token in (("RESOLVED", world.main), ("REJECTED", world.sub))
        )
    )
    outcomes = sorted(tuple(errors(result)) for result in results)
    assert outcomes == [(), (("id", "WRONG_STATE"),)]
    row = await ProblemFeedback.get(id=feedback["id"])
    winner = next(result for result in results if not result["errors"])
    assert row.status.value.upper() == winner["feedback"]["status"]
    assert await FeedbackReply.filter(feedback_id=row.id).count() == 1
    assert await Message.filter(recipient_kind=RecipientKind.LEARNER).count() == 1
