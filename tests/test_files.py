"""Uploads through the GraphQL multipart request spec, checked by content and size, kept in a real
folder, and read back through short-lived links signed for the actor who asked."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from graphql_api.settings import Settings
from models import AuditEntry, StoredFile
from resolvers.accounts.sessions import authenticate
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.files import (
    MAX_FILE_SIZE,
    attach_file,
    can_read_file,
    download_link,
    sign_download,
)
from resolvers.core.storage import LocalFolderStorage
from tests.institution_fixtures import (
    credit_code,
    login_institution,
    login_learner,
    make_institution,
    make_institution_user,
    make_learner,
    phone,
    resident_id,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
UPLOAD = """
mutation Upload($file: Upload!) {
  fileUpload(file: $file) {
    errors { field code message }
    file { id filename size contentType createdAt downloadUrl }
  }
}"""


@pytest.fixture
def files_dir(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture
def settings(files_dir: Path, signing_key_pem: bytes) -> Settings:
    """The conftest settings, with uploads kept in this test's own folder."""
    return Settings(
        database_url="sqlite://:memory:",
        secret_key="test-secret",
        signing_key_pem=signing_key_pem,
        environment="test",
        graphiql=True,
        sms_sender="memory",
        files_dir=files_dir,
    )


async def upload(
    api, token: str | None, filename: str, data: bytes, content_type: str = "application/pdf"
):
    """A multipart request as the GraphQL multipart request spec describes it."""
    operations = {"query": UPLOAD, "variables": {"file": None}}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await api.client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, data, content_type)},
        headers=headers,
    )


async def upload_payload(api, token: str | None, filename: str, data: bytes) -> dict:
    response = await upload(api, token, filename, data)
    body = response.json()
    assert response.status_code == 200, body
    assert not body.get("errors"), body["errors"]
    return body["data"]["fileUpload"]


async def uploaded(api, token: str, filename: str = "证明.pdf", data: bytes = PDF) -> dict:
    payload = await upload_payload(api, token, filename, data)
    assert payload["errors"] == [], payload
    return payload["file"]


