"""Verification and certificate files against their baselines, in one run.

    .venv/bin/python -m bench.verify_bench [--requests 4000] [--certificates 10000]
                                           [--postgres URL]

On a fresh database (SQLite, and PostgreSQL when ``--postgres`` is given) holding
``--certificates`` certificates:

- verify: requests per second of the app's JSON endpoint ``/api/verify/<number>``, of its verify
  page ``/verify/<number>`` and of the GraphQL ``certificateVerify`` query, against a bare
  Starlette endpoint doing the same indexed lookup and JSON answer; every request through
  httpx's ASGI transport with 8 in flight, from 2,000 addresses behind a trusted proxy, so the
  production rate limit (60 a minute per address) is checked on every request but stops none.
  Target: JSON endpoint ≥ 0.75 × bare.
- files: the first PNG of a certificate (render in a thread and store) against a second request
  for it (the kept file). Target: ≥ 20× faster.

Each measure is taken ``--repeat`` times, alternating, and the best counts.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tortoise.context import TortoiseContext, set_global_context
from tortoise.migrations.api.migrate import migrate

from bench.databases import SQLITE, drop, fresh_database

IN_FLIGHT = 8
CALLERS = 2000


async def _certificates(count: int, issuer) -> tuple[list[str], uuid.UUID]:
    """``count`` proofs of one learner, written in bulk; their numbers and the learner's id."""
    from models import CertificateKind, IdType, LearnerStatus
    from resolvers.accounts.learners import create_with_card
    from resolvers.catalogue.taxonomy import ensure_default_taxonomy
    from resolvers.certificates.issuing import sign_certificate
    from resolvers.certificates.numbers import new_number
    from resolvers.core.bulk_rows import insert_rows
    from resolvers.core.clock import now, today
    from resolvers.core.ids import time_ordered_id
    from resolvers.core.validation import resident_id_check_char

    await ensure_default_taxonomy()
    first17 = "43010219900101123"
    learner = await create_with_card(
        name="张三",
        id_type=IdType.RESIDENT_ID,
        id_number=first17 + resident_id_check_char(first17),
        status=LearnerStatus.ACTIVE,
    )
    snapshot = {
        "holder": {"name": learner.name, "idNumber": learner.id_number},
        "achievements": [
            {
                "name": "经济统计学毕业证书(本科)",
                "category": "学历成果",
                "subtype": "普通高等教育学历证书",
                "issuer": "长沙理工大学",
                "certificateNumber": "CSUST-2016-0001",
                "issueDate": "2020-06-30",
                "credits": "10",
                "source": "机构存储",
            }
        ],
    }
    issued, until = today(), today() + dt.timedelta(days=180)
    issued_at = dt.datetime.combine(issued, dt.time.min, dt.UTC)
    numbers, rows = [], []
    for _ in range(count):
        number = new_number()
        numbers.append(number)
        rows.append(
            {
                "id": time_ordered_id(),
                "number": number,
                "kind": CertificateKind.PROOF,
                "learner_id": learner.id,
                "application_id": None,
                "snapshot": snapshot,
                "issued_on": issued,
                "valid_until": until,
                "credential": sign_certificate(
                    issuer, number, CertificateKind.PROOF, snapshot, issued_at, until
                ),
                "key_id": issuer.signer.kid,
                "created_at": now(),
                "updated_at": now(),
            }
        )
    from models import Certificate

    await insert_rows(Certificate, rows)
    return numbers, learner.id


def _fresh_key() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _bare_app() -> Starlette:
    """The baseline: the same indexed lookup, answered with the same JSON fields."""
    from models import Certificate
    from resolvers.certificates.issuing import public_subject
    from resolvers.certificates.lifecycle import STATUS_LABELS, status_of

    async def bare(request: Request) -> JSONResponse:
        row = await Certificate.get_or_none(number=request.path_params["number"])
        if row is None:
            return JSONResponse({"status": "not_found"}, status_code=404)
        status = status_of(row)
        return JSONResponse(
            {
                "number": row.number,
                "status": status,
                "statusLabel": STATUS_LABELS[status],
                "kind": row.kind.value,
                "kindLabel": row.kind.label,
                "issuedOn": row.issued_on.isoformat(),
                "validUntil": row.valid_until.isoformat(),
                "revokedAt": None,
                "revokedReason": None,
                "content": public_subject(row.snapshot),
                "verifyUrl": f"http://127.0.0.1:8000/verify/{row.number}",
                "credential": row.credential,
                "keyId": row.key_id,
            }
        )

    return Starlette(routes=[Route("/bare/{number}", bare)])


async def _rate(
    client: httpx.AsyncClient, send: Callable[[httpx.AsyncClient, str], Awaitable[None]],
    numbers: list[str], requests: int,
) -> float:  # fmt: skip
    """Requests per second with ``IN_FLIGHT`` requests in flight."""
    chosen = [random.choice(numbers) for _ in range(requests)]
    queue = iter(chosen)

    async def worker() -> None:
        for number in queue:
            await send(client, number)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return requests / (time.perf_counter() - start)


# Verifiers behind the bank's proxy: an employer's or a school's system each, every one with
# its own rate-limit window of the production size (60 a minute), none of them over it.
_CALLERS = [{"X-Forwarded-For": f"10.{n // 250}.{n % 250}.{1 + n % 7}"} for n in range(CALLERS)]


