"""GraphQL forms of the typed achievement fields: a oneOf input and a union of detail types."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from models import DetailSchema
from resolvers.core.errors import DomainError, ErrorCode


@strawberry.input(description="学历证书: 层次, 学科门类, 专业类, 专业 …")
class DiplomaDetailsInput:
    level: str = strawberry.field(description="Term code of kind LEVEL, e.g. bachelor.")
    discipline: str = strawberry.field(description="Term code of kind DISCIPLINE.")
    discipline_class: str = strawberry.field(description="专业类, e.g. 经济学类")
    major: str
    graduation_conclusion: str = strawberry.field(description="Term of GRADUATION_CONCLUSION.")
    schooling_years: Decimal
    min_graduation_credits: Decimal
    major_code: str | None = None
    original_hours: int | None = None
    original_credits: Decimal | None = None
    valid_from: dt.date | None = None


@strawberry.input(description="课程: 课程代码, 原始学时, 原始学分, 成绩.")
class CourseDetailsInput:
    course_code: str
    original_hours: int
    original_credits: Decimal
    score: str | None = None


@strawberry.input
class CertificateModuleInput:
    name: str
    credits: Decimal


@strawberry.input(description="非学历证书: 证书等级 and its modules with credits.")
class CertificateDetailsInput:
    level: str = strawberry.field(description="Term code of kind CERTIFICATE_LEVEL.")
    occupation: str | None = None
    modules: list[CertificateModuleInput] | None = None


@strawberry.input(description="竞赛奖励.")
class CompetitionDetailsInput:
    organiser: str
    award_level: str = strawberry.field(description="Term code of kind AWARD_LEVEL.")
    competition_name: str
    held_on: dt.date


@strawberry.input(description="非物质文化遗产传承.")
class HeritageDetailsInput:
    project_name: str
    heritage_level: str | None = None
    inheritor_title: str | None = None


@strawberry.input(description="社区教育及其他非正式学习 (seed 002: 学历类别 and three levels).")
class CommunityDetailsInput:
    education_category: str = "informal_education"
    learning_level_1: str = "offline_education"
    learning_level_2: str = "community_education"
    learning_level_3: str = "other"
    hours: int | None = None


@strawberry.input(
    one_of=True,
    description="Exactly one of these, the one the subtype's detailSchema names.",
)
class AchievementDetailsInput:
    diploma: DiplomaDetailsInput | None = strawberry.UNSET
    course: CourseDetailsInput | None = strawberry.UNSET
    certificate: CertificateDetailsInput | None = strawberry.UNSET
    competition: CompetitionDetailsInput | None = strawberry.UNSET
    heritage: HeritageDetailsInput | None = strawberry.UNSET
    community: CommunityDetailsInput | None = strawberry.UNSET

    def to_domain(self, expected: DetailSchema, field: str = "details") -> dict[str, Any]:
        """The chosen member as a plain dict; refuses a member of the wrong kind."""
        chosen = getattr(self, expected.value, None)
        if chosen in (None, strawberry.UNSET):
            raise DomainError.of(
                ErrorCode.INVALID, f"该成果子类型应填写{expected.label}信息", f"{field}.{expected}"
            )
        values = dict(vars(chosen))
        if expected == DetailSchema.CERTIFICATE:
            values["modules"] = [dict(vars(m)) for m in (chosen.modules or [])]
        return values


@strawberry.type
class DiplomaDetails:
    level: str | None
    level_label: str
    discipline: str | None
    discipline_label: str
    discipline_class: str | None
    major: str | None
    major_code: str | None
    graduation_conclusion: str | None
    graduation_conclusion_label: str
    schooling_years: Decimal | None
    min_graduation_credits: Decimal | None
    original_hours: int | None
    original_credits: Decimal | None
    valid_from: dt.date | None


@strawberry.type
class CourseDetails:
    course_code: str | None
    original_hours: int | None
    original_credits: Decimal | None
    score: str | None


@strawberry.type
class CertificateModule:
    name: str
    credits: Decimal | None


@strawberry.type
class CertificateDetails:
    level: str | None
    level_label: str
    occupation: str | None
    modules: list[CertificateModule]


@strawberry.type
class CompetitionDetails:
    organiser: str | None
    award_level: str | None
    award_level_label: str
    competition_name: str | None
    held_on: dt.date | None


@strawberry.type
class HeritageDetails:
    project_name: str | None
    heritage_level: str | None
    heritage_level_label: str
    inheritor_title: str | None


@strawberry.type
class CommunityDetails:
    education_category: str | None
    education_category_label: str
    learning_level_1: str | None
    learning_level_1_label: str
    learning_level_2: str | None
    learning_level_2_label: str
    learning_level_3: str | None
    learning_level_3_label: str
    hours: int | None


AchievementDetails = Annotated[
    DiplomaDetails
    | CourseDetails
    | CertificateDetails
    | CompetitionDetails
    | HeritageDetails
    | CommunityDetails,
    strawberry.union("AchievementDetails", description="成果附属信息, by the subtype's schema."),
]

_TYPES: dict[DetailSchema, type] = {
    DetailSchema.DIPLOMA: DiplomaDetails,
    DetailSchema.COURSE: CourseDetails,
    DetailSchema.CERTIFICATE: CertificateDetails,
    DetailSchema.COMPETITION: CompetitionDetails,
    DetailSchema.HERITAGE: HeritageDetails,
    DetailSchema.COMMUNITY: CommunityDetails,
}
_DATES = {"valid_from", "held_on"}
_DECIMALS = {"schooling_years", "min_graduation_credits", "original_credits"}


def _plain(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _DATES:
        return dt.date.fromisoformat(value)
    if name in _DECIMALS:
        return Decimal(value)
    return value


def details_to_graphql(schema: DetailSchema, stored: dict[str, Any]) -> Any:
    """The GraphQL object for a stored details dict."""
    cls = _TYPES[schema]
    names = cls.__annotations__.keys()
    values = {name: _plain(name, stored.get(name)) for name in names}
    for name in names:
        if name.endswith("_label"):
            values[name] = stored.get(name) or ""
    if schema == DetailSchema.CERTIFICATE:
        values["modules"] = [
            CertificateModule(name=m["name"], credits=_plain("original_credits", m["credits"]))
            for m in stored.get("modules") or []
        ]
    return cls(**values)
