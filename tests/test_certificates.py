"""Certificates over HTTP: a learner requests a proof or a report, downloads the PNG, the PDF
and the signed credential; the QR code decodes to the verify page, which says valid, expired or
revoked (by the holder, an administrator or a withdrawal); the JSON endpoint and the GraphQL
query agree; the credential checks out with only the published key; verifications are counted
for the holder; bad input and the permission table write nothing."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlsplit

import httpx
import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from models import (
    AchievementStatus,
    AuditEntry,
    Certificate,
    CertificateAchievement,
    CertificateKind,
    CertificateVerification,
    Message,
    StoredFile,
)
from resolvers.certificates import files as certificate_files
from resolvers.certificates import page_plan
from resolvers.certificates.numbers import new_number
from resolvers.certificates.requests import request_certificate
from resolvers.certificates.signing import verify_compact
from resolvers.core.actors import Actor, ActorKind
from tests.achievement_fixtures import (
    ROLES,
    WITHDRAW,
    AchievementWorld,
    build_world,
    make_entry,
    stored_row,
)
from tests.catalogue_fixtures import count_queries
from tests.conftest import app_with_limits
from tests.institution_fixtures import OK, call, check_outcome, codes

CERTIFICATE_FIELDS = (
    "id number kind kindLabel issuedOn validUntil status statusLabel revokedAt revokedReason "
    "credential verifyUrl verificationCount lastVerifiedAt content "
    "verifications { verifiedAt channel }"
)
REQUEST = f"""
mutation Request($input: CertificateRequestInput!) {{
  certificateRequest(input: $input) {{ errors {{ field code message }}
    certificate {{ {CERTIFICATE_FIELDS} }} }}
}}"""
EXTEND = f"""
mutation Extend($id: ID!, $validityDays: Int!) {{
  certificateExtend(id: $id, validityDays: $validityDays) {{ errors {{ field code message }}
    certificate {{ {CERTIFICATE_FIELDS} }} }}
}}"""
END = f"""
mutation End($id: ID!) {{
  certificateEnd(id: $id) {{ errors {{ field code message }}
    certificate {{ {CERTIFICATE_FIELDS} }} }}
}}"""
REVOKE = f"""
mutation Revoke($id: ID!, $reason: String!) {{
  certificateRevoke(id: $id, reason: $reason) {{ errors {{ field code message }}
    certificate {{ {CERTIFICATE_FIELDS} }} }}
}}"""
FILES = "query One($id: ID!) { myCertificate(id: $id) { pngUrl pdfUrl } }"
ONE = f"query One($id: ID!) {{ myCertificate(id: $id) {{ {CERTIFICATE_FIELDS} }} }}"
MINE = f"{{ myCertificates {{ totalCount items {{ {CERTIFICATE_FIELDS} }} }} }}"
CHECK = """query Check($number: String!) { certificateVerify(number: $number) {
  number status statusLabel kind kindLabel issuedOn validUntil revokedAt revokedReason content
  credential } }"""


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


async def _held(world: AchievementWorld, n: int = 2) -> list[str]:
    """``n`` stored achievements of learner 1, deposited by institution 1."""
    rows = [await stored_row(world.learner, world.entry, "CERT-0001")]
    for i in range(1, n):
        entry = await make_entry(world.institution, name=f"课程成果{i}", subtype="higher_course",
                                 details={"course_code": f"K{i}", "original_hours": 32,
                                          "original_credits": "2"}, credits="2")  # fmt: skip
        rows.append(await stored_row(world.learner, entry, f"CERT-000{i + 1}"))
    return [str(row.id) for row in rows]


async def _request(api, world, ids: list[str], kind: str = "PROOF", days: int = 90) -> dict:
    payload = await call(
        api,
        REQUEST,
        {"input": {"kind": kind, "achievementIds": ids, "validityDays": days}},
        world.tokens["learner"],
    )
    assert payload["errors"] == [], payload
    return payload["certificate"]


async def _download(api, url: str, token: str | None) -> bytes:
    response = await api.client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.content


def _qr(image: Image.Image) -> str:
    (barcode,) = zxingcpp.read_barcodes(image)
    return barcode.text


def _pdf_pixels(data: bytes) -> Image.Image:
    (page,) = _pdf_pages(data)
    return page


def _pdf_pages(data: bytes) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(data)
    try:
        return [page.render(scale=2).to_pil() for page in document]
    finally:
        document.close()


async def _page(api, url: str) -> httpx.Response:
    return await api.client.get(urlsplit(url).path)


async def _jwks(api) -> dict:
    response = await api.client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return response.json()


# -- the walk-through of "Done when" -------------------------------------------------------------


async def test_request_download_scan_verify_then_withdrawal_revokes(api, world):
    ids = await _held(world)
    report = await _request(api, world, [], kind="REPORT", days=180)
    assert report["status"] == "VALID" and report["kindLabel"] == "学习成果认证报告"
    assert (
        report["validUntil"]
        == (dt.date.fromisoformat(report["issuedOn"]) + dt.timedelta(180)).isoformat()
    )
    assert [a["certificateNumber"] for a in report["content"]["achievements"]] == [
        "CERT-0001",
        "CERT-0002",
    ]

    # The signed credential checks out with nothing but the published keys.
    payload = verify_compact(report["credential"], await _jwks(api))
    assert "VerifiableCredential" in payload["type"]
    assert payload["credentialSubject"]["holder"]["name"] == "学**"
    assert payload["id"] == report["verifyUrl"]

    # The PNG's QR code is the verify URL, and the page says valid.
    files = (await api.gql(FILES, {"id": report["id"]}, token=world.tokens["learner"]))[
        "myCertificate"
    ]
    png = await _download(api, files["pngUrl"], world.tokens["learner"])
    url = _qr(Image.open(io.BytesIO(png)))
    assert url == report["verifyUrl"] and urlsplit(url).path == f"/verify/{report['number']}"
    page = await _page(api, url)
    assert page.status_code == 200
    assert 'data-status="valid"' in page.text and "证明真实有效" in page.text
    assert "学**" in page.text and world.learner.id_number not in page.text
    # The PDF, rendered to pixels, carries the same QR code.
    pdf = await _download(api, files["pdfUrl"], world.tokens["learner"])
    assert pdf.startswith(b"%PDF-") and _qr(_pdf_pixels(pdf)) == url

    # The institution withdraws one listed achievement: the same page now says revoked.
    withdrawn = await call(
        api, WITHDRAW, {"input": {"ids": [ids[0]], "reason": "证书信息有误"}}, world.tokens["main"]
    )
    assert withdrawn["errors"] == []
    page = await _page(api, url)
    assert 'data-status="revoked"' in page.text and "证书信息有误" in page.text
    check = (await api.gql(CHECK, {"number": report["number"]}))["certificateVerify"]
    assert check["status"] == "REVOKED" and "证书信息有误" in check["revokedReason"]
    told = await Message.filter(recipient_id=world.learner.id, event="achievement.withdrawn")
    assert len(told) == 1 and report["number"] in told[0].body and "证明已随之撤销" in told[0].body


# -- verification --------------------------------------------------------------------------------


async def test_json_graphql_and_page_agree_and_count_for_the_holder(api, world):
    ids = await _held(world, 1)
    proof = await _request(api, world, ids)
    number = proof["number"]
    typed = number.lower().replace("-", " ")  # as typed from paper
    response = await api.client.get(f"/api/verify/{typed}")
    assert response.status_code == 200
    body = response.json()
    check = (await api.gql(CHECK, {"number": typed}))["certificateVerify"]
    assert body["number"] == check["number"] == number
    assert body["status"] == "valid" and check["status"] == "VALID"
    assert body["content"] == check["content"]
    assert body["content"]["holder"] == {
        "name": "学**",
        "idNumber": check["content"]["holder"]["idNumber"],
    }
    assert "*****" in body["content"]["holder"]["idNumber"]
    await _page(api, f"http://x/verify/{number}")
    await api.services.verifications.flush()
    mine = (await api.gql(ONE, {"id": proof["id"]}, token=world.tokens["learner"]))["myCertificate"]
    assert mine["verificationCount"] == 3
    assert sorted(v["channel"] for v in mine["verifications"]) == ["graphql", "json", "page"]
    assert mine["lastVerifiedAt"] is not None


async def test_not_found_typos_and_expired(api, world):
    ids = await _held(world, 1)
    proof = await _request(api, world, ids)
    number = proof["number"]
    # One character changed: the check character catches it, nothing is looked up.
    changed = ("A" if number[0] != "A" else "B") + number[1:]
    for text in (changed, "not-a-number", new_number()):
        response = await api.client.get(f"/api/verify/{text}")
        assert response.status_code == 404 and response.json()["status"] == "not_found"
    page = await api.client.get(f"/verify/{new_number()}")
    assert page.status_code == 404 and "未找到" in page.text
    await Certificate.filter(id=proof["id"]).update(valid_until=dt.date(2020, 1, 1))
    body = (await api.client.get(f"/api/verify/{number}")).json()
    assert body["status"] == "expired" and body["statusLabel"] == "已过期"


async def test_verification_is_rate_limited_per_address(db, settings):
    app = app_with_limits(settings, verify="3/minute")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        statuses = [(await client.get(f"/api/verify/{new_number()}")).status_code for _ in range(4)]
        page = await client.get(f"/verify/{new_number()}")
    assert statuses == [404, 404, 404, 429] and page.status_code == 429
    await app.state.services.jobs.close()


# -- the holder's files and validity -------------------------------------------------------------


async def test_rendered_files_are_kept_until_the_credential_changes(api, world, monkeypatch):
    ids = await _held(world, 1)
    proof = await _request(api, world, ids)
    first = (await api.gql(FILES, {"id": proof["id"]}, token=world.tokens["learner"]))[
        "myCertificate"
    ]
    stored = await StoredFile.all().count()

    def no_render(layout):
        raise AssertionError("rendered again")

    monkeypatch.setattr(certificate_files, "render_png", no_render)
    monkeypatch.setattr(certificate_files, "render_pdf", no_render)
    again = (await api.gql(FILES, {"id": proof["id"]}, token=world.tokens["learner"]))[
        "myCertificate"
    ]
    assert await StoredFile.all().count() == stored
    assert first["pngUrl"].split("?")[0] == again["pngUrl"].split("?")[0]
    monkeypatch.undo()

    extended = await call(
        api, EXTEND, {"id": proof["id"], "validityDays": 365}, world.tokens["learner"]
    )
    assert extended["errors"] == []
    certificate = extended["certificate"]
    assert certificate["validUntil"] > proof["validUntil"]
    assert certificate["credential"] != proof["credential"]
    assert verify_compact(certificate["credential"], await _jwks(api))["validUntil"].startswith(
        certificate["validUntil"]
    )
    renewed = (await api.gql(FILES, {"id": proof["id"]}, token=world.tokens["learner"]))[
        "myCertificate"
    ]
    assert renewed["pngUrl"].split("?")[0] != first["pngUrl"].split("?")[0]
    shorter = await call(
        api, EXTEND, {"id": proof["id"], "validityDays": 30}, world.tokens["learner"]
    )
    assert codes(shorter) == [("validityDays", "INVALID")]


async def test_holder_ends_and_administrator_revokes(api, world):
    ids = await _held(world, 2)
    first = await _request(api, world, ids[:1])
    second = await _request(api, world, ids[1:])
    ended = await call(api, END, {"id": first["id"]}, world.tokens["learner"])
    assert ended["certificate"]["status"] == "REVOKED"
    assert ended["certificate"]["revokedReason"] == "持有人提前终止"
    again = await call(api, END, {"id": first["id"]}, world.tokens["learner"])
    assert codes(again) == [("id", "WRONG_STATE")]

    too_long = await call(
        api, REVOKE, {"id": second["id"], "reason": "理" * 501}, world.admin_token
    )
    assert codes(too_long) == [("reason", "TOO_LONG")]
    revoked = await call(
        api, REVOKE, {"id": second["id"], "reason": "核查发现伪造"}, world.admin_token
    )
    assert revoked["certificate"]["status"] == "REVOKED"
    body = (await api.client.get(f"/api/verify/{second['number']}")).json()
    assert (body["status"], body["revokedReason"]) == ("revoked", "核查发现伪造")
    told = await Message.filter(recipient_id=world.learner.id, event="certificate.revoked")
    assert len(told) == 1 and second["number"] in told[0].body


async def test_bad_requests_write_nothing(api, world):
    ids = await _held(world, 1)
    other = await stored_row(world.other_learner, world.entry, "OTHER-1")
    registered = await stored_row(
        world.learner, world.entry, "REG-1", status=AchievementStatus.REGISTERED
    )
    before = await _rows()
    cases = [
        ({"kind": "PROOF", "achievementIds": []}, [("achievementIds", "REQUIRED")]),
        ({"kind": "PROOF", "achievementIds": [str(other.id)]}, [("achievementIds.0", "NOT_FOUND")]),
        (
            {"kind": "PROOF", "achievementIds": [ids[0], str(registered.id)]},
            [("achievementIds.1", "WRONG_STATE")],
        ),
        (
            {"kind": "PROOF", "achievementIds": ids, "validityDays": 45},
            [("validityDays", "INVALID")],
        ),
        ({"kind": "CONVERSION", "achievementIds": ids}, [("kind", "INVALID")]),
        ({"kind": "PROOF", "achievementIds": ["nope"]}, [("achievementIds.0", "INVALID")]),
    ]
    for data, expected in cases:
        payload = await call(api, REQUEST, {"input": data}, world.tokens["learner"])
        assert codes(payload) == expected, data
    assert await _rows() == before


async def _long_named(world, count: int) -> list[str]:
    ids = []
    for i in range(count):
        entry = await make_entry(
            world.institution,
            name=f"经济统计学与数据科学交叉融合方向毕业证书(本科)第{i}项很长的名称",
        )
        ids.append(str((await stored_row(world.learner, entry, f"LONG-{i:04d}")).id))
    return ids


async def test_a_long_selection_runs_on_over_pages_each_with_the_qr(api, world):
    ids = await _long_named(world, 40)
    proof = await _request(api, world, ids)
    assert len(proof["content"]["achievements"]) == 40
    files = (await api.gql(FILES, {"id": proof["id"]}, token=world.tokens["learner"]))[
        "myCertificate"
    ]
    pages = _pdf_pages(await _download(api, files["pdfUrl"], world.tokens["learner"]))
    assert len(pages) >= 2
    assert all(_qr(page) == proof["verifyUrl"] for page in pages)
    png = Image.open(io.BytesIO(await _download(api, files["pngUrl"], world.tokens["learner"])))
    assert png.height == len(pages) * png.width * 1754 // 1240


async def test_a_selection_beyond_the_page_limit_is_refused(api, world, monkeypatch):
    monkeypatch.setattr(page_plan, "MAX_PAGES", 1)
    ids = await _long_named(world, 40)
    before = await _rows()
    payload = await call(
        api, REQUEST, {"input": {"kind": "PROOF", "achievementIds": ids}}, world.tokens["learner"]
    )
    assert codes(payload) == [("achievementIds", "INVALID")]
    assert "页" in payload["errors"][0]["message"]
    assert await _rows() == before


async def _rows() -> dict[str, list[dict]]:
    return {
        "certificate": await Certificate.all().order_by("id").values(),
        "certificate_achievement": await CertificateAchievement.all().order_by("id").values(),
        "message": await Message.all().order_by("id").values(),
        "audit_entry": await AuditEntry.all().order_by("id").values(),
    }


# -- permissions ---------------------------------------------------------------------------------


def _outcomes(**overrides: str) -> dict[str, str]:
    outcomes = dict.fromkeys(ROLES, "FORBIDDEN")
    outcomes["anonymous"] = "UNAUTHENTICATED"
    outcomes.update(overrides)
    return outcomes


async def _own_certificate(api, world) -> Certificate:
    """A proof learner 1 holds, issued through the use-case (its mutation is tested above)."""
    achievement = await stored_row(world.learner, world.entry, f"P-{new_number()}")
    actor = Actor(ActorKind.LEARNER, world.learner.id, world.learner.name)
    return await request_certificate(
        actor, api.services.issuer, CertificateKind.PROOF, [achievement.id], 90
    )


async def _request_vars(api, world, role):
    achievement = await stored_row(world.learner, world.entry, f"R-{role}")
    return {"input": {"kind": "PROOF", "achievementIds": [str(achievement.id)]}}


async def _id_vars(api, world, role):
    return {"id": str((await _own_certificate(api, world)).id)}


async def _extend_vars(api, world, role):
    return {"id": str((await _own_certificate(api, world)).id), "validityDays": 365}


async def _revoke_vars(api, world, role):
    return {"id": str((await _own_certificate(api, world)).id), "reason": "测试撤销"}


PERMISSIONS = [
    (
        "certificateRequest",
        REQUEST,
        _request_vars,
        _outcomes(learner=OK, other_learner="NOT_FOUND"),
    ),
    ("certificateExtend", EXTEND, _extend_vars, _outcomes(learner=OK, other_learner="NOT_FOUND")),
    ("certificateEnd", END, _id_vars, _outcomes(learner=OK, other_learner="NOT_FOUND")),
    ("certificateRevoke", REVOKE, _revoke_vars, _outcomes(admin=OK)),
]


@pytest.mark.parametrize(
    ("name", "query", "variables", "outcomes"), PERMISSIONS, ids=[p[0] for p in PERMISSIONS]
)
async def test_permission_table(api, world, name, query, variables, outcomes):
    for role in ROLES:
        data = await variables(api, world, role)
        await check_outcome(api, query, data, world.tokens[role], outcomes[role], _rows, role)


def test_every_certificate_mutation_is_in_the_table():
    from graphql_api.schema import schema

    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    names = {name for name in mutation_type.fields if name.startswith("certificate")}
    assert names == {row[0] for row in PERMISSIONS}


# -- SQL statements per list ---------------------------------------------------------------------

MINE_VERIFIED = """{ myCertificates(pageSize: 50) { totalCount
  items { number verificationCount verifications(limit: 2) { verifiedAt channel } } } }"""


async def _verified_certificates(api, world, count: int) -> None:
    """``count`` more certificates of learner 1, each verified three times an hour apart."""
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for _ in range(count):
        certificate = await _own_certificate(api, world)
        for hour, channel in enumerate(("page", "json", "graphql")):
            await CertificateVerification.create(
                certificate=certificate,
                channel=channel,
                verified_at=start + dt.timedelta(hours=hour),
            )


async def _mine_statements(api, world, monkeypatch, size: int) -> int:
    with count_queries(monkeypatch) as statements:
        data = await api.gql(MINE_VERIFIED, token=world.tokens["learner"])
    mine = data["myCertificates"]
    assert mine["totalCount"] == len(mine["items"]) == size
    for item in mine["items"]:
        assert item["verificationCount"] == 3
        assert [v["channel"] for v in item["verifications"]] == ["graphql", "json"]
    return len(statements)


async def test_verifications_of_a_list_run_the_same_statements_for_2_rows_as_for_8(
    api, world, monkeypatch
):
    await _verified_certificates(api, world, 2)
    few = await _mine_statements(api, world, monkeypatch, 2)
    await _verified_certificates(api, world, 6)
    many = await _mine_statements(api, world, monkeypatch, 8)
    assert few == many
