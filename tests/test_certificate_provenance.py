"""A learner's own claim is shown as a claim: a certificate listing an achievement the learner
registered (matched automatically against a recognised catalogue entry, or stored after an
administrator's review) says so on the verify page, in /api/verify, in certificateVerify, in
the signed credential and on the drawn page, and none of them says more than the bank checked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from urllib.parse import urlsplit

import pytest
from PIL import Image

from models import AchievementSource, Certificate
from resolvers.certificates import page_plan
from resolvers.certificates.layouts import ACHIEVEMENTS_TITLE, layout_of
from resolvers.certificates.signing import verify_compact
from tests.achievement_fixtures import (
    ISSUED,
    REGISTER,
    REVIEW,
    AchievementWorld,
    build_world,
    hand_input,
    register,
    stored_row,
)
from tests.institution_fixtures import call

REQUEST = """
mutation Request($input: CertificateRequestInput!) {
  certificateRequest(input: $input) { errors { field code message }
    certificate { id number content credential verifyUrl } }
}"""
CHECK = """query Check($number: String!) { certificateVerify(number: $number) {
  number status content credential } }"""
FILES = "query One($id: ID!) { myCertificate(id: $id) { pngUrl pdfUrl } }"
VOUCHING = ("证明真实有效", "已经通过学分银行校验")


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


async def _three_ways(api, world) -> dict[str, str]:
    """Learner 1 holds one achievement of each kind: deposited by institution 1, registered and
    matched against its recognised entry with a made-up number, and registered by hand and
    stored by an administrator. Returns their ids by provenance."""
    token = world.tokens["learner"]
    deposited = await stored_row(world.learner, world.entry, "DEP-0001")
    converted = await stored_row(
        world.learner, world.entry, "RULE-0001", source=AchievementSource.CONVERSION
    )
    matched = await register(
        api,
        token,
        {
            "catalogueEntryId": str(world.entry.id),
            "certificateNumber": "MADE-UP-123",
            "issueDate": ISSUED,
        },
    )
    assert matched["status"] == "STORED"
    hand = await call(api, REGISTER, {"input": hand_input(issuerName="某某不存在的学院")}, token)
    assert hand["achievement"]["status"] == "REGISTERED"
    reviewed = await call(
        api,
        REVIEW,
        {"input": {"id": hand["achievement"]["id"], "approve": True, "credits": "2"}},
        world.admin_token,
    )
    assert reviewed["achievement"]["status"] == "STORED"
    return {
        "institution_deposit": str(deposited.id),
        "conversion": str(converted.id),
        "learner_matched": matched["id"],
        "learner_reviewed": hand["achievement"]["id"],
    }


async def _request(api, world, ids: list[str]) -> dict:
    payload = await call(
        api,
        REQUEST,
        {"input": {"kind": "PROOF", "achievementIds": ids, "validityDays": 90}},
        world.tokens["learner"],
    )
    assert payload["errors"] == [], payload
    return payload["certificate"]


def _by_provenance(lines: list[dict]) -> dict[str, dict]:
    return {line["provenance"]: line for line in lines}


async def test_every_reader_of_a_mixed_certificate_sees_where_each_item_comes_from(api, world):
    ids = await _three_ways(api, world)
    proof = await _request(api, world, list(ids.values()))
    number = proof["number"]

    body = (await api.client.get(f"/api/verify/{number}")).json()
    check = (await api.gql(CHECK, {"number": number}))["certificateVerify"]
    credential = verify_compact(
        check["credential"], (await api.client.get("/.well-known/jwks.json")).json()
    )
    for lines in (
        body["content"]["achievements"],
        check["content"]["achievements"],
        credential["credentialSubject"]["achievements"],
        proof["content"]["achievements"],
    ):
        seen = _by_provenance(lines)
        assert set(seen) == set(ids)
        deposited = seen["institution_deposit"]
        assert deposited["provenanceLabel"] == "机构存储" and not deposited["selfRegistered"]
        assert world.institution.name in deposited["provenanceNote"]
        converted = seen["conversion"]
        assert converted["provenanceLabel"] == "转换获取" and not converted["selfRegistered"]
        assert "转换规则" in converted["provenanceNote"]
        matched = seen["learner_matched"]
        assert matched["provenanceLabel"] == "学习者自行登记（自动匹配）"
        assert matched["selfRegistered"] and matched["certificateNumber"] == "MADE-UP-123"
        assert "颁证机构未存入或确认" in matched["provenanceNote"]
        assert matched["depositor"] is None  # the catalogue's institution deposited nothing
        reviewed = seen["learner_reviewed"]
        assert reviewed["provenanceLabel"] == "学习者自行登记（管理员审核）"
        assert "管理员审核" in reviewed["provenanceNote"] and reviewed["selfRegistered"]
    assert body["content"] == check["content"]

    page = await api.client.get(urlsplit(proof["verifyUrl"]).path)
    assert page.status_code == 200 and 'data-status="valid"' in page.text
    for claim in VOUCHING:
        assert claim not in page.text
    assert "证明有效：含学习者自行登记的成果" in page.text
    assert "本证明所列4项成果中有2项由学习者本人登记" in page.text
    assert page.text.count("data-kind='own'") == 2 and page.text.count("data-kind='vouched'") == 2
    assert "学习者自行登记（自动匹配）" in page.text and "学习者自行登记（管理员审核）" in page.text
    assert page.text.count("颁证机构（学习者填写）") == 2
    assert page.text.count("个人成果编号（学习者填写）") == 2
    assert "学分银行确认：本证明由学分银行开具" in page.text

    # The drawn page: a 来源 column, the warning at the top, the legend, no blanket claim.
    certificate = await Certificate.get(number=number)
    layout = layout_of(certificate, proof["verifyUrl"], api.services.issuer.name)
    texts = [text for plan in page_plan.plan_pages(layout) for text in plan.texts()]
    drawn = "".join(texts)
    assert "已经通过学分银行校验" not in drawn and ACHIEVEMENTS_TITLE in texts
    assert "来源" in texts and "机构存储" in texts
    assert "学习者自行登记（自动匹配）" in drawn and "学习者自行登记（管理员审核）" in drawn
    assert "本证明所列4项成果中有2项由学习者自行登记" in drawn and "转换获取" in texts
    assert "未经颁证机构存入或确认" in drawn and "颁证机构未存入或确认" in drawn
    assert "学分银行确认" in drawn
    table = layout.tables[0]
    assert [row[-1] for row in table.rows] == [
        _by_provenance(proof["content"]["achievements"])[p]["provenanceLabel"]
        for p in [line["provenance"] for line in proof["content"]["achievements"]]
    ]

    # The files the holder downloads render with it (the PNG is the drawn page).
    files = (await api.gql(FILES, {"id": proof["id"]}, token=world.tokens["learner"]))[
        "myCertificate"
    ]
    headers = {"Authorization": f"Bearer {world.tokens['learner']}"}
    png = await api.client.get(files["pngUrl"], headers=headers)
    assert png.status_code == 200 and Image.open(io.BytesIO(png.content)).format == "PNG"
    pdf = await api.client.get(files["pdfUrl"], headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


async def test_a_certificate_of_institution_deposits_only_is_vouched_for(api, world):
    deposited = await stored_row(world.learner, world.entry, "DEP-0002")
    proof = await _request(api, world, [str(deposited.id)])
    page = await api.client.get(urlsplit(proof["verifyUrl"]).path)
    assert "证明真实有效" in page.text and "自行登记的成果" not in page.text.split("<footer>")[0]
    assert "data-kind='own'" not in page.text
    certificate = await Certificate.get(number=proof["number"])
    layout = layout_of(certificate, proof["verifyUrl"], "学分银行")
    assert layout.status_note == ""
    assert [row[-1] for row in layout.tables[0].rows] == ["机构存储"]


async def test_a_certificate_issued_before_lines_said_so_shows_what_its_source_says(api, world):
    ids = await _three_ways(api, world)
    proof = await _request(api, world, list(ids.values()))
    certificate = await Certificate.get(number=proof["number"])
    old_keys = {"provenance", "provenanceLabel", "provenanceNote", "selfRegistered", "depositor"}
    certificate.snapshot = {
        **certificate.snapshot,
        "achievements": [
            {k: v for k, v in line.items() if k not in old_keys}
            for line in certificate.snapshot["achievements"]
        ],
    }
    await certificate.save()
    body = (await api.client.get(f"/api/verify/{proof['number']}")).json()
    labels = sorted(line["provenanceLabel"] for line in body["content"]["achievements"])
    assert labels == ["学习者自行登记", "学习者自行登记", "机构存储", "转换获取"]
    page = await api.client.get(f"/verify/{proof['number']}")
    assert "证明真实有效" not in page.text and "本证明所列4项成果中有2项" in page.text
    layout = layout_of(certificate, proof["verifyUrl"], "学分银行")
    assert "有2项由学习者自行登记" in layout.status_note


def test_the_source_column_fits_a_full_page_of_self_registered_rows():
    """Forty rows with the longest source label still lay out (shrunk or on further pages)."""
    row = ["经济统计学毕业证书(本科)", "学历教育", "江苏测试学院", "MADE-UP-123", "2022-06-30"]
    row += ["4", "学习者自行登记（管理员审核）"]
    layout = page_plan.CertificateLayout(
        title="学习成果证明",
        number="K3F9-7QZ2-M8XD-4TPA-7",
        holder_name="学*",
        holder_id_number="3301**********1234",
        tables=[page_plan.Table(ACHIEVEMENTS_TITLE, [*"abcdef", "来源"], [row] * 40)],
        rule_code=None,
        verify_url="https://xf.example.cn/verify/K3F9-7QZ2-M8XD-4TPA-7",
        verify_caption="学习成果证明在线验证网址",
        issuer="学分银行",
        issued_on=dt.date(2026, 12, 1),
        valid_until=dt.date(2027, 3, 1),
    )
    plans = page_plan.plan_pages(dataclasses.replace(layout, notes=["来源说明：", "x" * 300]))
    drawn = "".join(text for plan in plans for text in plan.texts())
    assert drawn.count("学习者自行登记") == 40 and "x" * 40 in drawn
