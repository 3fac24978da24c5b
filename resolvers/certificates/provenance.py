"""Where each achievement a certificate lists comes from (成果来源), said the way an employer
reads it: deposited by an institution (机构存储), obtained by conversion (转换获取), or registered
by the learner (学习者自行登记), then matched automatically against a recognised catalogue entry
or stored after an administrator's review. What the bank checked differs by source, and a
certificate says no more than that.

Whether a learner's registration was matched or reviewed is read from the audit log, where
``learner_achievement.match`` and ``learner_achievement.review`` record it. Certificates issued
before their snapshot carried this read it from the source label they did carry."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from models import AchievementSource, AuditEntry, Institution, LearnerAchievement


class Provenance(StrEnum):
    """The ``provenance`` code of a listed achievement (machine-readable, in the credential)."""

    INSTITUTION = "institution_deposit"
    CONVERSION = "conversion"
    LEARNER_MATCHED = "learner_matched"
    LEARNER_REVIEWED = "learner_reviewed"
    LEARNER = "learner_registered"  # how an administrator or a match stored it is not known
    BANK = "bank"
    X_PLATFORM = "x_platform"
    OTHER_BANK = "other_bank"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def self_registered(self) -> bool:
        """Registered by the learner: no institution put it in the bank."""
        return self in _SELF_REGISTERED


_LABELS = {
    Provenance.INSTITUTION: "机构存储",
    Provenance.CONVERSION: "转换获取",
    Provenance.LEARNER_MATCHED: "学习者自行登记（自动匹配）",
    Provenance.LEARNER_REVIEWED: "学习者自行登记（管理员审核）",
    Provenance.LEARNER: "学习者自行登记",
    Provenance.BANK: "学分银行录入",
    Provenance.X_PLATFORM: "X证书平台同步",
    Provenance.OTHER_BANK: "其他学分银行转入",
}
_SELF_REGISTERED = frozenset(
    {Provenance.LEARNER_MATCHED, Provenance.LEARNER_REVIEWED, Provenance.LEARNER}
)
_UNCONFIRMED = "颁证机构未存入或确认此项成果，个人成果编号和颁证日期由学习者本人填写"
# What the bank checked, for each source.
_NOTES = {
    Provenance.INSTITUTION: "由机构{depositor}直接存入学分银行",
    Provenance.CONVERSION: "由机构{depositor}依据学分银行发布的转换规则审核后转换获得",
    Provenance.LEARNER_MATCHED: "学习者本人登记；学分银行仅自动核对了成果名称、颁证机构和类型"
    "信息与已认定的机构成果一致。" + _UNCONFIRMED,
    Provenance.LEARNER_REVIEWED: "学习者本人登记，经学分银行管理员审核后存入。" + _UNCONFIRMED,
    Provenance.LEARNER: "学习者本人登记，经学分银行自动匹配或管理员审核后存入。" + _UNCONFIRMED,
    Provenance.BANK: "由学分银行录入",
    Provenance.X_PLATFORM: "由X证书信息管理服务平台同步至学分银行",
    Provenance.OTHER_BANK: "由其他学分银行转入",
}
_OF_SOURCE = {
    AchievementSource.INSTITUTION: Provenance.INSTITUTION,
    AchievementSource.CONVERSION: Provenance.CONVERSION,
    AchievementSource.PERSONAL: Provenance.LEARNER,
    AchievementSource.BANK: Provenance.BANK,
    AchievementSource.X_PLATFORM: Provenance.X_PLATFORM,
    AchievementSource.OTHER_BANK: Provenance.OTHER_BANK,
}
_OF_SOURCE_LABEL = {source.label: provenance for source, provenance in _OF_SOURCE.items()}
_BY_ACTION = {
    "learner_achievement.match": Provenance.LEARNER_MATCHED,
    "learner_achievement.review": Provenance.LEARNER_REVIEWED,
}


def _note(provenance: Provenance, depositor: str | None) -> str:
    return _NOTES[provenance].format(depositor=f"“{depositor}”" if depositor else "")


def _fields(provenance: Provenance, depositor: str | None) -> dict[str, Any]:
    return {
        "provenance": provenance.value,
        "provenanceLabel": provenance.label,
        "provenanceNote": _note(provenance, depositor),
        "selfRegistered": provenance.self_registered,
        "depositor": depositor,
    }


async def describe(rows: Sequence[LearnerAchievement]) -> dict[uuid.UUID, dict[str, Any]]:
    """The provenance fields of each row's certificate line, in two queries: the depositing
    institutions' names and the audit entries that stored the learners' registrations."""
    institution_ids = {
        row.institution_id
        for row in rows
        if row.institution_id is not None
        and row.source in (AchievementSource.INSTITUTION, AchievementSource.CONVERSION)
    }
    names: dict[uuid.UUID, str] = (
        dict(await Institution.filter(id__in=institution_ids).values_list("id", "name"))
        if institution_ids
        else {}
    )
    personal = [row.id for row in rows if row.source == AchievementSource.PERSONAL]
    stored_by: dict[uuid.UUID, Provenance] = {}
    if personal:
        entries = (
            await AuditEntry.filter(object_id__in=personal, action__in=list(_BY_ACTION))
            .order_by("at", "id")
            .values_list("object_id", "action")
        )
        for object_id, action in entries:
            stored_by[object_id] = _BY_ACTION[action]
    described = {}
    for row in rows:
        provenance = _OF_SOURCE[row.source]
        if row.source == AchievementSource.PERSONAL:
            provenance = stored_by.get(row.id, Provenance.LEARNER)
        depositor = names.get(row.institution_id) if row.institution_id else None
        if provenance.self_registered:  # the catalogue's institution deposited nothing
            depositor = None
        described[row.id] = _fields(provenance, depositor)
    return described


def provenance_of(line: dict[str, Any]) -> Provenance:
    """The provenance of a certificate line, also of one issued before lines carried it."""
    code = str(line.get("provenance"))
    if code in Provenance._value2member_map_:
        return Provenance(code)
    return _OF_SOURCE_LABEL.get(line.get("source", ""), Provenance.LEARNER)


def with_provenance(lines: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines, each with its provenance fields (derived for lines issued without them)."""
    return [
        line if "provenance" in line else {**line, **_fields(provenance_of(line), None)}
        for line in lines
    ]


def self_registered_count(lines: Iterable[dict[str, Any]]) -> int:
    return sum(1 for line in lines if provenance_of(line).self_registered)


CHECKED_STATEMENT = (
    "学分银行确认：本证明由学分银行开具，所列内容与开具时的记录一致。"
    "各项成果的可信程度取决于其来源：“机构存储”由该机构存入学分银行，“转换获取”由机构依据转换规则审核获得；"
    "“学习者自行登记”的成果未经颁证机构存入或确认，如需核实请联系颁证机构。"
)


def legend(lines: Iterable[dict[str, Any]]) -> list[str]:
    """One sentence per source the lines have, for the foot of a certificate page."""
    seen: dict[Provenance, None] = {}
    for line in lines:
        seen.setdefault(provenance_of(line))
    return [f"{p.label}：{_note(p, None)}" for p in seen]
