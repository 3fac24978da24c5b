"""What every kind of import shares: a checked row, a chunk's outcome, the handler interface
each kind implements, and the bulk creation of learner accounts that several kinds need."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from models import IdType, ImportJob, Learner, LearnerStatus
from resolvers.accounts.cards import new_card_number
from resolvers.achievements.details import TermBook
from resolvers.core.bulk_rows import insert_rows
from resolvers.core.clock import now
from resolvers.core.errors import ErrorCode, Problems
from resolvers.core.ids import time_ordered_id
from resolvers.core.validation import id_number_error, normalize_id_number
from resolvers.imports.cells import read_cell, reason_of
from resolvers.workbooks.layouts import ID_TYPES, Layout
from resolvers.workbooks.reader import SheetRow

_LOOKUP_BATCH = 1000  # values per IN (...) lookup
ID_TYPE_BY_LABEL = {member.label: member for member in IdType}
assert tuple(ID_TYPE_BY_LABEL) == ID_TYPES


@dataclass
class CheckedRow:
    """A data row read against its layout: its values by column key, or why it is refused."""

    number: int
    cells: tuple[Any, ...]
    values: dict[str, Any]
    problems: Problems
    key: Hashable = None  # rows with equal keys in one file are duplicates
    group: Hashable = None  # rows of one group (a learner) are written in one transaction

    @property
    def refused(self) -> bool:
        return bool(self.problems.items)

    @property
    def reason(self) -> str:
        return reason_of(self.problems)

    def refuse(self, label: str, code: ErrorCode, message: str) -> None:
        self.problems.add(label, code, message)


@dataclass
class ChunkOutcome:
    imported: list[CheckedRow] = field(default_factory=list)
    refused: list[CheckedRow] = field(default_factory=list)


class KindHandler(Protocol):
    """One kind of import: checks rows without the database, then writes a chunk of good rows
    inside the transaction the caller opened."""

    layout: Layout
    duplicate_label: str  # the columns that make two rows of one file the same

    def check(self, row: SheetRow) -> CheckedRow: ...

    async def write(self, rows: list[CheckedRow], job: ImportJob) -> ChunkOutcome: ...


def read_row(layout: Layout, row: SheetRow, terms: TermBook) -> CheckedRow:
    """Every cell of ``row`` read for its column."""
    problems = Problems()
    values = {
        column.key: read_cell(column, cell, terms, problems)
        for column, cell in zip(layout.columns, row.cells, strict=True)
    }
    return CheckedRow(row.number, row.cells, values, problems)


def check_identity(checked: CheckedRow, id_label: str, *, default: IdType) -> None:
    """Normalise ``values['id_number']`` and set ``values['id_type']`` (an IdType), adding a
    problem under ``id_label`` when the number does not fit its type."""
    values = checked.values
    id_type = ID_TYPE_BY_LABEL.get(values.get("id_type") or "", default)
    values["id_type"] = id_type
    number = values.get("id_number")
    if number is None:
        return
    number = normalize_id_number(number)
    values["id_number"] = number
    error = id_number_error(id_type, number)
    if error:
        checked.refuse(id_label, ErrorCode.INVALID, error)


def check_not_after(checked: CheckedRow, key: str, label: str, today: dt.date) -> None:
    day = checked.values.get(key)
    if day is None:
        return
    if day > today:
        checked.refuse(label, ErrorCode.INVALID, "不能晚于今天")
    elif day < dt.date(1950, 1, 1):
        checked.refuse(label, ErrorCode.INVALID, "不能早于1950年")


def mark_duplicates(rows: Iterable[CheckedRow], labels: str) -> None:
    """Refuse every later row whose key repeats an earlier good row of the same file."""
    first: dict[Hashable, int] = {}
    for row in rows:
        if row.refused or row.key is None:
            continue
        if row.key in first:
            row.refuse(labels, ErrorCode.CONFLICT, f"与第{first[row.key]}行重复")
        else:
            first[row.key] = row.number


class KnownLearner(NamedTuple):
    id: uuid.UUID
    name: str
    import_job_id: uuid.UUID | None


async def learners_by_identity(
    identities: Iterable[tuple[IdType, str]],
) -> dict[tuple[IdType, str], KnownLearner]:
    by_type: dict[IdType, list[str]] = {}
    for id_type, number in set(identities):
        by_type.setdefault(id_type, []).append(number)
    found: dict[tuple[IdType, str], KnownLearner] = {}
    for id_type, numbers in by_type.items():  # the (id_type, id_number) index serves these
        for start in range(0, len(numbers), _LOOKUP_BATCH):
            rows = await Learner.filter(
                id_type=id_type, id_number__in=numbers[start : start + _LOOKUP_BATCH]
            ).values_list("id", "name", "import_job_id", "id_number")
            for learner_id, name, job_id, number in rows:
                found[(id_type, number)] = KnownLearner(learner_id, name, job_id)
    return found


def new_learner(job: ImportJob, **values: Any) -> dict[str, Any]:
    """The row of an inactive account kept by the importing institution, to insert."""
    moment = now()
    return {
        "id": time_ordered_id(),
        "card_number": new_card_number(),
        "status": LearnerStatus.INACTIVE,
        "created_by_institution_id": job.institution_id,
        "import_job_id": job.id,
        "created_at": moment,
        "updated_at": moment,
        **values,
    }


async def insert_learners(learners: list[dict[str, Any]]) -> None:
    """Insert new learners, each with a card number no other account (or other new learner)
    has: at a hundred thousand accounts a random draw does collide now and then."""
    pending = list(learners)
    taken: set[str] = set()
    while pending:
        numbers = [learner["card_number"] for learner in pending]
        clashes = taken.intersection(numbers)
        for start in range(0, len(numbers), _LOOKUP_BATCH):
            found = await Learner.filter(
                card_number__in=numbers[start : start + _LOOKUP_BATCH]
            ).values_list("card_number", flat=True)
            clashes.update(str(number) for number in found)
        retry = []
        for learner in pending:
            if learner["card_number"] in clashes:
                learner["card_number"] = new_card_number()
                retry.append(learner)
            else:
                clashes.add(learner["card_number"])
                taken.add(learner["card_number"])
        pending = retry
    await insert_rows(Learner, learners)
