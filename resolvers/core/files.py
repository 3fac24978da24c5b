"""Uploaded files: checked by content, stored behind a Storage, attached to the objects that use
them, and read through short-lived download links signed for the actor who asked."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from models import AuditEntry, FeedbackReply, LearnerAchievement, ProblemFeedback, StoredFile
from resolvers.core import audit
from resolvers.core.actors import Actor, ActorKind, require_authenticated
from resolvers.core.clock import day_start, now, today
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.storage import Storage

MAX_FILE_SIZE = 10 * 1024 * 1024
DOWNLOAD_TTL = 300
MAX_FILENAME = 200
_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f\"\\/]")


@dataclass(frozen=True)
class UploadQuota:
    """What one account may upload in a day (Beijing time), files and bytes, through every
    upload path (fileUpload, importStart); ``UPLOAD_DAILY_FILES`` / ``UPLOAD_DAILY_MB``."""

    files: int = 100
    bytes: int = 200 * 1024 * 1024


class FileKind(StrEnum):
    PDF = "pdf"
    XLSX = "xlsx"
    PNG = "png"


@dataclass(frozen=True)
class _KindRule:
    label: str
    content_type: str
    extension: str
    matches: Callable[[bytes], bool]


_KINDS: dict[FileKind, _KindRule] = {
    FileKind.PDF: _KindRule(
        "PDF", "application/pdf", ".pdf", lambda data: data.startswith(b"%PDF-")
    ),
    FileKind.XLSX: _KindRule(
        "Excel (.xlsx)",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xlsx",
        lambda data: data.startswith(b"PK\x03\x04"),
    ),
    FileKind.PNG: _KindRule(
        "PNG", "image/png", ".png", lambda data: data.startswith(b"\x89PNG\r\n\x1a\n")
    ),
}


def content_type_of(kind: FileKind) -> str:
    return _KINDS[kind].content_type


def _clean_filename(filename: str, rule: _KindRule) -> str:
    name = re.split(r"[/\\]", filename or "")[-1]
    name = _UNSAFE_FILENAME.sub("_", name).strip().strip(".")
    if not name:
        name = f"file{rule.extension}"
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_FILENAME - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_FILENAME]
    return name


def check_content(data: bytes, kind: FileKind = FileKind.PDF, field: str = "file") -> None:
    """Refuse an empty file, one over 10 MB, or one whose content is not of ``kind``."""
    rule = _KINDS[kind]
    if not data:
        raise DomainError.of(ErrorCode.REQUIRED, "文件为空，请重新选择文件", field)
    if len(data) > MAX_FILE_SIZE:
        raise DomainError.of(ErrorCode.TOO_LONG, "文件大小不能超过10MB", field)
    if not rule.matches(data):
        raise DomainError.of(ErrorCode.INVALID, f"文件内容不是{rule.label}格式", field)


async def store_upload(
    actor: Actor,
    filename: str,
    data: bytes,
    storage: Storage,
    kind: FileKind = FileKind.PDF,
    quota: UploadQuota | None = None,
) -> StoredFile:
    """Keep an uploaded file for the actor who sent it, after checking what it contains and that
    the actor's uploads of today stay within ``quota``; nothing is kept otherwise."""
    require_authenticated(actor)
    if actor.id is None:
        raise DomainError.of(ErrorCode.NOT_ALLOWED, "该账户不能上传文件")
    check_content(data, kind)
    rule = _KINDS[kind]
    file_id = uuid.uuid4()
    key = f"{file_id.hex[:2]}/{file_id.hex}{rule.extension}"
    async with in_transaction() as connection:
        if connection.capabilities.dialect == "postgres":
            # One upload of an account at a time, so that concurrent ones cannot all pass the
            # quota (SQLite serialises writers: the row written below comes first there).
            lock = f"creditbank.upload/{actor.kind.value}/{actor.id}"
            await connection.execute_query("SELECT pg_advisory_xact_lock(hashtext($1))", [lock])
        row = await StoredFile.create(
            id=file_id,
            owner_kind=actor.kind.value,
            owner_id=actor.id,
            institution_id=actor.institution_id,
            filename=_clean_filename(filename, rule),
            content_type=rule.content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_key=key,
        )
        await audit.record(actor, "file.upload", row, after=audit.snapshot(row))
        await _check_quota(actor, quota or UploadQuota())
        await storage.save(key, data)
    return row


async def _check_quota(actor: Actor, quota: UploadQuota) -> None:
    """Today's uploads of the actor, this one included, against the quota."""
    uploaded = await AuditEntry.filter(
        action="file.upload",
        actor_kind=actor.kind.value,
        actor_id=actor.id,
        at__gte=day_start(today()),
    ).values_list("object_id", flat=True)
    if len(uploaded) > quota.files:
        raise DomainError.of(
            ErrorCode.RATE_LIMITED, f"今日上传文件已达{quota.files}个的上限，请明天再试", "file"
        )
    sizes = await StoredFile.filter(id__in=list(uploaded)).values_list("size", flat=True)
    if sum(int(size) for size in sizes) > quota.bytes:  # type: ignore[call-overload]
        megabytes = quota.bytes // (1024 * 1024)
        raise DomainError.of(
            ErrorCode.RATE_LIMITED, f"今日上传文件已达{megabytes}MB的上限，请明天再试", "file"
        )


