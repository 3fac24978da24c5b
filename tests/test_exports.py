"""Exports over HTTP (成果导出, 学员成果导出, 学员信息导出): the selected rows, the filtered ones or
all of them; an SMS code for every export (the catalogue too, seed 003 §2.2.1), used up only by a
file made, so never by an API token; never another
institution's rows; the workbook fetched through its signed link and read back — and once through
LibreOffice, to see what a spreadsheet program makes of it."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import os
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from models import (
    AuditEntry,
    InstitutionAchievement,
    Learner,
    LearnerAchievement,
    StoredFile,
    VerificationCode,
)
from resolvers.achievements.details import TermBook
from resolvers.exports import common
from resolvers.workbooks.layouts import DEPOSITS
from resolvers.workbooks.writer import template_workbook
from tests.achievement_fixtures import (
    COURSE,
    AchievementWorld,
    build_world,
    deposit,
    deposit_input,
    inactive_learner,
    make_entry,
    stored_row,
)
from tests.institution_fixtures import (
    FIELD_ERRORS,
    call,
    codes,
    make_learner,
    masked,
    phone,
    top_level_error,
)

FILE_FIELDS = f"{FIELD_ERRORS} downloadUrl file {{ id filename size contentType downloadUrl }}"
CATALOGUE_EXPORT = f"""
mutation Export($input: CatalogueExportInput!) {{
  catalogueExport(input: $input) {{ {FILE_FIELDS} }}
}}"""
DEPOSIT_EXPORT = f"""
mutation Export($input: DepositExportInput!) {{
  depositExport(input: $input) {{ {FILE_FIELDS} }}
}}"""
ACCOUNT_EXPORT = f"""
mutation Export($input: LearnerAccountExportInput!) {{
  learnerAccountExport(input: $input) {{ {FILE_FIELDS} }}
}}"""
SEND_CODE = f"""
mutation Send($input: VerificationCodeSendInput!) {{
  verificationCodeSend(input: $input) {{ {FIELD_ERRORS} phone }}
}}"""

CATALOGUE_HEADERS = [
    "成果名称",
    "成果类型",
    "成果子类型",
    "颁证机构",
    "认定状态",
    "学分",
    "获证学员数量",
    "入库时间（北京时间）",
]
DEPOSIT_HEADERS = [
    "成果名称",
    "成果类型",
    "成果子类型",
    "学员姓名",
    "证件类型",
    "身份证号",
    "手机号码",
    "个人成果编号",
    "颁证日期",
    "成果状态",
    "学分",
    "入库时间（北京时间）",
]
ACCOUNT_HEADERS = [
    "学员姓名",
    "证件类型",
    "身份证号",
    "手机号码",
    "账户状态",
    "学银卡号",
    "入库时间（北京时间）",
]
FORMULA_NAME = '=HYPERLINK("http://evil.example","点我")'
MAIN_PHONE = phone(1)
SUB_PHONE = phone(1, "138")


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


# -- helpers -------------------------------------------------------------------------------------


async def export_code(api, token: str, number: str = MAIN_PHONE) -> str:
    """A fresh EXPORT code sent to the caller's bound phone (a minute after any earlier one)."""
    for code in await VerificationCode.filter(phone=number):
        code.created_at -= dt.timedelta(minutes=2)
        await code.save(update_fields=["created_at"])
    payload = await call(api, SEND_CODE, {"input": {"purpose": "EXPORT"}}, token)
    assert payload["errors"] == [], payload
    assert payload["phone"] == masked(number)
    return api.last_code(number)


async def coded(api, token: str, data: dict | None = None, number: str = MAIN_PHONE) -> dict:
    """``data`` with a fresh EXPORT code of the caller's bound phone."""
    return {**(data or {}), "code": await export_code(api, token, number)}


async def fetch(api, url: str, token: str | None) -> bytes:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await api.client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return response.content


