"""The achievements walk-through over HTTP: an institution deposits for a new ID number, the
person registers and claims the account, registers an achievement that is matched and stored,
reports a problem with a PDF that the institution answers, the institution withdraws, and each
side finds the messages it should."""

from __future__ import annotations

from decimal import Decimal

from tests.catalogue_fixtures import (
    institution_with_token,
    new_admin_token,
    recognised_entry,
)
from tests.institution_fixtures import resident_id
from tests.test_files import uploaded

DEPOSIT = """mutation($input: AchievementDepositInput!) { achievementDeposit(input: $input) {
  learnerCreated achievement { id status } errors { field code } } }"""
REGISTER = """mutation($input: AchievementRegisterInput!) { achievementRegister(input: $input) {
  achievement { id status credits } errors { field code } } }"""
MINE = """{ myAchievements { totalCount personallyObtainedCount credits
  items { id name status credits sourceLabel } } }"""
MESSAGES = "{ myMessages { unreadCount items { event title } } }"


async def test_deposit_claim_register_match_feedback_withdraw(api):
    admin = await new_admin_token()
    school_id, school = await institution_with_token(api, 1)
    diploma = await recognised_entry(api, school, admin, credits="12.5")
    course = await recognised_entry(
        api, school, admin, "higher_course", "市场营销课程", credits="2"
    )

    # The school deposits a diploma for an ID number the bank has never seen.
    id_number = resident_id(7)
    deposited = (
        await api.gql(
            DEPOSIT,
            {
                "input": {
                    "catalogueEntryId": diploma,
                    "learnerName": "王芳",
                    "idNumber": id_number,
                    "certificateNumber": "cs00013",
                    "issueDate": "2022-03-01",
                }
            },
            token=school,
        )
    )["achievementDeposit"]
    assert deposited["errors"] == []
    assert deposited["learnerCreated"] is True
    assert deposited["achievement"]["status"] == "STORED"

    # The person registers with that ID number and claims the inactive account.
    await api.gql("""mutation { verificationCodeSend(input: {purpose: REGISTER,
        phone: "13911112222"}) { errors { code } } }""")
    claimed = (
        await api.gql(
            """mutation($input: LearnerRegisterInput!) {
        learnerRegister(input: $input) { token errors { field code } } }""",
            {
                "input": {
                    "name": "王芳",
                    "idNumber": id_number,
                    "phone": "13911112222",
                    "password": "Secret123",
                    "code": api.last_code("13911112222"),
                }
            },
        )
    )["learnerRegister"]
    assert claimed["errors"] == []
    learner = api.as_(claimed["token"])
    mine = (await learner.gql(MINE))["myAchievements"]
    assert (mine["totalCount"], Decimal(mine["credits"])) == (1, Decimal("12.5"))
    assert mine["items"][0]["sourceLabel"] == "机构存储"

    # The learner registers a course from the catalogue: matched, stored with its credits.
    registered = (
        await learner.gql(
            REGISTER,
            {
                "input": {
                    "catalogueEntryId": course,
                    "certificateNumber": "K-2022-01",
                    "issueDate": "2022-06-30",
                }
            },
        )
    )["achievementRegister"]
    assert registered["errors"] == []
    assert registered["achievement"]["status"] == "STORED"
    assert Decimal(registered["achievement"]["credits"]) == Decimal(2)

    # A problem with the deposited diploma, reported with a PDF, answered by the school.
    pdf = await uploaded(api, claimed["token"])
    feedback = (
        await learner.gql(
            """mutation($input: FeedbackSubmitInput!) {
        feedbackSubmit(input: $input) { feedback { id } errors { field code } } }""",
            {
                "input": {
                    "achievementId": deposited["achievement"]["id"],
                    "problemType": "ISSUE_DATE",
                    "fileId": pdf["id"],
                }
            },
        )
    )["feedbackSubmit"]
    assert feedback["errors"] == []
    feedback_id = feedback["feedback"]["id"]
    queue = (await api.gql("{ feedbackQueue { totalCount } }", token=school))["feedbackQueue"]
    assert queue["totalCount"] == 1
    answered = (
        await api.gql(
            """mutation($input: FeedbackResolveInput!) {
        feedbackResolve(input: $input) { errors { code } } }""",
            {
                "input": {
                    "id": feedback_id,
                    "resolution": "RESOLVED",
                    "body": "已核实，颁证日期无误",
                }
            },
            token=school,
        )
    )["feedbackResolve"]
    assert answered["errors"] == []
    thread = (await learner.gql("{ myFeedback { items { statusLabel } } }"))["myFeedback"]
    assert thread["items"][0]["statusLabel"] == "已解决"

    # The school withdraws the diploma: it stays in history and counts no credits.
    withdrawn = (
        await api.gql(
            """mutation($input: AchievementWithdrawInput!) {
        achievementWithdraw(input: $input) { achievements { status } errors { code } } }""",
            {"input": {"ids": [deposited["achievement"]["id"]], "reason": "证书信息有误"}},
            token=school,
        )
    )["achievementWithdraw"]
    assert withdrawn == {"achievements": [{"status": "WITHDRAWN"}], "errors": []}
    mine = (await learner.gql(MINE))["myAchievements"]
    assert mine["totalCount"] == 2
    assert Decimal(mine["credits"]) == Decimal(2)

    # Each side was told.
    learner_events = {m["event"] for m in (await learner.gql(MESSAGES))["myMessages"]["items"]}
    school_events = {
        m["event"] for m in (await api.gql(MESSAGES, token=school))["myMessages"]["items"]
    }
    assert len(learner_events) >= 4, learner_events
    assert any("withdraw" in e for e in learner_events)
    assert any("deposit" in e for e in learner_events)
    assert any("feedback" in e for e in learner_events)
    assert any("feedback" in e for e in school_events)
    assert school_id
