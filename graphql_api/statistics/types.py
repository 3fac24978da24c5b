"""Statistics types: account overviews and the bank-wide figures."""

from __future__ import annotations

from decimal import Decimal

import strawberry


@strawberry.type(description="成果总数 / 学历成果 / 非学历成果 / 无一定形式成果.")
class CategoryCounts:
    total: int
    academic: int
    non_academic: int
    informal: int


@strawberry.type(
    description="转换规则管理: 规则总数 / 未发布 / 已发布 / 下架 of the institution's own rules."
)
class RuleCounts:
    total: int
    draft: int
    published: int
    off_shelf: int


@strawberry.type(description="机构账户中心 › 账户概况 (seed 003 §2.1).")
class InstitutionOverview:
    catalogue: CategoryCounts = strawberry.field(description="机构成果")
    deposits: CategoryCounts = strawberry.field(description="学员成果 (not withdrawn)")
    rules: RuleCounts
    learners: int = strawberry.field(
        description="Learners the institution created or deposited for."
    )


@strawberry.type(
    description="个人中心: 学银卡, 我的成就 (学分银行学分) and 账户概况 (seed 004 §2)."
)
class LearnerOverview:
    card_number: str
    credits: Decimal
    achievements: int
    stored: int
    registered: int
    withdrawn: int
    personally_obtained: int
    conversion_obtained: int


@strawberry.type(description="One count under a combination of keys, with their Chinese labels.")
class Tally:
    keys: list[str]
    labels: list[str]
    count: int


@strawberry.type(description="Bank-wide (or one institution's) figures for administrators.")
class BankStatistics:
    institutions_by_status: list[Tally]
    learners_by_status: list[Tally]
    catalogue_by_category_and_recognition: list[Tally]
    achievements_by_category_and_source: list[Tally]
    achievements_by_status: list[Tally]
    rules_by_state: list[Tally]
    applications_by_state: list[Tally]