async def exported(api, query: str, data: dict, token: str) -> list[list]:
    """The rows (header first) of an export that must succeed, fetched through its link."""
    payload = await call(api, query, {"input": data}, token)
    assert payload["errors"] == [], payload
    assert payload["file"]["downloadUrl"] and payload["downloadUrl"]
    assert payload["file"]["filename"].endswith(".xlsx")
    content = await fetch(api, payload["downloadUrl"], token)
    assert len(content) == payload["file"]["size"]
    sheet = load_workbook(io.BytesIO(content)).active
    for row in sheet.iter_rows():
        assert all(cell.data_type != "f" for cell in row)
    return [list(row) for row in sheet.iter_rows(values_only=True)]


async def refused(api, query: str, data: dict, token: str | None) -> list[tuple]:
    """The (field, code) pairs of an export that must fail, having written nothing."""
    files, audits = await StoredFile.all().count(), await AuditEntry.all().count()
    payload = await call(api, query, {"input": data}, token)
    assert payload["file"] is None and payload["downloadUrl"] is None
    assert await StoredFile.all().count() == files
    assert await AuditEntry.all().count() == audits
    return codes(payload)


async def backdate(model, row_id, moment: dt.datetime) -> None:
    await model.filter(id=row_id).update(created_at=moment)


def names(rows: list[list], column: int = 0) -> list:
    return [row[column] for row in rows[1:]]


# -- the catalogue -------------------------------------------------------------------------------