async def store_generated(
    actor: Actor,
    filename: str,
    data: bytes | Path,
    storage: Storage,
    kind: FileKind = FileKind.XLSX,
    *,
    for_institution: bool = False,
) -> StoredFile:
    """Keep a file the server made for ``actor`` (an export), readable by that actor alone, or
    with ``for_institution`` by every user of their institution (an import record's rows); the
    caller records in the audit log why it was made. Inside the caller's transaction, the stored
    content is removed again when the row cannot be written."""
    require_authenticated(actor)
    if actor.id is None:
        raise DomainError.of(ErrorCode.NOT_ALLOWED, "该账户不能保存文件")
    if isinstance(data, Path):
        data = await asyncio.to_thread(data.read_bytes)
    rule = _KINDS[kind]
    file_id = uuid.uuid4()
    key = f"{file_id.hex[:2]}/{file_id.hex}{rule.extension}"
    await storage.save(key, data)
    try:
        return await StoredFile.create(
            id=file_id,
            owner_kind=actor.kind.value,
            owner_id=actor.id,
            institution_id=actor.institution_id if for_institution else None,
            filename=_clean_filename(filename, rule),
            content_type=rule.content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_key=key,
        )
    except BaseException:
        await storage.delete(key)
        raise


def _uploaded_by(actor: Actor, file: StoredFile) -> bool:
    if actor.id is not None and file.owner_kind == actor.kind.value and file.owner_id == actor.id:
        return True
    return (
        actor.acts_for_institution
        and actor.institution_id is not None
        and file.institution_id == actor.institution_id
    )


async def attach_file(
    actor: Actor, file_id: uuid.UUID, field: str, *, kind: FileKind | None = FileKind.PDF
) -> StoredFile:
    """A file the actor uploaded (they, or their institution), to attach to what they submit."""
    file = await StoredFile.get_or_none(id=file_id)
    if file is None or not _uploaded_by(actor, file):
        raise DomainError.of(ErrorCode.NOT_FOUND, "文件不存在，请重新上传", field)
    if kind is not None and file.content_type != _KINDS[kind].content_type:
        raise DomainError.of(ErrorCode.INVALID, f"请上传{_KINDS[kind].label}文件", field)
    return file


async def can_read_file(actor: Actor, file: StoredFile) -> bool:
    """Who may download a file: its uploader (or their institution), the learner and the
    institution of the feedback or withdrawal it is attached to, and administrators."""
    return file.id in await readable_files(actor, [file])


async def readable_files(actor: Actor, files: Sequence[StoredFile]) -> set[uuid.UUID]:
    """The ids of the ``files`` the actor may download (as :func:`can_read_file` decides), in at
    most four statements however many files."""
    if actor.kind == ActorKind.ANONYMOUS:
        return set()
    readable = {file.id for file in files if actor.is_admin or _uploaded_by(actor, file)}
    if actor.is_learner and actor.id is not None:
        scope = {"learner_id": actor.id}
    elif actor.acts_for_institution and actor.institution_id is not None:
        scope = {"institution_id": actor.institution_id}
    else:
        return readable
    rest = [file.id for file in files if file.id not in readable]
    if not rest:
        return readable
    attached: list[Any] = await ProblemFeedback.filter(file_id__in=rest, **scope).values_list(
        "file_id", flat=True
    )
    replies = await FeedbackReply.filter(file_id__in=rest).values_list("feedback_id", "file_id")
    if replies:
        visible: list[Any] = await ProblemFeedback.filter(
            id__in=list({feedback for feedback, _ in replies}), **scope
        ).values_list("id", flat=True)
        threads = set(visible)
        attached += [file for feedback, file in replies if feedback in threads]
    attached += await LearnerAchievement.filter(withdrawn_file_id__in=rest, **scope).values_list(
        "withdrawn_file_id", flat=True
    )
    return readable | {_as_uuid(value) for value in attached}


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def download_link(actor: Actor, file_id: uuid.UUID, secret_key: str) -> str:
    """A signed download link for a file the actor may read; NOT_FOUND otherwise."""
    file = await StoredFile.get_or_none(id=file_id)
    if file is None or not await can_read_file(actor, file):
        raise DomainError.of(ErrorCode.NOT_FOUND, "文件不存在", "id")
    return sign_download(file.id, actor, secret_key)


def _signature(file_id: uuid.UUID, actor: Actor, expires: int, secret_key: str) -> str:
    key = hmac.new(secret_key.encode(), b"creditbank.file-download", hashlib.sha256).digest()
    message = f"{file_id}|{actor.kind.value}|{actor.id}|{expires}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_download(
    file_id: uuid.UUID, actor: Actor, secret_key: str, ttl: int = DOWNLOAD_TTL
) -> str:
    """``/files/<id>?expires=<ts>&sig=<hmac>``, valid for ``ttl`` seconds and only when fetched
    with the same actor's bearer token."""
    expires = int(now().timestamp()) + ttl
    return (
        f"/files/{file_id}?expires={expires}&sig={_signature(file_id, actor, expires, secret_key)}"
    )


def verify_download(
    file_id: uuid.UUID, actor: Actor, expires: str | None, sig: str | None, secret_key: str
) -> bool:
    """Whether a link's signature was made for this file and actor, and has not expired."""
    if not expires or not sig or not expires.isdigit() or actor.kind == ActorKind.ANONYMOUS:
        return False
    deadline = int(expires)
    expected = _signature(file_id, actor, deadline, secret_key)
    return hmac.compare_digest(expected, sig) and now().timestamp() <= deadline
