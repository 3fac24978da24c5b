"""Importing learner accounts: the institution's 学员信息 template, and the community-education
学习账户信息 template of seed 002 (table 1, 15 columns). New accounts start inactive and are
claimed by the person on registering; an ID number that already has an account is refused."""

from __future__ import annotations

from typing import Any

from models import Gender, IdType, ImportJob, Learner
from resolvers.achievements.details import TermBook
from resolvers.core.errors import ErrorCode
from resolvers.imports.rows import (
    CheckedRow,
    ChunkOutcome,
    check_identity,
    insert_learners,
    learners_by_identity,
    new_learner,
    read_row,
)
from resolvers.workbooks.layouts import COMMUNITY_ACCOUNTS, LEARNER_ACCOUNTS, Layout
from resolvers.workbooks.reader import SheetRow

_GENDER_BY_LABEL = {member.label: member for member in Gender}
_PROFILE_KEYS = ("education_level", "professional_title", "province", "city", "district")


class LearnerAccountRows:
    """学员信息 (name, ID number) or, with ``community``, the 15 columns of seed 002."""

    def __init__(self, terms: TermBook, *, community: bool) -> None:
        self.layout: Layout = COMMUNITY_ACCOUNTS if community else LEARNER_ACCOUNTS
        self._terms = terms
        self._community = community
        self._id_label = next(c.label for c in self.layout.columns if c.key == "id_number")
        self.duplicate_label = self._id_label
        self._user_numbers: dict[str, int] = {}  # 协议单位用户号 → first row using it

    def check(self, row: SheetRow) -> CheckedRow:
        checked = read_row(self.layout, row, self._terms)
        check_identity(checked, self._id_label, default=IdType.RESIDENT_ID)
        values = checked.values
        checked.key = checked.group = (values["id_type"], values.get("id_number"))
        number = values.get("agreement_user_number")
        if self._community and number and not checked.refused:
            first = self._user_numbers.setdefault(number, row.number)
            if first != row.number:
                checked.refuse("协议单位用户号", ErrorCode.CONFLICT, f"与第{first}行重复")
        return checked

    def _fields(self, values: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "name": values["name"],
            "id_type": values["id_type"],
            "id_number": values["id_number"],
        }
        if self._community:
            fields["gender"] = _GENDER_BY_LABEL[values["gender"]]
            fields["agreement_user_number"] = values["agreement_user_number"]
            fields["occupation"] = values["occupation"]
            fields.update({key: values[key] for key in _PROFILE_KEYS})
        return fields

    async def write(self, rows: list[CheckedRow], job: ImportJob) -> ChunkOutcome:
        outcome = ChunkOutcome()
        existing = await learners_by_identity(
            (row.values["id_type"], row.values["id_number"]) for row in rows
        )
        numbers_taken = await self._user_numbers_taken(rows, job)
        created: list[dict[str, Any]] = []
        for row in rows:
            learner = existing.get((row.values["id_type"], row.values["id_number"]))
            if learner is not None and learner.import_job_id == job.id:
                outcome.imported.append(row)  # written by an earlier run of this import
                continue
            if learner is not None:
                row.refuse(self._id_label, ErrorCode.CONFLICT, "该证件号码已有学习账户")
            elif row.values.get("agreement_user_number") in numbers_taken:
                row.refuse("协议单位用户号", ErrorCode.CONFLICT, "已被本单位其他学员使用")
            if row.refused:
                outcome.refused.append(row)
                continue
            created.append(new_learner(job, **self._fields(row.values)))
            outcome.imported.append(row)
        await insert_learners(created)
        return outcome

    async def _user_numbers_taken(self, rows: list[CheckedRow], job: ImportJob) -> set[str]:
        if not self._community:
            return set()
        numbers = [row.values["agreement_user_number"] for row in rows]
        found = await Learner.filter(
            created_by_institution_id=job.institution_id, agreement_user_number__in=numbers
        ).values_list("agreement_user_number", "import_job_id")
        return {number for number, written_by in found if written_by != job.id}
