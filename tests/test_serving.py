"""The server as it is started for real (``python -m graphql_api.serve``, as ``make run`` and the
Procfile start it), in a subprocess on a free loopback port: the client address has one source
of truth (``TRUSTED_PROXIES``), so forwarded headers do not dodge the rate limits; and without
``PUBLIC_BASE_URL`` the addresses in certificates follow the port the server serves on."""

from __future__ import annotations

import base64
import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image
from starlette.requests import Request

from graphql_api import serve
from graphql_api.context import client_address
from graphql_api.settings import PROJECT_DIR
from tests.achievement_fixtures import build_world, stored_row

LOGIN = """mutation($input: LoginInput!) {
  learnerLogin(input: $input) { errors { field code message } token } }"""
REQUEST = """mutation($input: CertificateRequestInput!) {
  certificateRequest(input: $input) { errors { field code message }
    certificate { id number verifyUrl credential } } }"""
FILES = "query One($id: ID!) { myCertificate(id: $id) { pngUrl } }"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    def __init__(self, port: int, process: subprocess.Popen, log: Path) -> None:
        self.port = port
        self.process = process
        self.log = log
        self.client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60)

    async def gql(self, query: str, variables: dict, headers: dict | None = None) -> dict:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers or {}
        )
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body
        return body["data"]

    async def login_codes(self, account: str, headers: dict) -> list[str]:
        variables = {"input": {"account": account, "password": "wrong1234"}}
        payload = (await self.gql(LOGIN, variables, headers))["learnerLogin"]
        return [error["code"] for error in payload["errors"]]


def _wait_until_up(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server stopped: {log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"the server did not answer: {log.read_text()}")


@pytest.fixture
async def start(
    database: str, tmp_path: Path, signing_key_pem: bytes
) -> AsyncIterator[Callable[..., Served]]:
    """Start ``python -m graphql_api.serve`` on a free loopback port with extra environment."""
    started: list[Served] = []

    def _start(**extra: str) -> Served:
        port = _free_port()
        env = {
            k: v for k, v in os.environ.items() if k not in {"PUBLIC_BASE_URL", "TRUSTED_PROXIES"}
        }
        env.update(
            DATABASE_URL=database,
            VAR_DIR=str(tmp_path / "var"),
            FILES_DIR=str(tmp_path / "files"),
            SIGNING_KEY_PEM=signing_key_pem.decode(),
            SECRET_KEY="serving-test",
            ENVIRONMENT="development",
            **extra,
        )
        log = tmp_path / f"server-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "graphql_api.serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],  # fmt: skip
                cwd=PROJECT_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        served = Served(port, process, log)
        started.append(served)
        _wait_until_up(port, process, log)
        return served

    yield _start
    for served in started:
        await served.client.aclose()
        served.process.terminate()
        served.process.wait(timeout=30)


# Every way of starting the server goes through the one entry point