async def test_catalogue_export_of_all_selected_and_filtered_entries(api, world):
    first = world.entry  # recognised, 4 credits
    course = await make_entry(
        world.institution, name="餐厅创建课程", subtype="higher_course", details=COURSE,
        recognised=False,
    )  # fmt: skip
    await make_entry(world.institution, name=FORMULA_NAME, credits="2.5")
    theirs = await make_entry(world.other_institution, name="他校成果")
    await backdate(InstitutionAchievement, first.id, dt.datetime(2024, 1, 1, 20, 0, tzinfo=dt.UTC))
    await backdate(InstitutionAchievement, course.id, dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    await stored_row(world.learner, first, "C-1")
    await stored_row(world.other_learner, first, "C-2")
    token = world.tokens["main"]

    rows = await exported(api, CATALOGUE_EXPORT, await coded(api, token), token)
    assert rows[0] == CATALOGUE_HEADERS
    assert names(rows) == ["'" + FORMULA_NAME, "餐厅创建课程", first.name]  # newest first
    assert rows[3] == [
        first.name,
        "学历成果",
        "普通高等教育学历证书",
        world.institution.name,
        "已认定",
        4,
        2,
        dt.datetime(2024, 1, 2, 4, 0),  # 入库时间 in Asia/Shanghai
    ]
    assert rows[2][4:7] == ["未认定", None, 0]
    assert rows[1][5] == 2.5
    assert theirs.name not in names(rows)

    data = await coded(api, token, {"ids": [str(course.id)]})
    assert names(await exported(api, CATALOGUE_EXPORT, data, token)) == ["餐厅创建课程"]
    data = await coded(api, token, {"filter": {"recognitionStatus": "UNRECOGNISED"}})
    assert names(await exported(api, CATALOGUE_EXPORT, data, token)) == ["餐厅创建课程"]
    data = await coded(api, token, {"filter": {"name": "毕业证书"}})
    assert names(await exported(api, CATALOGUE_EXPORT, data, token)) == [first.name]
    data = await coded(api, token, {"filter": {"subtype": "higher_course"}})
    assert names(await exported(api, CATALOGUE_EXPORT, data, token)) == ["餐厅创建课程"]
    # the sub-user exports with the code of their own phone
    data = await coded(api, world.tokens["sub"], number=SUB_PHONE)
    assert len(await exported(api, CATALOGUE_EXPORT, data, world.tokens["sub"])) == 4

    entries = await AuditEntry.filter(action="catalogue_entry.export").order_by("at", "id")
    assert len(entries) == 6
    assert entries[0].after == {"rows": 3, "filter": {}}
    assert entries[1].after == {"rows": 1, "selected": 1}
    assert entries[2].after == {"rows": 1, "filter": {"recognition_status": "unrecognised"}}
    assert entries[0].actor_id == world.main.id
    assert entries[0].institution_id == world.institution.id
    file = await StoredFile.get(id=entries[0].object_id)
    assert (file.owner_kind, file.owner_id, file.institution_id) == (
        "institution_user",
        world.main.id,
        None,
    )


async def test_another_institutions_entries_are_never_exported(api, world):
    theirs = await make_entry(world.other_institution, name="他校成果")
    token = world.tokens["main"]
    data = await coded(api, token, {"ids": [str(world.entry.id), str(theirs.id)]})
    assert await refused(api, CATALOGUE_EXPORT, data, token) == [("ids.1", "NOT_FOUND")]
    data = {"ids": ["not-an-id"], "code": data["code"]}
    assert await refused(api, CATALOGUE_EXPORT, data, token) == [("ids.0", "INVALID")]
    await InstitutionAchievement.filter(institution_id=world.institution.id).delete()
    data = {"code": data["code"]}
    assert await refused(api, CATALOGUE_EXPORT, data, token) == [(None, "NOT_FOUND")]
    assert (await VerificationCode.get(phone=MAIN_PHONE)).used_at is None


async def test_rows_are_read_in_batches_each_once_in_list_order(api, world, monkeypatch):
    monkeypatch.setattr(common, "BATCH", 2)
    same_moment = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
    made = [world.entry]
    for n in range(6):
        made.append(await make_entry(world.institution, name=f"成果{n}"))
    for entry in made[:4]:  # four share one 入库时间: the id orders them
        await backdate(InstitutionAchievement, entry.id, same_moment)
    expected = await InstitutionAchievement.filter(institution_id=world.institution.id).order_by(
        "-created_at", "id"
    )
    token = world.tokens["main"]
    rows = await exported(api, CATALOGUE_EXPORT, await coded(api, token), token)
    assert names(rows) == [entry.name for entry in expected]
    assert len(set(names(rows))) == 7


async def test_an_export_over_the_cap_is_refused(api, world, monkeypatch):
    monkeypatch.setattr(common, "MAX_ROWS", 2)
    await make_entry(world.institution, name="第二个")
    await make_entry(world.institution, name="第三个")
    token = world.tokens["main"]
    code = await export_code(api, token)
    assert await refused(api, CATALOGUE_EXPORT, {"code": code}, token) == [("filter", "TOO_LONG")]
    data = {"filter": {"name": "第"}, "code": code}
    assert len(await exported(api, CATALOGUE_EXPORT, data, token)) == 3
    monkeypatch.setattr(common, "MAX_SELECTED", 1)
    ids = [str(entry.id) for entry in await InstitutionAchievement.all()][:2]
    data = await coded(api, token, {"ids": ids})
    assert await refused(api, CATALOGUE_EXPORT, data, token) == [("ids", "TOO_LONG")]


async def test_the_catalogue_export_needs_the_code_of_the_users_own_phone(api, world):
    """成果导出 asks for the code like the exports with personal data (seed 003 §2.2.1): without
    it, with a wrong one or another user's, nothing is written; a file made uses it up."""
    token = world.tokens["main"]
    assert await refused(api, CATALOGUE_EXPORT, {}, token) == [("code", "REQUIRED")]
    assert await refused(api, CATALOGUE_EXPORT, {"code": " "}, token) == [("code", "REQUIRED")]
    assert await refused(api, CATALOGUE_EXPORT, {"code": "123456"}, token) == [
        ("code", "CODE_EXPIRED")
    ]  # none sent yet
    code = await export_code(api, token)
    wrong = "000000" if code != "000000" else "111111"
    assert await refused(api, CATALOGUE_EXPORT, {"code": wrong}, token) == [
        ("code", "CODE_INVALID")
    ]
    data = {"ids": [str(world.entry.id)], "code": code}
    assert await refused(api, CATALOGUE_EXPORT, data, world.tokens["sub"]) == [
        ("code", "CODE_EXPIRED")
    ]  # the code of another user's phone
    assert (await VerificationCode.get(phone=MAIN_PHONE)).used_at is None

    assert names(await exported(api, CATALOGUE_EXPORT, data, token)) == [world.entry.name]
    assert (await VerificationCode.get(phone=MAIN_PHONE)).used_at is not None
    assert await refused(api, CATALOGUE_EXPORT, data, token) == [("code", "CODE_EXPIRED")]
    assert await AuditEntry.filter(action="catalogue_entry.export").count() == 1


# -- learner achievements ------------------------------------------------------------------------


async def deposits_of_two_institutions(api, world: AchievementWorld) -> list[dict]:
    """Three deposits by institution 1 (learners 1, 40 and 41), one by institution 2."""
    made = [
        await deposit(api, world.tokens["main"], deposit_input(world.entry, 1)),
        await deposit(
            api, world.tokens["main"], deposit_input(world.entry, 40, learnerName="毕志刚")
        ),
        await deposit(
            api,
            world.tokens["sub"],
            deposit_input(world.entry, 41, learnerName="测试2", certificateNumber="=1+1"),
        ),
    ]
    theirs = await make_entry(world.other_institution, name="他校成果")
    await deposit(api, world.tokens["other_main"], deposit_input(theirs, 2))
    return made


async def test_deposit_export_with_the_code_of_the_users_own_phone(api, world):
    made = await deposits_of_two_institutions(api, world)
    await backdate(
        LearnerAchievement, made[0]["id"], dt.datetime(2023, 12, 31, 17, 0, tzinfo=dt.UTC)
    )
    token = world.tokens["main"]
    code = await export_code(api, token)

    rows = await exported(api, DEPOSIT_EXPORT, {"code": code}, token)
    assert rows[0] == DEPOSIT_HEADERS
    assert names(rows, 3) == ["测试2", "毕志刚", world.learner.name]
    learner = world.learner
    assert rows[3] == [
        world.entry.name,
        "学历成果",
        "普通高等教育学历证书",
        learner.name,
        "居民身份证",
        learner.id_number,  # whole, not masked
        learner.phone,
        "CERT-00001",
        dt.datetime(2022, 6, 30),
        "存储",
        4,
        dt.datetime(2024, 1, 1, 1, 0),
    ]
    assert rows[1][7] == "'=1+1"  # 个人成果编号 that looked like a formula
    assert rows[1][6] is None  # an inactive learner has no phone
    code_row = await VerificationCode.filter(phone=MAIN_PHONE, purpose="export").get()
    assert code_row.used_at is not None
    (entry,) = await AuditEntry.filter(action="learner_achievement.export")
    assert entry.after == {"rows": 3, "filter": {}}

    # the code was used up by the file it made
    assert await refused(api, DEPOSIT_EXPORT, {"code": code}, token) == [("code", "CODE_EXPIRED")]


async def test_deposit_export_of_selected_and_filtered_rows(api, world):
    made = await deposits_of_two_institutions(api, world)
    token = world.tokens["sub"]  # the code goes to the sub-user's own phone
    selected = {
        "ids": [made[2]["id"], made[0]["id"]],
        "code": await export_code(api, token, SUB_PHONE),
    }
    rows = await exported(api, DEPOSIT_EXPORT, selected, token)
    assert names(rows, 3) == ["测试2", world.learner.name]

    code = await export_code(api, token, SUB_PHONE)
    data = {"filter": {"learnerName": "毕"}, "code": code}
    assert names(await exported(api, DEPOSIT_EXPORT, data, token), 3) == ["毕志刚"]

    number = made[0]["learnerIdNumber"]
    code = await export_code(api, token, SUB_PHONE)
    data = {"filter": {"idNumber": number.lower(), "status": "STORED"}, "code": code}
    assert names(await exported(api, DEPOSIT_EXPORT, data, token), 5) == [number]

    code = await export_code(api, token, SUB_PHONE)
    year = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).year
    rows = await exported(api, DEPOSIT_EXPORT, {"filter": {"year": year}, "code": code}, token)
    assert len(rows) == 4
    assert await refused(
        api, DEPOSIT_EXPORT, {"filter": {"year": year - 1}, "code": code}, token
    ) == [(None, "NOT_FOUND")]


