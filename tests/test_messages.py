"""The message centre over HTTP: each account reads only its own mailbox."""

from __future__ import annotations

from models import Institution, Learner, Message
from resolvers.accounts.admins import create_administrator, issue_admin_token
from resolvers.messages import notify, to_institution, to_learner
from tests.institution_fixtures import (
    login_institution,
    login_learner,
    make_institution,
    make_learner,
)

MY_MESSAGES = """query($unreadOnly: Boolean) { myMessages(unreadOnly: $unreadOnly) {
  totalCount unreadCount items { title body link read event } } }"""
MARK_READ = """mutation($ids: [ID!]) { messagesMarkRead(ids: $ids) {
  marked errors { field code } } }"""


async def _learner(api, n: int) -> tuple[Learner, str]:
    learner = await make_learner(n)
    assert learner.phone is not None
    return learner, await login_learner(api, learner.phone)


async def _institution_user(api) -> tuple[Institution, str]:
    institution, main = await make_institution(1)
    return institution, await login_institution(api, main.username)


async def test_each_account_reads_its_own_messages(api):
    alice, alice_token = await _learner(api, 1)
    bob, bob_token = await _learner(api, 2)
    school, school_token = await _institution_user(api)
    await notify(
        to_learner(
            alice.id, "achievement.deposited", "成果存入", "长沙理工大学为您存入成果", "/a/1"
        ),
        to_learner(alice.id, "achievement.withdrawn", "成果撤回", "成果已撤回", "/a/2"),
        to_institution(school.id, "feedback.submitted", "问题反馈", "学员提交了问题反馈"),
    )

    mine = (await api.as_(alice_token).gql(MY_MESSAGES))["myMessages"]
    assert mine["totalCount"] == 2
    assert mine["unreadCount"] == 2
    assert {m["title"] for m in mine["items"]} == {"成果存入", "成果撤回"}
    assert (await api.as_(bob_token).gql(MY_MESSAGES))["myMessages"]["totalCount"] == 0
    theirs = (await api.as_(school_token).gql(MY_MESSAGES))["myMessages"]
    assert [m["event"] for m in theirs["items"]] == ["feedback.submitted"]


async def test_mark_read_one_then_all(api):
    alice, token = await _learner(api, 1)
    await notify(*[to_learner(alice.id, "x", f"消息{i}", "正文") for i in range(3)])
    first = (await Message.filter(recipient_id=alice.id).first()).id

    marked = await api.as_(token).gql(MARK_READ, {"ids": [str(first)]})
    assert marked["messagesMarkRead"] == {"marked": 1, "errors": []}
    count = await api.as_(token).gql("{ unreadMessageCount }")
    assert count["unreadMessageCount"] == 2
    everything = await api.as_(token).gql(MARK_READ)
    assert everything["messagesMarkRead"]["marked"] == 2
    unread = (await api.as_(token).gql(MY_MESSAGES, {"unreadOnly": True}))["myMessages"]
    assert unread["totalCount"] == 0


async def test_someone_elses_message_cannot_be_marked(api):
    alice, _ = await _learner(api, 1)
    _, bob_token = await _learner(api, 2)
    await notify(to_learner(alice.id, "x", "消息", "正文"))
    message = await Message.get(recipient_id=alice.id)

    refused = await api.as_(bob_token).gql(MARK_READ, {"ids": [str(message.id)]})
    assert refused["messagesMarkRead"] == {
        "marked": 0,
        "errors": [{"field": "ids", "code": "NOT_FOUND"}],
    }
    assert (await Message.get(id=message.id)).read_at is None


async def test_who_has_no_mailbox(api):
    anonymous = (await api.post("{ unreadMessageCount }")).json()
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    admin_token = await issue_admin_token(await create_administrator("ops1", "管理员"))
    admin = (await api.post("{ unreadMessageCount }", token=admin_token)).json()
    assert admin["errors"][0]["extensions"]["code"] == "FORBIDDEN"