def test_make_run_the_procfile_and_the_readme_start_the_server_the_same_way():
    makefile = (PROJECT_DIR / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "-m graphql_api.serve --host $(HOST) --port $(PORT)" in recipe
    (web,) = [
        line
        for line in (PROJECT_DIR / "Procfile").read_text().splitlines()
        if line.startswith("web:")
    ]
    assert web.startswith("web: python -m graphql_api.serve ")
    for text in (makefile, web, (PROJECT_DIR / "README.md").read_text()):
        assert "uvicorn --factory" not in text and "--proxy-headers" not in text
    assert "-m graphql_api.serve" in (PROJECT_DIR / "README.md").read_text()


# One source of truth for the client address


_FORWARDING_HEADERS = [
    lambda n: {"X-Forwarded-For": f"203.0.113.{n}"},
    lambda n: {"X-Forwarded-For": f"198.51.100.{n}, 203.0.113.{n}"},
    lambda n: {"X-Real-IP": f"203.0.113.{n}"},
    lambda n: {"Forwarded": f"for=203.0.113.{n}"},
]


async def test_forwarded_headers_from_an_untrusted_client_do_not_dodge_the_limits(db, start):
    served = start()
    answers = [
        await served.login_codes(f"1380000{n:04d}", _FORWARDING_HEADERS[n % 4](n))
        for n in range(30)
    ]
    # The default limit, 20 logins a minute from one address: the forwarded ones are not believed.
    assert answers[:20] == [["INVALID_CREDENTIALS"]] * 20
    assert answers[20:] == [["RATE_LIMITED"]] * 10
    statuses = [
        (await served.client.get("/api/verify/NOSUCH", headers=_FORWARDING_HEADERS[n % 4](n)))
        .status_code
        for n in range(70)
    ]  # fmt: skip
    assert statuses[:60] == [404] * 60
    assert statuses[60:] == [429] * 10


async def test_a_trusted_proxy_is_believed_and_only_for_what_it_appended(db, start):
    served = start(TRUSTED_PROXIES="127.0.0.1")
    # Each forwarded client has a window of its own.
    for n in range(30):
        assert await served.login_codes(
            f"1390000{n:04d}", {"X-Forwarded-For": f"203.0.113.{n}"}
        ) == ["INVALID_CREDENTIALS"]
    # What a client wrote itself stands left of what the proxy appended; it is not believed.
    answers = [
        await served.login_codes(
            f"1370000{n:04d}", {"X-Forwarded-For": f"10.0.{n}.1, 198.51.100.7"}
        )
        for n in range(21)
    ]
    assert answers[:20] == [["INVALID_CREDENTIALS"]] * 20
    assert answers[20] == ["RATE_LIMITED"]
    assert await served.login_codes("13600000000", {"X-Forwarded-For": "198.51.100.8"}) == [
        "INVALID_CREDENTIALS"
    ]


def _request(headers: list[tuple[bytes, bytes]], peer: str) -> Request:
    return Request({"type": "http", "headers": headers, "client": (peer, 5000)})


def test_the_client_address_is_read_from_the_right_past_trusted_proxies_only():
    forwarded = [(b"x-forwarded-for", b"1.2.3.4, 203.0.113.9, 10.0.0.2")]
    assert client_address(_request(forwarded, "198.51.100.1"), []) == "198.51.100.1"
    assert client_address(_request(forwarded, "198.51.100.1"), ["10.0.0.0/8"]) == "198.51.100.1"
    assert client_address(_request(forwarded, "10.0.0.3"), ["10.0.0.0/8"]) == "203.0.113.9"
    assert client_address(_request(forwarded, "10.0.0.3"), ["10.0.0.3"]) == "10.0.0.2"
    assert client_address(_request([], "10.0.0.3"), ["10.0.0.0/8"]) == "10.0.0.3"
    assert client_address(_request(forwarded, "::1"), ["::1", "not-an-address"]) == "10.0.0.2"
    two_headers = [(b"x-forwarded-for", b"1.2.3.4"), (b"x-forwarded-for", b"203.0.113.5")]
    assert client_address(_request(two_headers, "127.0.0.1"), ["127.0.0.1"]) == "203.0.113.5"


# Addresses follow the server


def test_the_default_public_address_follows_the_host_and_port():
    assert serve.default_public_base_url("127.0.0.1", 8202) == "http://127.0.0.1:8202"
    assert serve.default_public_base_url("localhost", 9000) == "http://localhost:9000"
    assert serve.default_public_base_url("::1", 8202) == "http://[::1]:8202"
    name = socket.gethostname()
    assert serve.default_public_base_url("0.0.0.0", 8202) == f"http://{name}:8202"
    assert serve.default_public_base_url("::", 8202) == f"http://{name}:8202"


def test_several_processes_or_production_need_a_public_address(monkeypatch, capsys):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setattr(serve.uvicorn, "run", lambda *a, **k: pytest.fail("started"))
    assert serve.main(["--workers", "4"]) == 2
    monkeypatch.setenv("ENVIRONMENT", "production")
    assert serve.main([]) == 2
    assert "PUBLIC_BASE_URL" in capsys.readouterr().err


async def test_certificates_point_at_the_port_the_server_serves_on(api, admin_token, start):
    world = await build_world(api, admin_token)
    row = await stored_row(world.learner, world.entry, "CERT-0001")
    served = start()
    assert served.port != 8000
    headers = {"Authorization": f"Bearer {world.tokens['learner']}"}
    variables = {"input": {"kind": "PROOF", "achievementIds": [str(row.id)], "validityDays": 90}}
    payload = (await served.gql(REQUEST, variables, headers))["certificateRequest"]
    assert payload["errors"] == []
    certificate = payload["certificate"]
    own = f"http://127.0.0.1:{served.port}/verify/{certificate['number']}"
    assert certificate["verifyUrl"] == own
    claims = certificate["credential"].split(".")[1]
    signed = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert own in json.dumps(signed, ensure_ascii=False)
    assert "127.0.0.1:8000" not in json.dumps(signed)
    files = (await served.gql(FILES, {"id": certificate["id"]}, headers))["myCertificate"]
    png = await served.client.get(files["pngUrl"], headers=headers)
    assert png.status_code == 200
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert barcode.text == own
    page = await served.client.get(barcode.text)  # the QR code opens this server's page
    assert page.status_code == 200 and certificate["number"] in page.text