async def test_a_wrong_or_missing_code_writes_nothing_and_a_failed_export_keeps_the_code(
    api, world
):
    made = await deposits_of_two_institutions(api, world)
    token = world.tokens["main"]
    assert await refused(api, DEPOSIT_EXPORT, {}, token) == [("code", "REQUIRED")]
    assert await refused(api, DEPOSIT_EXPORT, {"code": " "}, token) == [("code", "REQUIRED")]
    assert await refused(api, DEPOSIT_EXPORT, {"code": "123456"}, token) == [
        ("code", "CODE_EXPIRED")
    ]  # none sent yet
    code = await export_code(api, token)
    wrong = "000000" if code != "000000" else "111111"
    assert await refused(api, DEPOSIT_EXPORT, {"code": wrong}, token) == [("code", "CODE_INVALID")]
    # the code of another user's phone is not this user's
    assert await refused(api, DEPOSIT_EXPORT, {"code": code}, world.tokens["sub"]) == [
        ("code", "CODE_EXPIRED")
    ]
    # a refused export leaves the code usable
    theirs = await LearnerAchievement.filter(institution_id=world.other_institution.id).first()
    assert theirs is not None
    data = {"ids": [made[0]["id"], str(theirs.id)], "code": code}
    assert await refused(api, DEPOSIT_EXPORT, data, token) == [("ids.1", "NOT_FOUND")]
    data = {"filter": {"year": 1800}, "code": code}
    assert await refused(api, DEPOSIT_EXPORT, data, token) == [("filter.year", "INVALID")]
    assert (await VerificationCode.get(phone=MAIN_PHONE)).used_at is None
    rows = await exported(api, DEPOSIT_EXPORT, {"ids": [made[0]["id"]], "code": code}, token)
    assert len(rows) == 2


