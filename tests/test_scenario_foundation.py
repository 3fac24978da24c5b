"""The foundation's walk-through over HTTP: a learner registers and logs in; an institution
registers, is approved by an administrator and adds a sub-user, who then logs in."""

from __future__ import annotations

from resolvers.accounts.admins import create_administrator, issue_admin_token
from resolvers.core.validation import credit_code_check_char, resident_id_check_char

SEND_CODE = """mutation($purpose: CodePurpose!, $phone: String) {
  verificationCodeSend(input: {purpose: $purpose, phone: $phone}) {
    phone errors { field code message } } }"""


async def test_learner_and_institution_walk_through(api):
    # A learner registers with an SMS code and logs in by ID number.
    id_number = "43010219900101123" + resident_id_check_char("43010219900101123")
    sent = await api.gql(SEND_CODE, {"purpose": "REGISTER", "phone": "13912345678"})
    assert sent["verificationCodeSend"] == {"phone": "139****5678", "errors": []}
    registered = await api.gql(
        """mutation($input: LearnerRegisterInput!) { learnerRegister(input: $input) {
             learner { name cardNumber statusLabel } errors { field code } } }""",
        {
            "input": {
                "name": "张三",
                "idNumber": id_number,
                "phone": "13912345678",
                "password": "Secret123",
                "code": api.last_code("13912345678"),
            }
        },
    )
    learner = registered["learnerRegister"]
    assert learner["errors"] == []
    assert learner["learner"]["statusLabel"] == "已激活"
    login = await api.gql(
        """mutation($account: String!) {
             learnerLogin(input: {account: $account, password: "Secret123"}) { token } }""",
        {"account": id_number},
    )
    token = login["learnerLogin"]["token"]
    viewer = await api.as_(token).gql("{ viewer { kind learner { idNumber cardNumber } } }")
    assert viewer["viewer"] == {
        "kind": "LEARNER",
        "learner": {"idNumber": id_number, "cardNumber": learner["learner"]["cardNumber"]},
    }

    # An institution registers; it is pending until an administrator approves it.
    credit_code = "12430000444877560" + credit_code_check_char("12430000444877560")
    await api.gql(SEND_CODE, {"purpose": "INSTITUTION_REGISTER", "phone": "13700000000"})
    result = await api.gql(
        """mutation($input: InstitutionRegisterInput!) { institutionRegister(input: $input) {
             username institution { id status } errors { field code message } } }""",
        {
            "input": {
                "registrant": {
                    "name": "李老师",
                    "idNumber": id_number,
                    "phone": "13700000000",
                    "password": "Teacher123",
                    "code": api.last_code("13700000000"),
                },
                "institution": {
                    "name": "长沙理工大学",
                    "creditCode": credit_code,
                    "kind": "SCHOOL",
                    "schoolType": "本科",
                    "legalRepresentative": "王某",
                    "contactPerson": "李老师",
                    "contactPhone": "13700000000",
                    "contactEmail": "office@csust.edu.cn",
                    "postcode": "410114",
                    "address": "湖南省长沙市天心区万家丽南路二段960号",
                    "businessScope": "高等学历教育",
                },
            }
        },
    )
    registered_institution = result["institutionRegister"]
    assert registered_institution["errors"] == []
    assert registered_institution["username"] == credit_code
    assert registered_institution["institution"]["status"] == "PENDING"
    institution_id = registered_institution["institution"]["id"]

    main = api.as_(
        (
            await api.gql(
                """mutation($account: String!) {
                     institutionLogin(input: {account: $account, password: "Teacher123"}) {
                     token } }""",
                {"account": credit_code},
            )
        )["institutionLogin"]["token"]
    )
    add_sub_user = """mutation { institutionUserCreate(input: {username: "registrar01",
        name: "教务员", phone: "13600000000", password: "Clerk1234"}) {
        user { username isMain } errors { code } } }"""
    refused = await main.gql(add_sub_user)
    assert refused["institutionUserCreate"]["errors"] == [{"code": "NOT_APPROVED"}]

    admin = api.as_(await issue_admin_token(await create_administrator("ops1", "管理员")))
    pending = await admin.gql("{ institutions(status: PENDING) { totalCount items { id } } }")
    assert pending["institutions"]["items"] == [{"id": institution_id}]
    approved = await admin.gql(
        """mutation($id: ID!) { institutionReview(input: {id: $id, approve: true}) {
             institution { status statusLabel } errors { code } } }""",
        {"id": institution_id},
    )
    assert approved["institutionReview"]["institution"] == {
        "status": "APPROVED",
        "statusLabel": "已通过",
    }

    # Approved, the main user adds a sub-user, who logs in and sees the institution.
    added = await main.gql(add_sub_user)
    assert added["institutionUserCreate"] == {
        "user": {"username": "registrar01", "isMain": False},
        "errors": [],
    }
    sub_token = (
        await api.gql(
            """mutation { institutionLogin(input: {account: "registrar01", password: "Clerk1234"})
                 { token } }"""
        )
    )["institutionLogin"]["token"]
    seen = await api.as_(sub_token).gql(
        "{ viewer { kind institutionUser { isMain } institution { name status } } }"
    )
    assert seen["viewer"] == {
        "kind": "INSTITUTION_USER",
        "institutionUser": {"isMain": False},
        "institution": {"name": "长沙理工大学", "status": "APPROVED"},
    }

    # The administrator sees each of these changes in the audit log.
    log = await admin.gql("{ auditLog(pageSize: 100) { items { action } } }")
    actions = {item["action"] for item in log["auditLog"]["items"]}
    assert {
        "learner.register",
        "institution.register",
        "institution.approve",
        "institution_user.create",
    } <= actions
