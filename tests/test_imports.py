"""Workbook imports over HTTP: templates filled and imported, row-level refusals with reasons,
import records and their workbooks, grouped deposit messages, the same file twice, resuming
after a crash, and who may import."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from models import (
    AchievementSource,
    AchievementStatus,
    ImportJob,
    ImportStatus,
    InstitutionAchievement,
    Learner,
    LearnerAchievement,
    LearnerStatus,
    Message,
    RecipientKind,
    StoredFile,
)
from resolvers.core.clock import now
from resolvers.imports.cells import UNCOMPUTED_MESSAGE
from resolvers.imports.runner import run_import
from resolvers.imports.start import ImportLimits
from resolvers.workbooks.layouts import (
    COMMUNITY_ACCOUNTS,
    COMMUNITY_RESULTS,
    DEPOSITS,
    LEARNER_ACCOUNTS,
    ColumnKind,
)
from tests.achievement_fixtures import AchievementWorld, build_world, messages_to
from tests.import_fixtures import (
    IMPORT_RECORDS,
    download,
    filled,
    import_and_wait,
    imported_rows,
    record,
    sheet_rows,
    upload_import,
    upload_import_body,
    workbook,
)
from tests.institution_fixtures import resident_id

TODAY = dt.date.today()
FIXTURES = Path(__file__).parent / "fixtures" / "workbooks"


@pytest.fixture
async def world(api, admin_token: str) -> AchievementWorld:
    return await build_world(api, admin_token)


def bad_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def deposit_rows(world: AchievementWorld) -> list[list[Any]]:
    """Rows 2–10 of a deposits workbook: four good, five bad in different ways."""
    return [
        ["新学员甲", resident_id(101, "19980101"), "BJ-001", dt.date(2022, 6, 30)],  # new learner
        ["学员1", world.learner.id_number, "BJ-002", dt.date(2022, 6, 30)],  # existing learner
        ["新学员乙", resident_id(102, "19980101"), "BJ-003", "2022-07-01"],  # date as text
        ["新学员乙", resident_id(102, "19980101"), "BJ-004", "2022/07/02"],  # same learner again
        ["坏号码", bad_check_digit(resident_id(103)), "BJ-005", dt.date(2022, 6, 30)],
        ["未来", resident_id(104), "-BJ-006", TODAY + dt.timedelta(days=3)],
        ["缺编号", resident_id(105), None, dt.date(2022, 6, 30)],
        ["新学员甲", resident_id(101, "19980101"), "BJ-001", dt.date(2022, 6, 30)],  # repeat
        ["冒名", world.learner.id_number, "BJ-007", dt.date(2022, 6, 30)],  # wrong name
    ]


async def test_deposit_template_filled_imported_and_refusals_corrected(api, world):
    token = world.tokens["main"]
    entry_id = str(world.entry.id)
    template = await api.client.get("/templates/deposits.xlsx")
    assert template.status_code == 200
    assert sheet_rows(template.content)[0] == DEPOSITS.headers

    data = filled(template.content, deposit_rows(world))
    payload = await upload_import(api, token, "DEPOSITS", data, catalogueEntryId=entry_id)
    assert payload["errors"] == [] and payload["alreadyImported"] is False
    assert payload["record"]["status"] in ("QUEUED", "RUNNING", "FINISHED")
    await api.services.jobs.drain()
    done = await record(api, token, payload["record"]["id"])

    assert done["status"] == "FINISHED"
    assert (done["totalRows"], done["importedCount"], done["refusedCount"]) == (9, 4, 5)
    assert done["summary"] == "成功导入符合要求数据4条；未导入不符合要求数据5条"
    assert done["progress"] == 1.0
    assert done["operatorName"]

    assert done["importedRowsUrl"] is None  # made when first asked for
    imported = sheet_rows(await imported_rows(api, token, done["id"]))
    assert (await record(api, token, done["id"]))["importedRowsUrl"]  # and kept
    assert imported[0] == DEPOSITS.headers
    assert [row[2] for row in imported[1:]] == ["BJ-001", "BJ-002", "BJ-003", "BJ-004"]
    refused = sheet_rows(await download(api, token, done["refusedRowsUrl"]))
    assert refused[0] == [*DEPOSITS.headers, "未导入原因"]
    reasons = {row[2]: row[-1] for row in refused[1:]}
    assert reasons["BJ-005"].startswith("身份证号：") and "校验位" in reasons["BJ-005"]
    assert reasons["'-BJ-006"] == "颁证日期：不能晚于今天"  # kept from becoming a formula
    assert reasons[None] == "个人成果编号：必填项未填写"
    assert reasons["BJ-001"] == "身份证号、个人成果编号：与第2行重复"
    assert reasons["BJ-007"] == "学员姓名：与该证件号码的学习账户姓名不一致"

    rows = await LearnerAchievement.filter(import_job_id=done["id"])
    assert len(rows) == 4
    assert {row.source for row in rows} == {AchievementSource.INSTITUTION}
    assert {row.status for row in rows} == {AchievementStatus.STORED}
    assert {str(row.credits) for row in rows} == {"4.00"}
    new = await Learner.get(id_number=resident_id(102, "19980101"))
    assert new.status == LearnerStatus.INACTIVE
    assert new.created_by_institution_id == world.institution.id
    # one message per learner per import, the two deposits of 新学员乙 grouped
    deposited = await Message.filter(event="achievement.deposited")
    assert len(deposited) == 3
    assert len(await messages_to(world.learner)) == 1
    (grouped,) = await Message.filter(event="achievement.deposited", recipient_id=new.id)
    assert grouped.body.count(world.entry.name) == 2
    finished = await Message.get(event="import.finished")
    assert finished.recipient_kind == RecipientKind.INSTITUTION
    assert "成功导入符合要求数据4条" in finished.body

    # the same file again: the first record comes back, nothing is imported twice
    again = await upload_import(api, token, "DEPOSITS", data, catalogueEntryId=entry_id)
    assert again["alreadyImported"] is True and again["record"]["id"] == done["id"]
    await api.services.jobs.drain()
    assert await LearnerAchievement.filter(catalogue_entry_id=world.entry.id).count() == 4
    assert await ImportJob.all().count() == 1

    # the refused rows corrected in their own workbook and imported
    fixes = {
        "BJ-005": (1, resident_id(103)),
        "'-BJ-006": (3, dt.date(2022, 1, 1)),
        "BJ-001": (2, "BJ-008"),
        "BJ-007": (0, "学员1"),
    }
    corrected = []
    for row in refused[1:]:
        values = list(row[:-1])
        if row[2] is None:
            values[2] = "BJ-009"
        else:
            index, value = fixes[row[2]]
            values[index] = value
        corrected.append(values)
    second = await import_and_wait(
        api, token, "DEPOSITS", workbook(DEPOSITS, corrected), catalogueEntryId=entry_id
    )
    assert (second["importedCount"], second["refusedCount"]) == (5, 0), sheet_rows(
        await download(api, token, second["refusedRowsUrl"])
    )
    assert await LearnerAchievement.filter(catalogue_entry_id=world.entry.id).count() == 9
    assert await LearnerAchievement.exists(certificate_number="-BJ-006")  # as first typed

    listed = await api.gql(IMPORT_RECORDS, {"kind": "DEPOSITS", "entry": entry_id}, token)
    assert listed["importRecords"]["totalCount"] == 2
    assert [item["id"] for item in listed["importRecords"]["items"]] == [second["id"], done["id"]]


async def test_refused_and_imported_rows_keep_the_templates_text_columns(api, world):
    """A clerk retypes a refused row's ID number in a spreadsheet: the column is still text,
    so 18 digits do not turn into 4.3E+17 (nor a code with leading zeros into a number)."""
    token = world.tokens["main"]
    template = (await api.client.get("/templates/deposits.xlsx")).content
    rows = deposit_rows(world)
    data = filled(template, [rows[0], rows[4]])  # one good row, one bad check digit
    entry_id = str(world.entry.id)
    payload = await upload_import(api, token, "DEPOSITS", data, catalogueEntryId=entry_id)
    await api.services.jobs.drain()
    done = await record(api, token, payload["record"]["id"])
    assert (done["importedCount"], done["refusedCount"]) == (1, 1)
    text_columns = [
        index for index, column in enumerate(DEPOSITS.columns, 1) if column.kind == ColumnKind.TEXT
    ]
    assert len(text_columns) >= 3  # name, ID number, certificate number
    for data in (
        await download(api, token, done["refusedRowsUrl"]),
        await imported_rows(api, token, done["id"]),
    ):
        sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        for index in text_columns:
            letter = get_column_letter(index)
            assert sheet.column_dimensions[letter].number_format == "@", letter
            assert sheet.cell(2, index).number_format == "@", letter
            assert sheet.cell(2, index).data_type == "s", letter


async def test_rows_of_formulas_without_results_are_refused_not_lost(api, world):
    """A workbook written by a program keeps formulas without their results: every non-blank
    row is accounted for, refused with the cells to fix named."""
    token = world.tokens["main"]
    template = (await api.client.get("/templates/deposits.xlsx")).content
    good = deposit_rows(world)[0]
    mixed = ["新学员丙", "=B2", "BJ-010", dt.date(2022, 6, 30)]
    formulas = ["=A2", "=B2", '="BJ-"&ROW()', "=D2"]  # the last row: only formulas
    data = filled(template, [good, mixed, formulas])
    entry_id = str(world.entry.id)
    payload = await upload_import(api, token, "DEPOSITS", data, catalogueEntryId=entry_id)
    assert payload["errors"] == []
    await api.services.jobs.drain()
    done = await record(api, token, payload["record"]["id"])

    assert (done["totalRows"], done["importedCount"], done["refusedCount"]) == (3, 1, 2)
    refused = sheet_rows(await download(api, token, done["refusedRowsUrl"]))
    reasons = [row[-1] for row in refused[1:]]
    assert reasons[0] == f"身份证号：{UNCOMPUTED_MESSAGE}"
    labels = ("学员姓名", "身份证号", "个人成果编号", "颁证日期")
    assert reasons[1] == "；".join(f"{label}：{UNCOMPUTED_MESSAGE}" for label in labels)
    assert await LearnerAchievement.filter(import_job_id=done["id"]).count() == 1


async def test_learner_accounts_import(api, world):
    token = world.tokens["sub"]
    rows = [
        ["测试学历1", resident_id(201), None],
        ["测试学历2", resident_id(202), "居民身份证"],
        ["护照学员", "E12345678", "护照"],
        ["学员1", world.learner.id_number, None],  # already has an account
        ["", resident_id(203), None],
        ["类型错", resident_id(204), "驾驶证"],
    ]
    done = await import_and_wait(
        api, token, "LEARNER_ACCOUNTS", workbook(["*学员姓名", "*身份证号", "证件类型"], rows)
    )
    assert (done["importedCount"], done["refusedCount"]) == (3, 3)
    reasons = [row[-1] for row in sheet_rows(await download(api, token, done["refusedRowsUrl"]))]
    assert reasons[1:] == [
        "身份证号：该证件号码已有学习账户",
        "学员姓名：必填项未填写",
        "证件类型：“驾驶证”不在下拉选项中",
    ]
    created = await Learner.filter(import_job_id=done["id"]).order_by("name")
    assert {learner.status for learner in created} == {LearnerStatus.INACTIVE}
    assert len({learner.card_number for learner in created}) == 3


async def test_community_accounts_and_training_results(api, world):
    """Seed 002: accounts by the 15-column template, then results by user number or ID."""
    token = world.tokens["main"]
    name = world.institution.name
    template = await api.client.get("/templates/community_accounts.xlsx")
    assert sheet_rows(template.content)[0] == COMMUNITY_ACCOUNTS.headers
    assert len(COMMUNITY_ACCOUNTS.columns) == 15

    def account(n: int, number: str, **changes: Any) -> list[Any]:
        values = {
            "agreement_user_number": number,
            "name": f"社区学员{n}",
            "gender": "女",
            "id_type": "居民身份证",
            "id_number": resident_id(300 + n, "19600101"),
            "education_level": "普通高级中学",
            "professional_title": "无",
            "province": "江苏省",
            "city": "南京市",
            "district": "鼓楼区",
            "occupation": "不便分类的其它从业人员",
            "education_category": "非正式教育",
            "learning_level_1": "线下教育",
            "learning_level_2": "社区教育",
            "learning_level_3": "其它",
            **changes,
        }
        return [values[column.key] for column in COMMUNITY_ACCOUNTS.columns]

    accounts = [
        account(1, "SQ001"),
        account(2, "SQ002"),
        account(3, "SQ001"),  # user number repeated
        account(4, "SQ004", learning_level_2="学历教育"),
        account(5, "SQ005", gender="未知"),
    ]
    done = await import_and_wait(
        api, token, "COMMUNITY_ACCOUNTS", filled(template.content, accounts)
    )
    assert (done["importedCount"], done["refusedCount"]) == (2, 3)
    reasons = [row[-1] for row in sheet_rows(await download(api, token, done["refusedRowsUrl"]))]
    assert reasons[1:] == [
        "协议单位用户号：与第2行重复",
        "二级学习成果：“学历教育”不在下拉选项中",
        "性别：“未知”不在下拉选项中",
    ]
    first = await Learner.get(agreement_user_number="SQ001")
    assert (first.province, first.city, first.occupation) == (
        "江苏省",
        "南京市",
        "不便分类的其它从业人员",
    )

    results_template = await api.client.get("/templates/community_results.xlsx")
    assert sheet_rows(results_template.content)[0] == COMMUNITY_RESULTS.headers
    by_number = [
        ["SQ001", name, None, "太极拳培训", "20220801"],
        ["SQ002", name, None, "插花艺术", 20220915],
        ["SQ009", name, None, "书法", "20220801"],  # no such learner
        ["SQ001", "别的学院", None, "书法", "20220801"],
        ["SQ002", name, None, "茶艺", "2022-08-01"],  # not YYYYMMDD
        [None, name, resident_id(302, "19600101"), "摄影", "20220801"],  # by ID, not chosen
    ]
    done = await import_and_wait(
        api,
        token,
        "COMMUNITY_RESULTS",
        filled(results_template.content, by_number),
        matchBy="AGREEMENT_USER_NUMBER",
    )
    assert (done["importedCount"], done["refusedCount"]) == (2, 4)
    reasons = [row[-1] for row in sheet_rows(await download(api, token, done["refusedRowsUrl"]))]
    assert reasons[1:] == [
        "协议单位用户号：未找到对应的学习账户，请先导入学习账户信息",
        "协议单位名称：与本单位名称不一致",
        "成果取得时间：日期格式不正确，应如20220801",
        "协议单位用户号：按协议单位用户号导入时必填",
    ]
    taichi = await LearnerAchievement.get(name="太极拳培训")
    assert taichi.issue_date == dt.date(2022, 8, 1)
    assert taichi.subtype_id == "community_education"
    assert taichi.details["learning_level_2_label"] == "社区教育"

    by_id = [[None, name, resident_id(302, "19600101"), "摄影", "20220801"]]
    done = await import_and_wait(
        api, token, "COMMUNITY_RESULTS", workbook(COMMUNITY_RESULTS, by_id), matchBy="ID_NUMBER"
    )
    assert (done["importedCount"], done["refusedCount"]) == (1, 0)


async def test_catalogue_import_of_a_subtype(api, world):
    token = world.tokens["main"]
    template = await api.client.get("/templates/catalogue_entries.xlsx?subtype=higher_diploma")
    assert template.status_code == 200
    headers = sheet_rows(template.content)[0]
    assert headers[:2] == ["*成果名称", "颁证机构"] and "*层次" in headers
    good = {
        "*成果名称": "软件工程毕业证书(本科)",
        "*层次": "本科",
        "*学科门类": "工学",
        "*专业类": "计算机类",
        "*专业": "软件工程",
        "*毕业结论": "毕业证书",
        "*学制(年)": 4,
        "*最低毕业学分": 160,
        "*成果简介": "本科毕业",
    }
    bad = {**good, "*成果名称": "坏的", "*层次": "幼儿园", "*学制(年)": "四年"}
    same = dict(good)
    rows = [[values.get(header) for header in headers] for values in (good, bad, same)]
    done = await import_and_wait(
        api, token, "CATALOGUE_ENTRIES", filled(template.content, rows), subtype="higher_diploma"
    )
    assert (done["importedCount"], done["refusedCount"]) == (1, 2)
    reasons = [row[-1] for row in sheet_rows(await download(api, token, done["refusedRowsUrl"]))]
    assert "层次：“幼儿园”不在下拉选项中" in reasons[1] and "学制(年)" in reasons[1]
    assert reasons[2] == "成果名称：与第2行重复"
    entry = await InstitutionAchievement.get(name="软件工程毕业证书(本科)")
    assert entry.details["level"] == "bachelor" and entry.details["level_label"] == "本科"
    assert entry.issuer_name == world.institution.name

    again = await import_and_wait(
        api,
        token,
        "CATALOGUE_ENTRIES",
        filled(template.content, rows[:1] + [[None] * len(headers)] * 2),
        subtype="higher_diploma",
    )
    assert again["refusedCount"] == 1
    reasons = [r[-1] for r in sheet_rows(await download(api, token, again["refusedRowsUrl"]))]
    assert reasons[1] == "成果名称：已存在相同的机构成果"


async def test_a_job_that_died_half_way_finishes_without_doubles(api, world, tmp_path):
    token = world.tokens["main"]
    rows = [
        [f"学员{n}", resident_id(400 + n, "19990101"), f"C-{n}", "2022-06-30"] for n in range(25)
    ]
    rows.append(["坏号码", bad_check_digit(resident_id(499)), "C-X", "2022-06-30"])

    class Crash(Exception):
        pass

    async def crash_after_second_chunk(index: int) -> None:
        if index == 1:
            raise Crash

    limits = ImportLimits(max_rows=100, chunk_rows=10)
    queued: list = []

    class Holding:
        async def enqueue_import(self, job_id) -> None:
            queued.append(job_id)

        async def close(self) -> None:
            pass

    api.services.jobs = Holding()
    payload = await upload_import(
        api, token, "DEPOSITS", workbook(DEPOSITS, rows), catalogueEntryId=str(world.entry.id)
    )
    (job_id,) = queued
    storage = api.services.storage
    with pytest.raises(Crash):
        await run_import(job_id, storage, limits, after_chunk=crash_after_second_chunk)
    half = await ImportJob.get(id=job_id)
    assert half.status == ImportStatus.RUNNING
    assert await LearnerAchievement.filter(import_job_id=job_id).count() == 20
    assert await Learner.filter(import_job_id=job_id).count() == 20  # whole chunks only
    assert half.processed_rows == 21  # the refused row, and two chunks of ten

    # a second runner cannot take a job whose runner is still alive
    assert await run_import(job_id, storage, limits) is None
    # after the heartbeat went stale, it can
    await ImportJob.filter(id=job_id).update(heartbeat_at=now() - dt.timedelta(minutes=5))
    finished = await run_import(job_id, storage, limits)
    assert finished is not None and finished.status == ImportStatus.FINISHED
    assert (finished.imported_count, finished.refused_count, finished.attempts) == (25, 1, 2)
    assert await LearnerAchievement.filter(import_job_id=job_id).count() == 25
    assert await Message.filter(event="achievement.deposited").count() == 25
    done = await record(api, token, payload["record"]["id"])
    assert len(sheet_rows(await imported_rows(api, token, done["id"]))) == 26


async def test_records_of_the_past_year_for_the_own_institution_only(api, world):
    token = world.tokens["main"]
    data = workbook(DEPOSITS, [["新人", resident_id(501), "R-1", "2022-06-30"]])
    done = await import_and_wait(api, token, "DEPOSITS", data, catalogueEntryId=str(world.entry.id))
    other = await api.gql(IMPORT_RECORDS, {}, world.tokens["other_main"])
    assert other["importRecords"]["totalCount"] == 0
    response = await api.post(
        "query($id: ID!) { importRecord(id: $id) { id } }",
        {"id": done["id"]},
        world.tokens["other_main"],
    )
    assert response.json()["errors"][0]["message"] == "导入记录不存在"
    assert (await api.gql(IMPORT_RECORDS, {}, token))["importRecords"]["totalCount"] == 1
    await ImportJob.filter(id=done["id"]).update(created_at=now() - dt.timedelta(days=400))
    assert (await api.gql(IMPORT_RECORDS, {}, token))["importRecords"]["totalCount"] == 0
    # the other institution cannot fetch the result workbooks either
    files = await StoredFile.filter(id=done["refusedRowsUrl"].split("/")[2].split("?")[0])
    assert files and files[0].institution_id == world.institution.id


@pytest.mark.parametrize("who", ["anonymous", "learner", "admin"])
async def test_only_institutions_import(api, world, who):
    data = workbook(DEPOSITS, [["新人", resident_id(601), "P-1", "2022-06-30"]])
    body = await upload_import_body(
        api, world.tokens[who], "DEPOSITS", data, catalogueEntryId=str(world.entry.id)
    )
    assert body["data"] is None
    assert body["errors"][0]["message"] in ("仅机构用户可以访问", "请先登录")
    assert await ImportJob.all().count() == 0
    assert await StoredFile.all().count() == 0


async def test_an_api_token_imports_and_another_institutions_entry_is_refused(api, world):
    data = workbook(DEPOSITS, [["新人", resident_id(701), "T-1", "2022-06-30"]])
    done = await import_and_wait(
        api, world.tokens["api_token"], "DEPOSITS", data, catalogueEntryId=str(world.entry.id)
    )
    assert done["importedCount"] == 1
    payload = await upload_import(
        api, world.tokens["other_main"], "DEPOSITS", data, catalogueEntryId=str(world.entry.id)
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("catalogueEntryId", "NOT_FOUND")
    ]
    missing = await upload_import(api, world.tokens["main"], "DEPOSITS", data)
    assert missing["errors"][0]["field"] == "catalogueEntryId"
    assert await ImportJob.all().count() == 1


BAD_FILES = {  # the fixture, and what its refusal must say
    "not_xlsx.pdf": "文件是 PDF，不是 Excel 工作簿",
    "old_format.xls": "旧版 Excel 文件（.xls）",
    "encrypted.xlsx": "设置了密码保护",
    "corrupt.xlsx": "文件已损坏或不完整",
    "zip_bomb.xlsx": "疑似压缩炸弹",
    "million_columns.xlsx": "超过上限 200 列",
    "wrong_headers.xlsx": "缺少必填列：*学员姓名、*身份证号、*个人成果编号、*颁证日期",
    "empty_sheet.xlsx": "工作表中没有数据",
    "no_worksheets.xlsx": "工作簿中没有工作表",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
async def test_bad_files_are_refused_before_anything_is_written(api, world, name):
    data = (FIXTURES / name).read_bytes()
    before = (await ImportJob.all().count(), await StoredFile.all().count())
    payload = await upload_import(
        api, world.tokens["main"], "DEPOSITS", data, name, catalogueEntryId=str(world.entry.id)
    )
    errors = payload["errors"]
    assert errors and {e["field"] for e in errors} == {"file"}
    assert {e["code"] for e in errors} <= {"INVALID", "REQUIRED"}
    assert any(BAD_FILES[name] in e["message"] for e in errors), errors
    assert payload["record"] is None
    assert (await ImportJob.all().count(), await StoredFile.all().count()) == before


async def test_wrong_template_and_too_many_rows_are_refused(api, world):
    token = world.tokens["main"]
    entry = {"catalogueEntryId": str(world.entry.id)}
    accounts = workbook(LEARNER_ACCOUNTS, [["甲", resident_id(901), None]])
    payload = await upload_import(api, token, "DEPOSITS", accounts, **entry)
    assert payload["errors"][0]["field"] == "file"
    assert "学员信息" in payload["errors"][0]["message"]

    api.services.imports = ImportLimits(max_rows=3, chunk_rows=10)
    rows = [[f"学员{n}", resident_id(910 + n), f"M-{n}", "2022-06-30"] for n in range(4)]
    payload = await upload_import(api, token, "DEPOSITS", workbook(DEPOSITS, rows), **entry)
    assert payload["errors"][0]["field"] == "file" and "3" in payload["errors"][0]["message"]
    assert await ImportJob.all().count() == 0
    assert await StoredFile.all().count() == 0