async def test_an_api_token_cannot_export_anything(api, world):
    """It has no bound phone to receive the code every export needs."""
    await deposits_of_two_institutions(api, world)
    await inactive_learner(world.institution, 60)
    token = world.tokens["api_token"]
    for query in (CATALOGUE_EXPORT, DEPOSIT_EXPORT, ACCOUNT_EXPORT):
        for data in ({}, {"code": "123456"}):
            assert await refused(api, query, data, token) == [(None, "NOT_ALLOWED")]
        payload = await call(api, query, {"input": {}}, token)
        assert "接口令牌" in payload["errors"][0]["message"]
        assert "手机号" in payload["errors"][0]["message"]


async def test_other_roles_are_refused(api, world):
    for role, expected in (("anonymous", "UNAUTHENTICATED"), ("learner", "FORBIDDEN"),
                           ("admin", "FORBIDDEN")):  # fmt: skip
        for query in (CATALOGUE_EXPORT, DEPOSIT_EXPORT, ACCOUNT_EXPORT):
            variables = {"input": {}}
            assert await top_level_error(api, query, variables, world.tokens[role]) == expected
    assert await StoredFile.all().count() == 0


async def test_the_download_link_is_for_the_exporting_user_only(api, world):
    token = world.tokens["main"]
    payload = await call(api, CATALOGUE_EXPORT, {"input": await coded(api, token)}, token)
    url = payload["downloadUrl"]
    assert url.startswith(f"/files/{payload['file']['id']}?expires=")
    assert payload["file"]["contentType"].endswith("spreadsheetml.sheet")
    await fetch(api, url, token)
    for other in ("sub", "other_main", "api_token"):
        response = await api.client.get(
            url, headers={"Authorization": f"Bearer {world.tokens[other]}"}
        )
        assert response.status_code == 403
    assert (await api.client.get(url)).status_code == 403


# -- learner accounts ----------------------------------------------------------------------------