def _caller() -> dict[str, str]:
    return random.choice(_CALLERS)


async def _get(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers=_caller())
    assert response.status_code == 200, response.text


_CHECK = "query($n: String!) { certificateVerify(number: $n) { status content credential } }"


async def _graphql(client: httpx.AsyncClient, number: str) -> None:
    response = await client.post(
        "/graphql", json={"query": _CHECK, "variables": {"n": number}}, headers=_caller()
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.text


async def _files(
    app, learner_id: uuid.UUID, numbers: list[str], samples: int
) -> tuple[float, float]:
    """Median seconds of a first PNG (read the certificate, render, store) and of a second (read
    the certificate, find the kept file), as two requests for the download would take."""
    from models import Certificate
    from resolvers.certificates.files import certificate_file
    from resolvers.core.actors import Actor, ActorKind
    from resolvers.core.files import FileKind

    services = app.state.services
    actor = Actor(ActorKind.LEARNER, learner_id, "张三")
    first: list[float] = []
    second: list[float] = []
    for number in numbers[:samples]:
        for times in (first, second):
            start = time.perf_counter()
            certificate = await Certificate.get(number=number)
            await certificate_file(
                actor, certificate, services.issuer, services.storage, FileKind.PNG
            )
            times.append(time.perf_counter() - start)
    return statistics.median(first), statistics.median(second)


async def _measure(kind: str, args: argparse.Namespace, workdir: Path) -> None:
    from graphql_api.app import create_app
    from graphql_api.settings import Settings, tortoise_config
    from notifications.sms import MemorySmsSender
    from resolvers.certificates.signing import publish_key
    from resolvers.core.throttle import Throttle

    url, name = await fresh_database(kind, workdir)
    try:
        async with TortoiseContext():
            await migrate(config=tortoise_config(url))
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url))
            set_global_context(ctx)
            settings = Settings(
                database_url=url,
                secret_key="bench",
                signing_key_pem=_fresh_key(),
                files_dir=workdir / f"files-{uuid.uuid4().hex[:6]}",
                trusted_proxies=["127.0.0.1"],
            )
            app = create_app(settings, init_orm=False, sms=MemorySmsSender(), throttle=Throttle())
            await publish_key(app.state.services.signer)
            numbers, learner_id = await _certificates(args.certificates, app.state.services.issuer)
            bare = _bare_app()
            rates: dict[str, list[float]] = {"bare": [], "json": [], "page": [], "graphql": []}
            app_transport = httpx.ASGITransport(app=app)
            bare_transport = httpx.ASGITransport(app=bare)
            async with (
                httpx.AsyncClient(transport=app_transport, base_url="http://b") as client,
                httpx.AsyncClient(transport=bare_transport, base_url="http://b") as baseline,
            ):
                senders = {
                    "bare": (baseline, lambda c, n: _get(c, f"/bare/{n}")),
                    "json": (client, lambda c, n: _get(c, f"/api/verify/{n}")),
                    "page": (client, lambda c, n: _get(c, f"/verify/{n}")),
                    "graphql": (client, _graphql),
                }
                for c, send in senders.values():  # warm up
                    await _rate(c, send, numbers, 200)
                for _ in range(args.repeat):
                    for name_, (c, send) in senders.items():
                        rates[name_].append(await _rate(c, send, numbers, args.requests))
                    await app.state.services.verifications.flush()
            first, second = await _files(app, learner_id, numbers, args.samples)
            await app.state.services.verifications.close()
            await app.state.services.jobs.close()
    finally:
        await drop(kind, name)
    best = {key: max(values) for key, values in rates.items()}
    label = "SQLite" if kind == SQLITE else "PostgreSQL"
    print(f"\n{label}: {args.certificates:,} certificates, {args.requests:,} requests per run, "
          f"{IN_FLIGHT} in flight, best of {args.repeat}")  # fmt: skip
    print(f"{'':>22} {'requests/s':>11} {'× bare':>8}")
    for key, title in (
        ("bare", "bare lookup + JSON"),
        ("json", "/api/verify (JSON)"),
        ("page", "/verify (page)"),
        ("graphql", "certificateVerify"),
    ):
        print(f"{title:>22} {best[key]:>11,.0f} {best[key] / best['bare']:>8.2f}")
    ratio = best["json"] / best["bare"]
    verdict = "meets" if ratio >= 0.75 else "MISSES"
    print(f"JSON endpoint / bare: {ratio:.2f} ({verdict} the 0.75 target)")
    speedup = first / second
    verdict = "meets" if speedup >= 20 else "MISSES"
    print(f"PNG first (render + store) {first * 1000:.1f} ms, kept {second * 1000:.2f} ms: "
          f"{speedup:.0f}× faster ({verdict} the 20× target)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--certificates", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--postgres", default="")
    parser.add_argument("--database", default="", help=argparse.SUPPRESS)  # one, in this process
    args = parser.parse_args()
    if args.database:
        with tempfile.TemporaryDirectory() as directory:
            asyncio.run(_measure(args.database, args, Path(directory)))
        return
    # Each database in a process of its own: Tortoise keeps its statements per model class.
    for kind in [SQLITE] + ([args.postgres] if args.postgres else []):
        subprocess.run(
            [sys.executable, "-m", "bench.verify_bench", *sys.argv[1:], "--database", kind],
            check=True,
        )


if __name__ == "__main__":
    main()
