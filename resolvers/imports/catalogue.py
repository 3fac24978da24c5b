"""Importing catalogue entries (批量导入机构成果) of one subtype: its typed fields as columns,
drop-down terms by their labels. Entries start unrecognised, like one saved by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from models import AchievementSubtype, ImportJob, Institution, InstitutionAchievement
from resolvers.achievements.details import SCHEMAS, TermBook, camel, identity_key, validate_details
from resolvers.core.errors import ErrorCode, Problems
from resolvers.core.ids import time_ordered_id
from resolvers.imports.rows import CheckedRow, ChunkOutcome, read_row
from resolvers.workbooks.layouts import Layout, catalogue_layout
from resolvers.workbooks.reader import SheetRow

_COMMON = ("name", "issuer_name", "introduction")


class CatalogueRows:
    def __init__(
        self, subtype: AchievementSubtype, institution: Institution, terms: TermBook, today
    ) -> None:
        self.layout: Layout = catalogue_layout(subtype.detail_schema, subtype.label)
        self.duplicate_label = "成果名称"
        self._subtype = subtype
        self._institution = institution
        self._terms = terms
        self._today: dt.date = today
        self._labels = {camel(spec.name): spec.label for spec in SCHEMAS[subtype.detail_schema]}
        self._labels["modules"] = "模块及学分"

    def check(self, row: SheetRow) -> CheckedRow:
        checked = read_row(self.layout, row, self._terms)
        values = checked.values
        raw = {key: value for key, value in values.items() if key not in _COMMON}
        if raw.get("modules") is None:
            raw.pop("modules", None)
        if any(p.field in self._labels.values() for p in checked.problems.items):
            details: dict[str, Any] = {}
        else:
            problems = Problems()
            details = validate_details(
                self._subtype.detail_schema, raw, self._terms, problems, "", self._today
            )
            for problem in problems.items:
                path = (problem.field or "").lstrip(".")
                label = self._labels.get(path.split(".")[0], path)
                checked.problems.add(label, problem.code, problem.message)
        values["details"] = details
        if not checked.refused:
            checked.key = (values["name"], identity_key(self._subtype.detail_schema, details))
        return checked

    async def write(self, rows: list[CheckedRow], job: ImportJob) -> ChunkOutcome:
        outcome = ChunkOutcome()
        schema = self._subtype.detail_schema
        existing = {
            (name, identity_key(schema, details)): written_by
            for name, details, written_by in await InstitutionAchievement.filter(
                institution_id=job.institution_id,
                subtype_id=self._subtype.code,
                name__in=list({row.values["name"] for row in rows}),
            ).values_list("name", "details", "import_job_id")
        }
        entries = []
        for row in rows:
            if row.key in existing:
                if existing[row.key] == job.id:
                    outcome.imported.append(row)
                else:
                    row.refuse("成果名称", ErrorCode.CONFLICT, "已存在相同的机构成果")
                    outcome.refused.append(row)
                continue
            values = row.values
            entries.append(
                InstitutionAchievement(
                    id=time_ordered_id(),
                    institution_id=job.institution_id,
                    subtype_id=self._subtype.code,
                    category_id=self._subtype.category_id,
                    name=values["name"],
                    issuer_name=values["issuer_name"] or self._institution.name,
                    details=values["details"],
                    introduction=values["introduction"],
                    created_by_id=job.operator_id,
                    import_job_id=job.id,
                )
            )
            outcome.imported.append(row)
        await InstitutionAchievement.bulk_create(entries)
        return outcome
