"""One way of showing time: machines get ISO 8601 in UTC (+00:00) from /api/verify,
certificateVerify and the signed credential, the same instant in the same text; people read
Beijing time, and the page says so."""

from __future__ import annotations

import datetime as dt

import pytest

from models import Certificate, CertificateKind
from resolvers.certificates.credentials import build_credential
from resolvers.certificates.requests import request_certificate
from resolvers.certificates.signing import verify_compact
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import SHANGHAI, beijing, beijing_text, iso, utc
from tests.achievement_fixtures import AchievementWorld, build_world, stored_row

CHECK = """query Check($number: String!) { certificateVerify(number: $number) {
  number status issuedOn validUntil validFrom validThrough revokedAt credential } }"""
MINE = "query One($id: ID!) { myCertificate(id: $id) { revokedAt lastVerifiedAt } }"
REVOKED_AT = dt.datetime(2026, 11, 30, 18, 5, 42, 123456, tzinfo=dt.UTC)  # 12-01 02:05 Beijing


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


async def _certificate(api, world) -> Certificate:
    achievement = await stored_row(world.learner, world.entry, "TIME-0001")
    actor = Actor(ActorKind.LEARNER, world.learner.id, world.learner.name)
    return await request_certificate(
        actor, api.services.issuer, CertificateKind.PROOF, [achievement.id], 90
    )


async def _answers(api, number: str) -> tuple[dict, dict, dict]:
    body = (await api.client.get(f"/api/verify/{number}")).json()
    check = (await api.gql(CHECK, {"number": number}))["certificateVerify"]
    jwks = (await api.client.get("/.well-known/jwks.json")).json()
    return body, check, verify_compact(body["credential"], jwks)


async def test_the_same_instant_reads_the_same_for_every_machine(api, world):
    certificate = await _certificate(api, world)
    body, check, credential = await _answers(api, certificate.number)
    assert body["validFrom"] == check["validFrom"] == credential["validFrom"]
    assert body["validThrough"] == check["validThrough"] == credential["validUntil"]
    for text in (body["validFrom"], body["validThrough"]):
        assert text.endswith("+00:00")
    # The instants are the Beijing days the certificate shows.
    start = dt.datetime.fromisoformat(body["validFrom"])
    end = dt.datetime.fromisoformat(body["validThrough"])
    assert beijing(start) == dt.datetime.combine(certificate.issued_on, dt.time.min, SHANGHAI)
    assert beijing(end) == dt.datetime.combine(
        certificate.valid_until, dt.time(23, 59, 59), SHANGHAI
    )
    assert body["issuedOn"] == check["issuedOn"] == certificate.issued_on.isoformat()


async def test_a_revocation_time_is_utc_for_machines_and_beijing_for_people(api, world):
    certificate = await _certificate(api, world)
    await Certificate.filter(id=certificate.id).update(
        revoked_at=REVOKED_AT, revoked_reason="核查发现伪造", revoked_by_kind="admin"
    )
    body, check, _ = await _answers(api, certificate.number)
    assert body["status"] == "revoked"
    assert body["revokedAt"] == check["revokedAt"] == "2026-11-30T18:05:42.123456+00:00"
    mine = (await api.gql(MINE, {"id": str(certificate.id)}, token=world.tokens["learner"]))[
        "myCertificate"
    ]
    assert mine["revokedAt"] == body["revokedAt"]
    assert mine["lastVerifiedAt"] is None or mine["lastVerifiedAt"].endswith("+00:00")

    page = (await api.client.get(f"/verify/{certificate.number}")).text
    assert "<th>撤销时间</th><td>2026-12-01 02:05（北京时间）</td>" in page
    assert "18:05" not in page  # the UTC clock time is never shown to a person
    assert "本页日期、时间均为北京时间" in page


def test_clock_formats():
    moment = dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.UTC)
    assert iso(moment) == "2026-12-01T10:30:00+00:00"
    assert iso(moment.astimezone(SHANGHAI)) == iso(moment)
    assert beijing_text(moment) == "2026-12-01 18:30（北京时间）"
    assert utc(moment.astimezone(SHANGHAI)).utcoffset() == dt.timedelta(0)
    for naive_use in (iso, beijing_text, utc):
        with pytest.raises(ValueError):
            naive_use(dt.datetime(2026, 12, 1, 10, 30))


def test_the_credential_states_its_times_in_utc_to_the_second():
    credential = build_credential(
        number="K3F9-7QZ2-M8XD-4TPA-7",
        kind=CertificateKind.PROOF,
        kind_label="学习成果证明",
        verify_url="https://xf.example.cn/verify/K3F9-7QZ2-M8XD-4TPA-7",
        issuer_url="https://xf.example.cn",
        issuer_name="学分银行",
        issued_at=dt.datetime(2026, 12, 1, 0, 0, 0, 999, tzinfo=SHANGHAI),
        valid_until=dt.date(2027, 1, 1),
        subject={},
    )
    assert credential["validFrom"] == "2026-11-30T16:00:00+00:00"
    assert credential["validUntil"] == "2027-01-01T15:59:59+00:00"