async def fetch(api, url: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await api.client.get(url, headers=headers)


def stored_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


async def learner_token(api, n: int) -> str:
    await make_learner(n)
    return await login_learner(api, resident_id(n, "19950505"))


async def institution_token(api, n: int) -> str:
    await make_institution(n)
    return await login_institution(api, credit_code(n))


async def test_a_learner_uploads_a_pdf_and_downloads_it(api, files_dir):
    token = await learner_token(api, 1)
    file = await uploaded(api, token, "继续教育学时证明.pdf")
    assert file["filename"] == "继续教育学时证明.pdf"
    assert file["size"] == len(PDF)
    assert file["contentType"] == "application/pdf"

    row = await StoredFile.get(id=file["id"])
    assert row.owner_kind == "learner"
    assert row.institution_id is None
    assert row.sha256 == hashlib.sha256(PDF).hexdigest()
    (path,) = stored_files(files_dir)
    assert path.read_bytes() == PDF
    assert await AuditEntry.filter(action="file.upload", object_id=row.id).count() == 1

    url = file["downloadUrl"]
    assert url.startswith(f"/files/{file['id']}?expires=")
    response = await fetch(api, url, token)
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E7%BB%A7%E7%BB%AD" in disposition
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_institution_users_and_administrators_upload_too(api, admin_token):
    institution, _ = await make_institution(1)
    sub = await make_institution_user(institution, "sub_user1", phone(1, "138"))
    main_token = await login_institution(api, credit_code(1))
    sub_token = await login_institution(api, sub.username)
    file = await uploaded(api, main_token, "撤回说明.pdf")
    row = await StoredFile.get(id=file["id"])
    assert row.owner_kind == "institution_user"
    assert row.institution_id == institution.id
    assert (await fetch(api, file["downloadUrl"], main_token)).status_code == 200

    # A colleague of the same institution may attach it; another institution may not.
    sub_actor = await authenticate(sub_token)
    assert (await attach_file(sub_actor, row.id, "fileId")).id == row.id
    other_actor = await authenticate(await institution_token(api, 2))
    with pytest.raises(DomainError) as refused:
        await attach_file(other_actor, row.id, "fileId")
    assert [(p.field, p.code) for p in refused.value.problems] == [("fileId", ErrorCode.NOT_FOUND)]

    admin_file = await uploaded(api, admin_token)
    assert (await StoredFile.get(id=admin_file["id"])).owner_kind == "administrator"
    assert (await fetch(api, admin_file["downloadUrl"], admin_token)).status_code == 200


@pytest.mark.parametrize(
    ("filename", "data", "code"),
    [
        ("成绩单.pdf", PNG, "INVALID"),  # a picture renamed to .pdf
        ("说明.pdf", b"Hello, %PDF-1.4 later", "INVALID"),
        ("空文件.pdf", b"", "REQUIRED"),
    ],
)
async def test_content_that_is_not_a_pdf_is_refused(api, files_dir, filename, data, code):
    token = await learner_token(api, 1)
    payload = await upload_payload(api, token, filename, data)
    assert payload["file"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("file", code)]
    assert await StoredFile.all().count() == 0
    assert stored_files(files_dir) == []


async def test_ten_megabytes_at_most(api, files_dir):
    token = await learner_token(api, 1)
    largest = PDF + b"0" * (MAX_FILE_SIZE - len(PDF))
    file = await uploaded(api, token, "大文件.pdf", largest)
    assert file["size"] == MAX_FILE_SIZE

    payload = await upload_payload(api, token, "太大.pdf", largest + b"0")
    assert payload["file"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("file", "TOO_LONG")]
    assert await StoredFile.all().count() == 1
    assert len(stored_files(files_dir)) == 1


async def test_anonymous_upload_is_refused(api, files_dir):
    response = await upload(api, None, "证明.pdf", PDF)
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert await StoredFile.all().count() == 0
    assert stored_files(files_dir) == []


async def test_an_upload_must_be_a_file_part(api):
    token = await learner_token(api, 1)
    data = await api.as_(token).gql(UPLOAD, {"file": "not a file"})
    assert [(e["field"], e["code"]) for e in data["fileUpload"]["errors"]] == [("file", "REQUIRED")]
    assert await StoredFile.all().count() == 0


def _with(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query.update(changes)
    return parts.path + "?" + "&".join(f"{k}={v}" for k, v in query.items())


async def test_links_are_signed_short_lived_and_bound_to_the_actor(api, settings):
    token = await learner_token(api, 1)
    other_token = await learner_token(api, 2)
    file = await uploaded(api, token)
    url = file["downloadUrl"]
    assert (await fetch(api, url, token)).status_code == 200

    signature = parse_qs(urlsplit(url).query)["sig"][0]
    tampered = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    expires = int(parse_qs(urlsplit(url).query)["expires"][0])
    refused = {
        "another learner": (url, other_token),
        "anonymous": (url, None),
        "tampered signature": (_with(url, sig=tampered), token),
        "later expiry": (_with(url, expires=str(expires + 3600)), token),
        "no signature": (urlsplit(url).path, token),
    }
    for case, (link, bearer) in refused.items():
        assert (await fetch(api, link, bearer)).status_code == 403, case

    actor = await authenticate(token)
    expired = sign_download(uuid.UUID(file["id"]), actor, settings.secret_key, ttl=-1)
    assert (await fetch(api, expired, token)).status_code == 403
    other_key = sign_download(uuid.UUID(file["id"]), actor, "another-secret")
    assert (await fetch(api, other_key, token)).status_code == 403

    # The same link for another file does not open it.
    second = await uploaded(api, token, "第二份.pdf")
    moved = url.replace(file["id"], second["id"])
    assert (await fetch(api, moved, token)).status_code == 403


async def test_another_learner_gets_no_link(api, settings):
    token = await learner_token(api, 1)
    other = await authenticate(await learner_token(api, 2))
    file = await uploaded(api, token)
    row = await StoredFile.get(id=file["id"])
    assert not await can_read_file(other, row)
    with pytest.raises(DomainError) as refused:
        await download_link(other, row.id, settings.secret_key)
    assert refused.value.problems[0].code == ErrorCode.NOT_FOUND
    with pytest.raises(DomainError):
        await attach_file(other, row.id, "fileId")


async def test_unknown_files_are_not_found(api, settings, files_dir):
    token = await learner_token(api, 1)
    actor = await authenticate(token)
    missing = sign_download(uuid.uuid4(), actor, settings.secret_key)
    assert (await fetch(api, missing, token)).status_code == 404
    assert (await fetch(api, "/files/not-a-uuid?expires=1&sig=x", token)).status_code == 404

    # A row whose content has gone from the storage is not found either.
    file = await uploaded(api, token)
    for path in stored_files(files_dir):
        path.unlink()
    assert (await fetch(api, file["downloadUrl"], token)).status_code == 404


async def test_local_folder_storage(tmp_path):
    storage = LocalFolderStorage(tmp_path / "store")
    await storage.save("ab/abcdef.pdf", b"one")
    await storage.save("ab/abcdef.pdf", b"two")
    assert await storage.open("ab/abcdef.pdf") == b"two"
    assert [p.name for p in (tmp_path / "store" / "ab").iterdir()] == ["abcdef.pdf"]
    await storage.delete("ab/abcdef.pdf")
    await storage.delete("ab/abcdef.pdf")
    with pytest.raises(FileNotFoundError):
        await storage.open("ab/abcdef.pdf")
    for key in ("../escape.pdf", "/etc/passwd", "a/../../b", "", "a//b"):
        with pytest.raises(ValueError):
            await storage.save(key, b"x")
