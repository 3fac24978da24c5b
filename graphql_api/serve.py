"""The one way to start the web server: ``python -m graphql_api.serve [--host H] [--port P]
[--workers N]`` (``make run``, the Procfile's ``web`` and the README all use it).

It runs uvicorn with its proxy-header handling off, so the client address has one source of
truth, the app's ``TRUSTED_PROXIES`` (uvicorn would otherwise believe X-Forwarded-For from
loopback and rewrite the address before the app's rate limits see it). And it knows where it
serves: without ``PUBLIC_BASE_URL`` the verify address printed in certificates follows the host
and port it was started on. Several processes (``--workers`` above 1, normally behind a proxy)
and production need ``PUBLIC_BASE_URL`` set: a signed credential cannot be corrected later."""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys

import uvicorn

WILDCARD_HOSTS = {"0.0.0.0", "::", ""}


def default_public_base_url(host: str, port: int) -> str:
    """Where this server's verify pages are when nothing says otherwise: the host and port it
    serves on; on every interface (``0.0.0.0``), the machine's name, which a phone on the same
    network can resolve more often than 127.0.0.1 (that one opens the phone itself)."""
    name = socket.gethostname() if host in WILDCARD_HOSTS else host
    try:
        if ipaddress.ip_address(name).version == 6:
            name = f"[{name}]"
    except ValueError:
        pass
    return f"http://{name}:{port}"


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m graphql_api.serve", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = _options(argv)
    if not os.environ.get("PUBLIC_BASE_URL"):
        if options.workers > 1 or os.environ.get("ENVIRONMENT") == "production":
            print(
                "PUBLIC_BASE_URL must be set with several processes or in production: it is "
                "the address printed in every certificate's QR code (e.g. https://xf.example.cn)",
                file=sys.stderr,
            )
            return 2
        # Read by Settings.from_env in this process and in the workers uvicorn starts.
        os.environ["PUBLIC_BASE_URL"] = default_public_base_url(options.host, options.port)
    uvicorn.run(
        "graphql_api.app:create_app",
        factory=True,
        host=options.host,
        port=options.port,
        workers=options.workers if options.workers > 1 else None,
        proxy_headers=False,
        forwarded_allow_ips=[],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
