"""Learner accounts over HTTP: registration, bad registration input, and claiming an account an
institution created."""

from __future__ import annotations

from models import AuditEntry, IdType, Learner, LearnerStatus
from resolvers.accounts.cards import is_valid_card_number
from resolvers.accounts.learners import create_with_card
from tests.learner_account_fixtures import (
    ID_NUMBER,
    NAME,
    OTHER_ID_NUMBER,
    OTHER_PHONE,
    PASSWORD,
    PHONE,
    code_row,
    problems,
    register,
    registered,
    viewer,
)

# Registration


async def test_register_gives_a_token_that_works(api):
    payload = await register(api)
    assert payload["errors"] == []
    assert payload["token"].startswith("cbs_")
    me = await viewer(api, payload["token"])
    assert me["kind"] == "LEARNER"
    assert me["name"] == NAME
    assert me["learner"]["id"] == payload["learner"]["id"]
    assert me["learner"]["status"] == "ACTIVE"
    assert me["learner"]["activatedAt"] is not None
    assert me["learner"]["cardNumber"] == payload["learner"]["cardNumber"]


async def test_register_draws_a_valid_unique_card_number(api):
    first, _ = await registered(api)
    second, _ = await registered(api, id_number=OTHER_ID_NUMBER, phone=OTHER_PHONE)
    for learner in (first, second):
        assert len(learner["cardNumber"]) == 16
        assert learner["cardNumber"].isdigit()
        assert is_valid_card_number(learner["cardNumber"])
    assert first["cardNumber"] != second["cardNumber"]


async def test_register_writes_the_learner_and_an_audit_entry(api):
    learner, _ = await registered(api)
    row = await Learner.get(id=learner["id"])
    assert (row.name, row.id_number, row.phone, row.status) == (
        NAME,
        ID_NUMBER,
        PHONE,
        LearnerStatus.ACTIVE,
    )
    assert row.password_hash and PASSWORD not in row.password_hash
    entries = await AuditEntry.filter(action="learner.register")
    assert len(entries) == 1
    assert str(entries[0].object_id) == learner["id"]
    assert entries[0].actor_kind == "learner"
    assert str(entries[0].actor_id) == learner["id"]
    assert entries[0].after["id_number"] == ID_NUMBER
    assert "password_hash" not in entries[0].after


async def test_register_uses_up_the_code(api):
    await registered(api)
    assert (await code_row()).used_at is not None


async def test_register_normalises_lowercase_x(api):
    learner, token = await registered(api, id_number=ID_NUMBER.lower())
    assert (await Learner.get(id=learner["id"])).id_number == ID_NUMBER
    assert (await viewer(api, token))["learner"]["idNumber"] == ID_NUMBER


async def test_register_answers_the_holder_with_whole_id_and_phone(api):
    """The schema says the holder sees them whole; the registering person is the holder."""
    learner, _ = await registered(api)
    assert learner["idNumber"] == ID_NUMBER
    assert learner["phone"] == PHONE


# Bad registration input: a field error each, nothing written


async def _assert_nothing_registered(expected_learners: int = 0) -> None:
    assert await Learner.all().count() == expected_learners
    assert await AuditEntry.filter(action="learner.register").count() == expected_learners
    assert (await code_row()).used_at is None


async def test_malformed_id_number(api):
    payload = await register(api, id_number="1101051949123")
    assert problems(payload) == [("idNumber", "INVALID")]
    await _assert_nothing_registered()


async def test_id_number_with_wrong_check_digit(api):
    payload = await register(api, id_number="110105194912310021")
    assert problems(payload) == [("idNumber", "INVALID")]
    assert payload["errors"][0]["message"] == "居民身份证号校验位不正确"
    await _assert_nothing_registered()


async def test_weak_password(api):
    payload = await register(api, password="12345678")
    assert problems(payload) == [("password", "INVALID")]
    await _assert_nothing_registered()


async def test_too_long_name(api):
    payload = await register(api, name="张" * 51)
    assert problems(payload) == [("name", "TOO_LONG")]
    await _assert_nothing_registered()


async def test_every_bad_field_is_reported_at_once(api):
    payload = await register(api, name=" ", id_number="123", password="short", code=" ")
    assert problems(payload) == [
        ("name", "REQUIRED"),
        ("idNumber", "INVALID"),
        ("password", "INVALID"),
        ("code", "REQUIRED"),
    ]


async def test_passport_registration(api):
    learner, _ = await registered(api, id_type="PASSPORT", id_number="e12345678")
    row = await Learner.get(id=learner["id"])
    assert (row.id_type, row.id_number) == (IdType.PASSPORT, "E12345678")


async def test_duplicate_id_number(api):
    await registered(api)
    payload = await register(api, phone=OTHER_PHONE)
    assert problems(payload) == [("idNumber", "CONFLICT")]
    assert payload["token"] is None
    assert await Learner.all().count() == 1
    assert (await code_row(OTHER_PHONE)).used_at is None


async def test_duplicate_phone(api):
    await registered(api)
    payload = await register(api, id_number=OTHER_ID_NUMBER)
    assert problems(payload) == [("phone", "CONFLICT")]
    assert payload["token"] is None
    assert await Learner.all().count() == 1
    assert (await code_row()).used_at is None


# Claiming an account an institution created


async def _inactive_learner(name: str = NAME) -> Learner:
    return await create_with_card(
        name=name,
        id_type=IdType.RESIDENT_ID,
        id_number=ID_NUMBER,
        status=LearnerStatus.INACTIVE,
        created_by_institution=None,
    )


async def test_claim_keeps_the_account(api):
    inactive = await _inactive_learner()
    learner, token = await registered(api)
    assert learner["id"] == str(inactive.id)
    assert learner["cardNumber"] == inactive.card_number
    assert learner["status"] == "ACTIVE"
    row = await Learner.get(id=inactive.id)
    assert (row.status, row.phone) == (LearnerStatus.ACTIVE, PHONE)
    assert await Learner.all().count() == 1
    assert (await viewer(api, token))["learner"]["id"] == str(inactive.id)
    claim = await AuditEntry.get(action="learner.claim")
    assert claim.before["status"] == "inactive"
    assert claim.after["status"] == "active"
    assert await AuditEntry.filter(action="learner.register").count() == 0


async def test_claim_with_another_name_is_refused(api):
    inactive = await _inactive_learner()
    payload = await register(api, name="李四")
    assert problems(payload) == [("name", "INVALID")]
    assert payload["token"] is None
    row = await Learner.get(id=inactive.id)
    assert (row.status, row.phone, row.password_hash) == (LearnerStatus.INACTIVE, None, None)
    assert await Learner.all().count() == 1
    assert await AuditEntry.all().count() == 0
    assert (await code_row()).used_at is None
