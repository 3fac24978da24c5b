"""Importing learner achievements: deposits of one catalogue entry (学员成果 › 导入学员) and the
community-education personal training results of seed 002 (table 2). Each learner hears once
per import, in the transaction that writes their rows (SPEC §7)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from models import (
    AchievementSource,
    AchievementStatus,
    IdType,
    ImportJob,
    Institution,
    InstitutionAchievement,
    Learner,
    LearnerAchievement,
    MatchBy,
    RecognitionStatus,
)
from resolvers.achievements.details import TermBook
from resolvers.catalogue.taxonomy import COMMUNITY_CHAIN
from resolvers.core.bulk_rows import insert_rows
from resolvers.core.clock import now
from resolvers.core.errors import ErrorCode
from resolvers.core.ids import time_ordered_id
from resolvers.imports.rows import (
    CheckedRow,
    ChunkOutcome,
    KnownLearner,
    check_identity,
    check_not_after,
    insert_learners,
    learners_by_identity,
    new_learner,
    read_row,
)
from resolvers.messages import Notice, notify, to_learner
from resolvers.workbooks.layouts import COMMUNITY_RESULTS, DEPOSITS, Layout
from resolvers.workbooks.reader import SheetRow

ACHIEVEMENTS_LINK = "/achievements"
COMMUNITY_SUBTYPE = "community_education"
COMMUNITY_CATEGORY = "informal"


def _deposit_notices(
    institution: Institution, job: ImportJob, written: dict[uuid.UUID, list[str]]
) -> list[Notice]:
    """One message per learner for what this chunk wrote for them."""
    notices = []
    for learner_id, names in written.items():
        listed = "、".join(f"“{name}”" for name in names[:5])
        more = f"等{len(names)}项" if len(names) > 5 else ""
        notices.append(
            to_learner(
                learner_id,
                "achievement.deposited",
                "成果存储通知",
                f"{institution.name}通过批量导入为您存储了学习成果{listed}{more}，"
                "已存入您的学分银行账户。",
                ACHIEVEMENTS_LINK,
                job.id,
            )
        )
    return notices


_NOT_HELD = object()


class DepositRows:
    """学员成果 of one catalogue entry: 学员姓名, 身份证号, 个人成果编号, 颁证日期, 证件类型.
    An ID number without an account gets an inactive one, as a single deposit does."""

    layout: Layout = DEPOSITS
    duplicate_label = "身份证号、个人成果编号"

    def __init__(
        self, entry: InstitutionAchievement, institution: Institution, terms: TermBook, today
    ) -> None:
        self._entry = entry
        self._institution = institution
        self._terms = terms
        self._today = today
        self._copied = {  # what every deposit of the entry copies from it
            "catalogue_entry_id": entry.id,
            "institution_id": entry.institution_id,
            "subtype_id": entry.subtype_id,
            "category_id": entry.category_id,
            "name": entry.name,
            "issuer_name": entry.issuer_name,
            "details": entry.details,
            "introduction": entry.introduction,
            "source": AchievementSource.INSTITUTION,
            "status": AchievementStatus.STORED,
        }

    def check(self, row: SheetRow) -> CheckedRow:
        checked = read_row(self.layout, row, self._terms)
        check_identity(checked, "身份证号", default=IdType.RESIDENT_ID)
        check_not_after(checked, "issue_date", "颁证日期", self._today)
        values = checked.values
        identity = (values["id_type"], values.get("id_number"))
        checked.group = identity
        checked.key = (*identity, values.get("certificate_number"))
        return checked

    async def write(self, rows: list[CheckedRow], job: ImportJob) -> ChunkOutcome:
        outcome = ChunkOutcome()
        entry = self._entry
        learners = await learners_by_identity(
            (row.values["id_type"], row.values["id_number"]) for row in rows
        )
        held = {
            (learner_id, number): written_by
            for learner_id, number, written_by in await LearnerAchievement.filter(
                catalogue_entry_id=entry.id,
                learner_id__in=[learner.id for learner in learners.values()],
            ).values_list("learner_id", "certificate_number", "import_job_id")
        }
        new_learners: list[dict[str, Any]] = []
        achievements: list[dict[str, Any]] = []
        written: dict[uuid.UUID, list[str]] = defaultdict(list)
        moment = now()
        credits = (
            entry.credits if entry.recognition_status == RecognitionStatus.RECOGNISED else None
        )
        for row in rows:
            values = row.values
            identity = (values["id_type"], values["id_number"])
            learner = learners.get(identity)
            if learner is not None and learner.name != values["learner_name"]:
                row.refuse("学员姓名", ErrorCode.INVALID, "与该证件号码的学习账户姓名不一致")
                outcome.refused.append(row)
                continue
            if learner is None:
                fresh = new_learner(
                    job, name=values["learner_name"], id_type=identity[0], id_number=identity[1]
                )
                new_learners.append(fresh)
                learner = KnownLearner(fresh["id"], fresh["name"], job.id)
                learners[identity] = learner
            else:
                written_by = held.get((learner.id, values["certificate_number"]), _NOT_HELD)
                if written_by == job.id:
                    outcome.imported.append(row)  # an earlier run of this import wrote it
                    continue
                if written_by is not _NOT_HELD:
                    row.refuse("个人成果编号", ErrorCode.CONFLICT, "该学员已持有此成果")
                    outcome.refused.append(row)
                    continue
            held[(learner.id, values["certificate_number"])] = job.id
            achievements.append(
                {
                    **self._copied,
                    "id": time_ordered_id(),
                    "learner_id": learner.id,
                    "certificate_number": values["certificate_number"],
                    "issue_date": values["issue_date"],
                    "credits": credits,
                    "created_by_kind": job.operator_kind,
                    "created_by_id": job.operator_id,
                    "import_job_id": job.id,
                    "created_at": moment,
                    "updated_at": moment,
                    "stored_at": moment,
                }
            )
            written[learner.id].append(entry.name)
            outcome.imported.append(row)
        await insert_learners(new_learners)
        await insert_rows(LearnerAchievement, achievements)
        await notify(*_deposit_notices(self._institution, job, written))
        return outcome


class CommunityResultRows:
    """个人培训成果详细信息 (seed 002, table 2): each row names its learner by 协议单位用户号 or by
    证件号码, as chosen on import; the learner's account must exist (import it first)."""

    layout: Layout = COMMUNITY_RESULTS
    duplicate_label = "学习成果名称、成果取得时间"

    def __init__(self, institution: Institution, terms: TermBook, today, match_by: MatchBy):
        self._institution = institution
        self._terms = terms
        self._today = today
        self._match_by = match_by
        self._details: dict[str, str | None] = {}
        for kind, code, _ in COMMUNITY_CHAIN:
            key = kind.value
            self._details[key] = code
            self._details[f"{key}_label"] = terms.label(kind, code) or ""
        self._details["hours"] = None

    @property
    def _by_number(self) -> bool:
        return self._match_by == MatchBy.AGREEMENT_USER_NUMBER

    def check(self, row: SheetRow) -> CheckedRow:
        checked = read_row(self.layout, row, self._terms)
        values = checked.values
        label, key = (
            ("协议单位用户号", "agreement_user_number")
            if self._by_number
            else ("证件号码", "id_number")
        )
        if not values.get(key):
            checked.refuse(label, ErrorCode.REQUIRED, f"{self._match_by.label}时必填")
        elif not self._by_number:
            values["id_number"] = values["id_number"].strip().upper()
        name = values.get("institution_name")
        if name and name != self._institution.name:
            checked.refuse("协议单位名称", ErrorCode.INVALID, "与本单位名称不一致")
        check_not_after(checked, "obtained_on", "成果取得时间", self._today)
        checked.group = values.get(key)
        checked.key = (values.get(key), values.get("name"), values.get("obtained_on"))
        return checked

    async def _learners(self, rows: list[CheckedRow], job: ImportJob) -> dict[str, uuid.UUID]:
        if self._by_number:
            numbers = [row.values["agreement_user_number"] for row in rows]
            found = await Learner.filter(
                created_by_institution_id=job.institution_id, agreement_user_number__in=numbers
            ).values_list("agreement_user_number", "id")
        else:
            numbers = [row.values["id_number"] for row in rows]
            found = await Learner.filter(id_number__in=numbers).values_list("id_number", "id")
        return {number: learner_id for number, learner_id in found}

    async def write(self, rows: list[CheckedRow], job: ImportJob) -> ChunkOutcome:
        outcome = ChunkOutcome()
        learners = await self._learners(rows, job)
        held = {
            (learner_id, name, day): written_by
            for learner_id, name, day, written_by in await LearnerAchievement.filter(
                learner_id__in=list(set(learners.values())),
                subtype_id=COMMUNITY_SUBTYPE,
                institution_id=job.institution_id,
            ).values_list("learner_id", "name", "issue_date", "import_job_id")
        }
        achievements: list[dict[str, Any]] = []
        written: dict[uuid.UUID, list[str]] = defaultdict(list)
        moment = now()
        label = "协议单位用户号" if self._by_number else "证件号码"
        for row in rows:
            values = row.values
            learner_id = learners.get(str(row.group))
            if learner_id is None:
                row.refuse(label, ErrorCode.NOT_FOUND, "未找到对应的学习账户，请先导入学习账户信息")
                outcome.refused.append(row)
                continue
            key = (learner_id, values["name"], values["obtained_on"])
            if key in held:
                if held[key] == job.id:
                    outcome.imported.append(row)
                else:
                    row.refuse("学习成果名称", ErrorCode.CONFLICT, "该学员已有相同日期的同名成果")
                    outcome.refused.append(row)
                continue
            held[key] = job.id
            achievements.append(
                {
                    "id": time_ordered_id(),
                    "learner_id": learner_id,
                    "institution_id": job.institution_id,
                    "subtype_id": COMMUNITY_SUBTYPE,
                    "category_id": COMMUNITY_CATEGORY,
                    "name": values["name"],
                    "issuer_name": self._institution.name,
                    "details": dict(self._details),
                    "certificate_number": "",
                    "issue_date": values["obtained_on"],
                    "source": AchievementSource.INSTITUTION,
                    "status": AchievementStatus.STORED,
                    "created_by_kind": job.operator_kind,
                    "created_by_id": job.operator_id,
                    "import_job_id": job.id,
                    "created_at": moment,
                    "updated_at": moment,
                    "stored_at": moment,
                }
            )
            written[learner_id].append(values["name"])
            outcome.imported.append(row)
        await insert_rows(LearnerAchievement, achievements)
        await notify(*_deposit_notices(self._institution, job, written))
        return outcome
