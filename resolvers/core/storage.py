"""Where uploaded files live: a small storage interface and its local-folder default.

An S3-compatible store can stand behind the same three methods when several machines serve the
app (STYLE.md, "One machine, then many")."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*(\.[A-Za-z0-9]+)?")


class Storage(Protocol):
    async def save(self, key: str, data: bytes) -> None: ...

    async def open(self, key: str) -> bytes:
        """The content stored under ``key``; FileNotFoundError when there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key``; nothing happens when it is already gone."""
        ...


def _check_key(key: str) -> str:
    if not _KEY.fullmatch(key) or len(key) > 200:
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalFolderStorage:
    """Files under one folder, written atomically (a temporary file, then a rename)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / _check_key(key)

    async def save(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self.path(key), data)

    async def open(self, key: str) -> bytes:
        return await asyncio.to_thread(self.path(key).read_bytes)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path(key).unlink, missing_ok=True)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        try:
            with open(partial, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
