"""Fresh databases for one benchmark run: a SQLite file, or a PostgreSQL database of its own."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg

SQLITE = "sqlite"


async def fresh_database(kind: str, workdir: Path) -> tuple[str, str]:
    """The URL of a new empty database, and the PostgreSQL database name to drop ('' for
    SQLite). ``kind`` is ``SQLITE`` or a PostgreSQL server URL."""
    if kind == SQLITE:
        return f"sqlite://{workdir / f'bench-{uuid.uuid4().hex[:6]}.sqlite3'}", ""
    name = f"creditbank_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(kind.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return kind.rsplit("/", 1)[0] + "/" + name, name


async def drop(kind: str, name: str) -> None:
    if not name:
        return
    admin = await asyncpg.connect(kind.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
