"""The README's examples run as written on the demo database (the SMS code taken from the
sender, as a reader takes it from the server log)."""

from __future__ import annotations

import re
from pathlib import Path

from resolvers.demo import load_demo_data

README = Path(__file__).resolve().parent.parent / "README.md"


def _documents(marker: str) -> list[str]:
    """The GraphQL documents of the README's ```graphql block that contains ``marker``."""
    blocks = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    (block,) = [block for block in blocks if marker in block]
    return [doc.strip() for doc in re.split(r"\n\s*\n", block) if doc.strip()]


async def test_learner_example_runs_on_the_demo_database(api):
    await load_demo_data(api.services.storage)
    send, register, login, viewer = _documents("learnerRegister")
    sent = (await api.gql(send))["verificationCodeSend"]
    assert sent["errors"] == []
    phone = re.search(r'phone: "(\d+)"', send)
    assert phone is not None
    register = register.replace('"123456"', f'"{api.last_code(phone.group(1))}"')
    registered = (await api.gql(register))["learnerRegister"]
    assert registered["errors"] == [] and registered["token"]
    logged_in = (await api.gql(login))["learnerLogin"]
    assert logged_in["errors"] == []
    me = (await api.gql(viewer, token=logged_in["token"]))["viewer"]
    assert me["kind"] == "LEARNER" and me["learner"]["statusLabel"]
