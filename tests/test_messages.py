"""The message centre over HTTP: each account reads only its own mailbox."""

from __future__ import annotations

from models import (
    Institution,
    InstitutionKind,
    InstitutionStatus,
    InstitutionUser,
    Learner,
    LearnerStatus,
    Message,
)
from resolvers.admins import create_administrator, issue_admin_token
from resolvers.learners import create_with_card
from resolvers.messages import notify, to_institution, to_learner
from resolvers.passwords import hash_password
from resolvers.validation import credit_code_check_char, resident_id_check_char

MY_MESSAGES = """query($unreadOnly: Boolean) { myMessages(unreadOnly: $unreadOnly) {
  totalCount unreadCount items { title body link read event } } }"""
MARK_READ = """mutation($ids: [ID!]) { messagesMarkRead(ids: $ids) {
  marked errors { field code } } }"""


async def _learner(api, name: str, id17: str, phone: str) -> tuple[Learner, str]:
    learner = await create_with_card(
        name=name,
        id_type="resident_id",
        id_number=id17 + resident_id_check_char(id17),
        phone=phone,
        password_hash=await hash_password("Secret123"),
        status=LearnerStatus.ACTIVE,
    )
    data = await api.gql(
        'mutation($a: String!) { learnerLogin(input: {account: $a, password: "Secret123"})'
        " { token } }",
        {"a": phone},
    )
    return learner, data["learnerLogin"]["token"]


async def _institution_user(api) -> tuple[Institution, str]:
    code = "12430000444877560" + credit_code_check_char("12430000444877560")
    institution = await Institution.create(
        name="长沙理工大学",
        credit_code=code,
        kind=InstitutionKind.SCHOOL,
        legal_representative="王某",
        contact_person="李",
        contact_phone="13700000000",
        contact_email="a@b.cn",
        postcode="410114",
        address="长沙",
        business_scope="教育",
        registrant_name="李",
        registrant_id_type="resident_id",
        registrant_id_number="x",
        status=InstitutionStatus.APPROVED,
    )
    await InstitutionUser.create(
        institution=institution,
        username=code,
        name="李",
        phone="13700000000",
        password_hash=await hash_password("Secret123"),
        is_main=True,
    )
    data = await api.gql(
        'mutation($a: String!) { institutionLogin(input: {account: $a, password: "Secret123"})'
        " { token } }",
        {"a": code},
    )
    return institution, data["institutionLogin"]["token"]


async def test_each_account_reads_its_own_messages(api):
    alice, alice_token = await _learner(api, "张三", "43010219900101123", "13900000001")
    bob, bob_token = await _learner(api, "李四", "43310119920315234", "13900000002")
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
    alice, token = await _learner(api, "张三", "43010219900101123", "13900000001")
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
    alice, _ = await _learner(api, "张三", "43010219900101123", "13900000001")
    _, bob_token = await _learner(api, "李四", "43310119920315234", "13900000002")
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