async def test_learner_account_export_of_all_selected_and_filtered_accounts(api, world):
    created = await inactive_learner(world.institution, 70, "王未激活")
    other = await inactive_learner(world.other_institution, 71, "他校学员")
    await deposit(api, world.tokens["main"], deposit_input(world.entry, 1))  # learner 1 kept too
    stranger = await make_learner(80)  # nobody's
    await backdate(Learner, created.id, dt.datetime(2023, 6, 1, 16, 30, tzinfo=dt.UTC))
    await backdate(Learner, world.learner.id, dt.datetime(2024, 2, 1, tzinfo=dt.UTC))
    token = world.tokens["main"]

    rows = await exported(api, ACCOUNT_EXPORT, {"code": await export_code(api, token)}, token)
    assert rows[0] == ACCOUNT_HEADERS
    learner = world.learner
    assert rows[1:] == [
        [learner.name, "居民身份证", learner.id_number, learner.phone, "已激活",
         learner.card_number, dt.datetime(2024, 2, 1, 8, 0)],
        [created.name, "居民身份证", created.id_number, None, "未激活", created.card_number,
         dt.datetime(2023, 6, 2, 0, 30)],
    ]  # fmt: skip
    assert other.name not in names(rows) and stranger.name not in names(rows)

    code = await export_code(api, token)
    rows = await exported(api, ACCOUNT_EXPORT, {"ids": [str(created.id)], "code": code}, token)
    assert names(rows) == ["王未激活"]
    code = await export_code(api, token)
    data = {"filter": {"year": 2023}, "code": code}
    assert names(await exported(api, ACCOUNT_EXPORT, data, token)) == ["王未激活"]
    code = await export_code(api, token)
    data = {"filter": {"idNumber": learner.id_number}, "code": code}
    assert names(await exported(api, ACCOUNT_EXPORT, data, token)) == [learner.name]
    code = await export_code(api, token)
    data = {"filter": {"name": "王"}, "code": code}
    assert names(await exported(api, ACCOUNT_EXPORT, data, token)) == ["王未激活"]

    data = {"ids": [str(other.id)], "code": await export_code(api, token)}
    assert await refused(api, ACCOUNT_EXPORT, data, token) == [("ids.0", "NOT_FOUND")]
    data = {"ids": [str(stranger.id)], "code": data["code"]}
    assert await refused(api, ACCOUNT_EXPORT, data, token) == [("ids.0", "NOT_FOUND")]
    entries = await AuditEntry.filter(action="learner.export").count()
    assert entries == 5


# -- through LibreOffice -------------------------------------------------------------------------


def _soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("REQUIRE_LIBREOFFICE=1 but soffice is not on the PATH")
        pytest.skip("LibreOffice (soffice) is not installed; set REQUIRE_LIBREOFFICE=1 to fail")
    return found


async def as_csv(soffice: str, workbook: Path, folder: Path) -> list[list[str]]:
    """The first sheet of ``workbook`` as LibreOffice saves it to CSV (UTF-8, comma)."""
    process = await asyncio.create_subprocess_exec(
        soffice,
        f"-env:UserInstallation=file://{folder / 'profile'}",
        "--headless",
        "--convert-to",
        "csv:Text - txt - csv (StarCalc):44,34,76,1",
        "--outdir",
        str(folder),
        str(workbook),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=180)
    converted = folder / (workbook.stem + ".csv")
    assert process.returncode == 0 and converted.exists(), (out, err)
    text = converted.read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


async def test_libreoffice_reads_an_export_and_a_template_as_plain_text(api, world, tmp_path):
    soffice = _soffice()
    await make_entry(world.institution, name=FORMULA_NAME, credits="2.5")
    await make_entry(world.institution, name="-1", recognised=False)
    token = world.tokens["main"]
    payload = await call(api, CATALOGUE_EXPORT, {"input": await coded(api, token)}, token)
    export = tmp_path / "export.xlsx"
    export.write_bytes(await fetch(api, payload["downloadUrl"], token))
    template = tmp_path / "template.xlsx"
    template.write_bytes(template_workbook(DEPOSITS, await TermBook.load()))

    rows = await as_csv(soffice, export, tmp_path)
    assert rows[0] == CATALOGUE_HEADERS
    assert [row[0] for row in rows[1:]] == ["'-1", "'" + FORMULA_NAME, world.entry.name]
    assert rows[2][5] == "2.5"
    assert rows[3][4:7] == ["已认定", "4", "0"]
    assert dt.datetime.strptime(rows[3][7], "%Y-%m-%d %H:%M:%S")

    header, *rest = await as_csv(soffice, template, tmp_path)
    assert header == DEPOSITS.headers
    assert all(not any(cell for cell in row) for row in rest)
