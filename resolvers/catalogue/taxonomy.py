"""The taxonomy the bank starts with (SPEC §3, seed 002) and the administrators' upkeep of it."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import AchievementCategory, AchievementSubtype, DetailSchema, TaxonomyTerm, TermKind
from resolvers.core import audit
from resolvers.core.actors import Actor, require_admin
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.validation import FieldChecker

CATEGORIES = [
    ("academic", "学历成果"),
    ("non_academic", "非学历成果"),
    ("informal", "无一定形式成果"),
]

# code, category, label, detail schema, restricted, synced only
SUBTYPES = [
    ("vocational_diploma", "academic", "职业教育学历证书", DetailSchema.DIPLOMA, False, False),
    ("higher_diploma", "academic", "普通高等教育学历证书", DetailSchema.DIPLOMA, False, False),
    ("continuing_diploma", "academic", "高等学历继续教育证书", DetailSchema.DIPLOMA, False, False),
    ("vocational_course", "academic", "职业教育学历课程", DetailSchema.COURSE, False, False),
    ("higher_course", "academic", "普通高等教育学历课程", DetailSchema.COURSE, False, False),
    ("continuing_course", "academic", "高等学历继续教育课程", DetailSchema.COURSE, False, False),
    (
        "x_certificate",
        "non_academic",
        "职业技能等级证书（X证书）",
        DetailSchema.CERTIFICATE,
        False,
        True,
    ),
    (
        "mohrss_certificate",
        "non_academic",
        "职业技能等级证书（人社部）",
        DetailSchema.CERTIFICATE,
        True,
        False,
    ),
    (
        "national_qualification",
        "non_academic",
        "国家职业资格证书",
        DetailSchema.CERTIFICATE,
        True,
        False,
    ),
    ("other_certificate", "non_academic", "其他非学历证书", DetailSchema.CERTIFICATE, True, False),
    ("intangible_heritage", "informal", "非物质文化遗产传承", DetailSchema.HERITAGE, False, False),
    ("competition_award", "informal", "竞赛奖励", DetailSchema.COMPETITION, False, False),
    (
        "community_education",
        "informal",
        "社区教育及其他非正式学习",
        DetailSchema.COMMUNITY,
        False,
        False,
    ),
]

# kind: [(code, label)], in display order
TERMS: dict[TermKind, list[tuple[str, str]]] = {
    TermKind.LEVEL: [
        ("vocational_college", "高职"),
        ("bachelor", "本科"),
        ("vocational_bachelor", "职业教育本科"),
        ("master", "硕士"),
        ("doctor", "博士"),
    ],
    TermKind.DISCIPLINE: [
        (code, label)
        for code, label in [
            ("philosophy", "哲学"),
            ("economics", "经济学"),
            ("law", "法学"),
            ("education", "教育学"),
            ("literature", "文学"),
            ("history", "历史学"),
            ("science", "理学"),
            ("engineering", "工学"),
            ("agriculture", "农学"),
            ("medicine", "医学"),
            ("military", "军事学"),
            ("management", "管理学"),
            ("arts", "艺术学"),
            ("interdisciplinary", "交叉学科"),
        ]
    ],
    TermKind.GRADUATION_CONCLUSION: [
        ("graduated", "毕业证书"),
        ("completed", "结业证书"),
        ("attended", "肄业证书"),
    ],
    TermKind.CERTIFICATE_LEVEL: [("junior", "初级"), ("intermediate", "中级"), ("senior", "高级")],
    TermKind.AWARD_LEVEL: [
        ("national", "国家级"),
        ("provincial", "省部级"),
        ("municipal", "市级"),
        ("county", "区县级"),
        ("school", "校级"),
    ],
}

# The community-education classification of seed 002, table 1 (columns 12–15), as a chain.
COMMUNITY_CHAIN = [
    (TermKind.EDUCATION_CATEGORY, "informal_education", "非正式教育"),
    (TermKind.LEARNING_LEVEL_1, "offline_education", "线下教育"),
    (TermKind.LEARNING_LEVEL_2, "community_education", "社区教育"),
    (TermKind.LEARNING_LEVEL_3, "other", "其它"),
]


async def ensure_default_taxonomy() -> None:
    """Create the starting taxonomy where it is missing; never changes what administrators set."""
    async with in_transaction():
        for sort, (code, label) in enumerate(CATEGORIES):
            await AchievementCategory.get_or_create(
                code=code, defaults={"label": label, "sort": sort}
            )
        for sort, (code, category, label, schema, restricted, synced) in enumerate(SUBTYPES):
            await AchievementSubtype.get_or_create(
                code=code,
                defaults={
                    "category_id": category,
                    "label": label,
                    "detail_schema": schema,
                    "restricted": restricted,
                    "synced_only": synced,
                    "sort": sort,
                },
            )
        for kind, terms in TERMS.items():
            for sort, (code, label) in enumerate(terms):
                await TaxonomyTerm.get_or_create(
                    kind=kind, code=code, defaults={"label": label, "sort": sort}
                )
        parent = None
        for kind, code, label in COMMUNITY_CHAIN:
            parent, _ = await TaxonomyTerm.get_or_create(
                kind=kind, code=code, defaults={"label": label, "parent": parent}
            )


# -- reading -------------------------------------------------------------------------------------


async def list_categories() -> list[AchievementCategory]:
    return await AchievementCategory.all().order_by("sort", "code")


async def list_subtypes(
    category: str | None = None, include_inactive: bool = False
) -> list[AchievementSubtype]:
    query = AchievementSubtype.all()
    if category:
        query = query.filter(category_id=category)
    if not include_inactive:
        query = query.filter(active=True)
    return await query.order_by("sort", "code")


async def list_terms(
    kind: TermKind | None = None,
    include_inactive: bool = False,
    parent_id: uuid.UUID | None = None,
) -> list[TaxonomyTerm]:
    query = TaxonomyTerm.all()
    if kind is not None:
        query = query.filter(kind=kind)
    if parent_id is not None:
        query = query.filter(parent_id=parent_id)
    if not include_inactive:
        query = query.filter(active=True)
    return await query.order_by("kind", "sort", "code", "id")


# -- administrators' upkeep ----------------------------------------------------------------------

_CODE = re.compile(r"[a-z][a-z0-9_]{1,39}")
_CODE_MESSAGE = "代码应为2-40位小写字母、数字或下划线，以字母开头"

# The community-education chain of seed 002: each level hangs under the one before it.
PARENT_KIND = {
    TermKind.LEARNING_LEVEL_1: TermKind.EDUCATION_CATEGORY,
    TermKind.LEARNING_LEVEL_2: TermKind.LEARNING_LEVEL_1,
    TermKind.LEARNING_LEVEL_3: TermKind.LEARNING_LEVEL_2,
}


@dataclass
class SubtypeInput:
    """A new 成果子类型: its category, label, which typed fields it has and who may deposit it."""

    code: str
    category: str
    label: str
    detail_schema: DetailSchema
    restricted: bool = False
    synced_only: bool = False


@dataclass
class TermInput:
    """A new value of a term list; levels of the community-education chain name their parent."""

    kind: TermKind
    code: str
    label: str
    parent_id: uuid.UUID | None = None


def _code(checker: FieldChecker, field: str, value: str) -> str:
    code = checker.text(field, value, max_length=40)
    if code and not _CODE.fullmatch(code):
        checker.problems.add(field, ErrorCode.INVALID, _CODE_MESSAGE)
    return code


async def add_subtype(actor: Actor, data: SubtypeInput) -> AchievementSubtype:
    require_admin(actor)
    checker = FieldChecker()
    code = _code(checker, "code", data.code)
    label = checker.text("label", data.label, max_length=40)
    if data.restricted and data.synced_only:
        checker.problems.add(
            "syncedOnly", ErrorCode.INVALID, "仅同步的成果子类型不能同时要求授权存储"
        )
    if data.category and not await AchievementCategory.exists(code=data.category):
        checker.problems.add("category", ErrorCode.NOT_FOUND, "成果类型不存在")
    checker.done()
    async with in_transaction():
        if await AchievementSubtype.exists(code=code):
            raise DomainError.of(ErrorCode.CONFLICT, "该成果子类型代码已存在", "code")
        if await AchievementSubtype.exists(category_id=data.category, label=label):
            raise DomainError.of(ErrorCode.CONFLICT, "该成果类型下已有同名子类型", "label")
        last = await AchievementSubtype.all().order_by("-sort").first()
        try:
            subtype = await AchievementSubtype.create(
                code=code,
                category_id=data.category,
                label=label,
                detail_schema=data.detail_schema,
                restricted=data.restricted,
                synced_only=data.synced_only,
                sort=(last.sort + 1) if last else 0,
            )
        except IntegrityError:
            raise DomainError.of(ErrorCode.CONFLICT, "该成果子类型代码已存在", "code") from None
        await _record_subtype(actor, "subtype.add", subtype, None)
    return subtype


async def _record_subtype(
    actor: Actor, action: str, subtype: AchievementSubtype, before: dict | None
) -> None:
    """Subtypes are keyed by code; the audit log knows them by :func:`audit.object_uuid`."""
    after = audit.snapshot(subtype)
    if before is not None:
        before, after = audit.changed(before, after)
    await audit.record(
        actor, action, subtype, before=before, after=after, object_id=audit.object_uuid(subtype)
    )


async def _locked_subtype(code: str) -> AchievementSubtype:
    subtype = await AchievementSubtype.select_for_update().get_or_none(code=code)
    if subtype is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "成果子类型不存在", "code")
    return subtype


async def rename_subtype(actor: Actor, code: str, label: str) -> AchievementSubtype:
    require_admin(actor)
    checker = FieldChecker()
    label = checker.text("label", label, max_length=40)
    checker.done()
    async with in_transaction():
        subtype = await _locked_subtype(code)
        clash = (
            await AchievementSubtype.filter(category_id=subtype.category_id, label=label)
            .exclude(code=code)
            .exists()
        )
        if clash:
            raise DomainError.of(ErrorCode.CONFLICT, "该成果类型下已有同名子类型", "label")
        before = audit.snapshot(subtype)
        subtype.label = label
        await subtype.save(update_fields=["label"])
        await _record_subtype(actor, "subtype.rename", subtype, before)
    return subtype


async def set_subtype_active(actor: Actor, code: str, active: bool) -> AchievementSubtype:
    """Deactivate (停用) or reactivate a subtype; a deactivated one takes no new entries, and
    what was saved under it stays as it was."""
    require_admin(actor)
    async with in_transaction():
        subtype = await _locked_subtype(code)
        if subtype.active == active:
            return subtype
        before = audit.snapshot(subtype)
        subtype.active = active
        await subtype.save(update_fields=["active"])
        await _record_subtype(
            actor, "subtype.activate" if active else "subtype.deactivate", subtype, before
        )
    return subtype


async def add_term(actor: Actor, data: TermInput) -> TaxonomyTerm:
    require_admin(actor)
    checker = FieldChecker()
    code = _code(checker, "code", data.code)
    label = checker.text("label", data.label, max_length=60)
    parent_kind = PARENT_KIND.get(data.kind)
    parent = None
    if data.parent_id is not None:
        parent = await TaxonomyTerm.get_or_none(id=data.parent_id)
        if parent is None:
            checker.problems.add("parentId", ErrorCode.NOT_FOUND, "上级术语不存在")
        elif parent_kind is None:
            checker.problems.add("parentId", ErrorCode.INVALID, f"{data.kind.label}没有上级术语")
        elif parent.kind != parent_kind:
            checker.problems.add(
                "parentId", ErrorCode.INVALID, f"{data.kind.label}的上级应为{parent_kind.label}"
            )
    elif parent_kind is not None:
        checker.problems.add("parentId", ErrorCode.REQUIRED, f"请选择上级{parent_kind.label}")
    checker.done()
    async with in_transaction():
        if await TaxonomyTerm.exists(kind=data.kind, code=code):
            raise DomainError.of(ErrorCode.CONFLICT, "该术语代码已存在", "code")
        last = await TaxonomyTerm.filter(kind=data.kind).order_by("-sort").first()
        try:
            term = await TaxonomyTerm.create(
                kind=data.kind,
                code=code,
                label=label,
                parent=parent,
                sort=(last.sort + 1) if last else 0,
            )
        except IntegrityError:
            raise DomainError.of(ErrorCode.CONFLICT, "该术语代码已存在", "code") from None
        await audit.record(actor, "term.add", term, after=audit.snapshot(term))
    return term


async def _locked_term(term_id: uuid.UUID) -> TaxonomyTerm:
    term = await TaxonomyTerm.select_for_update().get_or_none(id=term_id)
    if term is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "术语不存在", "id")
    return term


async def rename_term(actor: Actor, term_id: uuid.UUID, label: str) -> TaxonomyTerm:
    """A new label; achievements saved before keep the label they were saved with."""
    require_admin(actor)
    checker = FieldChecker()
    label = checker.text("label", label, max_length=60)
    checker.done()
    async with in_transaction():
        term = await _locked_term(term_id)
        before = audit.snapshot(term)
        term.label = label
        await term.save(update_fields=["label"])
        await audit.record_change(actor, "term.rename", term, before)
    return term


async def set_term_active(actor: Actor, term_id: uuid.UUID, active: bool) -> TaxonomyTerm:
    """Deactivate (停用) or reactivate a term; new entries cannot choose a deactivated one."""
    require_admin(actor)
    async with in_transaction():
        term = await _locked_term(term_id)
        if term.active == active:
            return term
        before = audit.snapshot(term)
        term.active = active
        await term.save(update_fields=["active"])
        await audit.record_change(
            actor, "term.activate" if active else "term.deactivate", term, before
        )
    return term
