"""The verify page and JSON endpoint over HTTP: a refused (rate-limited) scan gets a whole,
readable Chinese page or a JSON answer, each with its own length and Retry-After; numbers issued
under the old check symbol still verify as printed."""

from __future__ import annotations

import secrets

import httpx
import pytest

from models import Certificate, CertificateKind
from resolvers.certificates.numbers import ALPHABET, LEGACY_CHECK_SYMBOLS, new_number
from resolvers.certificates.requests import request_certificate
from resolvers.core.actors import Actor, ActorKind
from tests.achievement_fixtures import AchievementWorld, build_world, stored_row
from tests.conftest import app_with_limits

CHECK = "query Check($number: String!) { certificateVerify(number: $number) { number status } }"


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


def _tight_app(settings):
    return app_with_limits(settings, verify="2/minute")


def _whole(response: httpx.Response) -> None:
    assert int(response.headers["content-length"]) == len(response.content)


async def test_a_refused_scan_gets_a_whole_chinese_page_and_json_its_own_answer(db, settings):
    app = _tight_app(settings)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            allowed = [await client.get(f"/verify/{new_number()}") for _ in range(2)]
            pages = [await client.get(f"/verify/{new_number()}") for _ in range(2)]
            answer = await client.get(f"/api/verify/{new_number()}")
    finally:
        await app.state.services.jobs.close()
    assert [r.status_code for r in allowed] == [404, 404]
    for page in pages:
        assert page.status_code == 429
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["retry-after"] == "60"
        assert page.headers["cache-control"] == "no-store"
        _whole(page)
        assert page.text.rstrip().endswith("</html>")
        assert "请求过于频繁" in page.text and "60秒后" in page.text
        assert '<html lang="zh-CN">' in page.text
    assert answer.status_code == 429
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["retry-after"] == "60"
    _whole(answer)
    assert "请求过于频繁" in answer.json()["error"]


async def _certificate(api, world) -> Certificate:
    achievement = await stored_row(world.learner, world.entry, f"P-{new_number()}")
    actor = Actor(ActorKind.LEARNER, world.learner.id, world.learner.name)
    return await request_certificate(
        actor, api.services.issuer, CertificateKind.PROOF, [achievement.id], 90
    )


def _old_number(check_value: int) -> str:
    value = secrets.randbits(80)
    value = value - value % 37 + check_value
    data = "".join(ALPHABET[(value >> shift) & 31] for shift in range(75, -1, -5))
    groups = [data[i : i + 4] for i in range(0, 16, 4)]
    return "-".join([*groups, LEGACY_CHECK_SYMBOLS[value % 37]])


@pytest.mark.parametrize("check_value", [7, 32, 33, 34, 35, 36])
async def test_numbers_issued_under_the_old_check_still_verify(api, world, check_value):
    certificate = await _certificate(api, world)
    old = _old_number(check_value)
    await Certificate.filter(id=certificate.id).update(number=old)
    typed = [old, old.lower(), old.replace("-", " ")]
    if old[-1] in "*~$=":
        typed.append(old[:-1])  # a chat app dropped the trailing punctuation from the link
    for text in typed:
        body = (await api.client.get(f"/api/verify/{text}")).json()
        assert (body["number"], body["status"]) == (old, "valid"), text
        check = (await api.gql(CHECK, {"number": text}))["certificateVerify"]
        assert (check["number"], check["status"]) == (old, "VALID"), text
    page = await api.client.get(f"/verify/{old}")
    assert page.status_code == 200 and 'data-status="valid"' in page.text
    # A typo in an old number is still caught.
    wrong = ("A" if old[0] != "A" else "B") + old[1:]
    assert (await api.client.get(f"/api/verify/{wrong}")).status_code == 404


async def test_a_new_number_with_a_typo_is_not_found_even_when_it_looks_old(api, world):
    certificate = await _certificate(api, world)
    bare = certificate.number.replace("-", "")
    for position in range(len(bare)):
        for symbol in ALPHABET + "*~$=U":
            if symbol == bare[position]:
                continue
            text = bare[:position] + symbol + bare[position + 1 :]
            response = await api.client.get(f"/api/verify/{text}")
            assert response.status_code == 404, text
