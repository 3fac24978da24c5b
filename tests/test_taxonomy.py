"""The taxonomy as data: anyone reads it, administrators keep it, every change is audited, and
deactivated subtypes and terms are refused for new entries."""

from __future__ import annotations

import pytest

from models import AchievementSubtype, AuditEntry, TaxonomyTerm, TermKind
from resolvers.core.audit import object_uuid
from tests.catalogue_fixtures import CREATE, entry_input, institution_with_token
from tests.institution_fixtures import (
    FIELD_ERRORS,
    audit_actions,
    codes,
    login_learner,
    make_learner,
    top_level_error,
)

SUBTYPES = """query($category: String, $includeInactive: Boolean! = false) {
  achievementSubtypes(category: $category, includeInactive: $includeInactive) {
    code label category categoryLabel detailSchema detailSchemaLabel restricted syncedOnly active
  }
}"""
TERMS = """query($kind: TermKind, $includeInactive: Boolean! = false) {
  taxonomyTerms(kind: $kind, includeInactive: $includeInactive) {
    id kind kindLabel code label active parentId parent { code label kind }
  }
}"""
TERM_SELECTION = "term { id kind code label active parent { code } }"
SUBTYPE_SELECTION = "subtype { code label category categoryLabel detailSchema restricted active }"
SUBTYPE_ADD = f"""mutation($input: AchievementSubtypeAddInput!) {{
  achievementSubtypeAdd(input: $input) {{ {FIELD_ERRORS} {SUBTYPE_SELECTION} }} }}"""
SUBTYPE_RENAME = f"""mutation($input: AchievementSubtypeRenameInput!) {{
  achievementSubtypeRename(input: $input) {{ {FIELD_ERRORS} {SUBTYPE_SELECTION} }} }}"""
SUBTYPE_SET_ACTIVE = f"""mutation($input: AchievementSubtypeSetActiveInput!) {{
  achievementSubtypeSetActive(input: $input) {{ {FIELD_ERRORS} {SUBTYPE_SELECTION} }} }}"""
TERM_ADD = f"""mutation($input: TaxonomyTermAddInput!) {{
  taxonomyTermAdd(input: $input) {{ {FIELD_ERRORS} {TERM_SELECTION} }} }}"""
TERM_RENAME = f"""mutation($input: TaxonomyTermRenameInput!) {{
  taxonomyTermRename(input: $input) {{ {FIELD_ERRORS} {TERM_SELECTION} }} }}"""
TERM_SET_ACTIVE = f"""mutation($input: TaxonomyTermSetActiveInput!) {{
  taxonomyTermSetActive(input: $input) {{ {FIELD_ERRORS} {TERM_SELECTION} }} }}"""

MOOC = {
    "code": "mooc_course",
    "category": "informal",
    "label": "慕课学习",
    "detailSchema": "COURSE",
}


def _mooc_entry(name: str) -> dict:
    return {**entry_input("higher_course", name), "subtype": "mooc_course"}


async def _term_id(kind: TermKind, code: str) -> str:
    return str((await TaxonomyTerm.get(kind=kind, code=code)).id)


async def test_anyone_reads_the_taxonomy(api):
    categories = await api.gql("{ achievementCategories { code label } }")
    assert categories["achievementCategories"] == [
        {"code": "academic", "label": "学历成果"},
        {"code": "non_academic", "label": "非学历成果"},
        {"code": "informal", "label": "无一定形式成果"},
    ]

    academic = (await api.gql(SUBTYPES, {"category": "academic"}))["achievementSubtypes"]
    assert [s["label"] for s in academic] == [
        "职业教育学历证书",
        "普通高等教育学历证书",
        "高等学历继续教育证书",
        "职业教育学历课程",
        "普通高等教育学历课程",
        "高等学历继续教育课程",
    ]
    assert academic[1] == {
        "code": "higher_diploma",
        "label": "普通高等教育学历证书",
        "category": "academic",
        "categoryLabel": "学历成果",
        "detailSchema": "DIPLOMA",
        "detailSchemaLabel": "学历证书",
        "restricted": False,
        "syncedOnly": False,
        "active": True,
    }
    everything = {s["code"]: s for s in (await api.gql(SUBTYPES))["achievementSubtypes"]}
    assert len(everything) == 13
    assert everything["x_certificate"]["syncedOnly"] is True
    assert {code for code, s in everything.items() if s["restricted"]} == {
        "mohrss_certificate",
        "national_qualification",
        "other_certificate",
    }
    assert everything["community_education"]["categoryLabel"] == "无一定形式成果"

    levels = (await api.gql(TERMS, {"kind": "LEVEL"}))["taxonomyTerms"]
    assert [(t["code"], t["label"]) for t in levels] == [
        ("vocational_college", "高职"),
        ("bachelor", "本科"),
        ("vocational_bachelor", "职业教育本科"),
        ("master", "硕士"),
        ("doctor", "博士"),
    ]
    assert levels[0]["kindLabel"] == "层次" and levels[0]["parent"] is None
    (level3,) = (await api.gql(TERMS, {"kind": "LEARNING_LEVEL_3"}))["taxonomyTerms"]
    assert level3["label"] == "其它"
    assert level3["parent"] == {
        "code": "community_education",
        "label": "社区教育",
        "kind": "LEARNING_LEVEL_2",
    }
    everything_terms = (await api.gql(TERMS))["taxonomyTerms"]
    assert len(everything_terms) == await TaxonomyTerm.all().count()


async def test_administrator_adds_renames_and_deactivates_a_subtype(api, admin_token):
    admin = api.as_(admin_token)
    added = (await admin.gql(SUBTYPE_ADD, {"input": MOOC}))["achievementSubtypeAdd"]
    assert added == {
        "errors": [],
        "subtype": {
            "code": "mooc_course",
            "label": "慕课学习",
            "category": "informal",
            "categoryLabel": "无一定形式成果",
            "detailSchema": "COURSE",
            "restricted": False,
            "active": True,
        },
    }
    informal = (await api.gql(SUBTYPES, {"category": "informal"}))["achievementSubtypes"]
    assert informal[-1]["code"] == "mooc_course"

    again = (await admin.gql(SUBTYPE_ADD, {"input": MOOC}))["achievementSubtypeAdd"]
    assert codes(again) == [("code", "CONFLICT")]
    same_label = {**MOOC, "code": "mooc2"}
    assert codes(
        (await admin.gql(SUBTYPE_ADD, {"input": same_label}))["achievementSubtypeAdd"]
    ) == [("label", "CONFLICT")]
    bad = {**MOOC, "code": "Bad Code", "category": "nowhere", "label": "x" * 41}
    assert sorted(
        codes((await admin.gql(SUBTYPE_ADD, {"input": bad}))["achievementSubtypeAdd"])
    ) == [("category", "NOT_FOUND"), ("code", "INVALID"), ("label", "TOO_LONG")]
    both = {**MOOC, "code": "mooc3", "label": "另一个", "restricted": True, "syncedOnly": True}
    assert codes((await admin.gql(SUBTYPE_ADD, {"input": both}))["achievementSubtypeAdd"]) == [
        ("syncedOnly", "INVALID")
    ]
    assert await AchievementSubtype.all().count() == 14

    renamed = (
        await admin.gql(SUBTYPE_RENAME, {"input": {"code": "mooc_course", "label": "慕课课程"}})
    )["achievementSubtypeRename"]
    assert renamed["errors"] == [] and renamed["subtype"]["label"] == "慕课课程"
    missing = (await admin.gql(SUBTYPE_RENAME, {"input": {"code": "nothing", "label": "无"}}))[
        "achievementSubtypeRename"
    ]
    assert codes(missing) == [("code", "NOT_FOUND")]

    # An institution can save entries of it until it is deactivated.
    _, token = await institution_with_token(api, 1)
    created = (await api.gql(CREATE, {"input": _mooc_entry("Python入门")}, token=token))[
        "catalogueEntryCreate"
    ]
    assert created["errors"] == [] and created["entry"]["subtypeLabel"] == "慕课课程"

    off = (
        await admin.gql(SUBTYPE_SET_ACTIVE, {"input": {"code": "mooc_course", "active": False}})
    )["achievementSubtypeSetActive"]
    assert off["errors"] == [] and off["subtype"]["active"] is False
    listed = (await api.gql(SUBTYPES, {"category": "informal"}))["achievementSubtypes"]
    assert "mooc_course" not in [s["code"] for s in listed]
    listed = await api.gql(SUBTYPES, {"category": "informal", "includeInactive": True})
    assert "mooc_course" in [s["code"] for s in listed["achievementSubtypes"]]
    refused = (await api.gql(CREATE, {"input": _mooc_entry("Java入门")}, token=token))[
        "catalogueEntryCreate"
    ]
    assert codes(refused) == [("subtype", "INVALID")]
    # The entry saved before keeps showing its subtype.
    entries = await api.gql("{ catalogueEntries { items { name subtypeLabel } } }", token=token)
    assert entries["catalogueEntries"]["items"] == [
        {"name": "Python入门", "subtypeLabel": "慕课课程"}
    ]

    on = (await admin.gql(SUBTYPE_SET_ACTIVE, {"input": {"code": "mooc_course", "active": True}}))[
        "achievementSubtypeSetActive"
    ]
    assert on["subtype"]["active"] is True

    subtype = await AchievementSubtype.get(code="mooc_course")
    entries = await AuditEntry.filter(object_id=object_uuid(subtype)).order_by("at", "id")
    assert [e.action for e in entries] == [
        "subtype.add",
        "subtype.rename",
        "subtype.deactivate",
        "subtype.activate",
    ]
    assert entries[0].after["label"] == "慕课学习"
    assert (entries[1].before, entries[1].after) == ({"label": "慕课学习"}, {"label": "慕课课程"})
    assert (entries[2].before, entries[2].after) == ({"active": True}, {"active": False})


async def test_administrator_keeps_term_lists(api, admin_token):
    admin = api.as_(admin_token)
    added = (
        await admin.gql(
            TERM_ADD, {"input": {"kind": "LEVEL", "code": "associate", "label": "专科"}}
        )
    )["taxonomyTermAdd"]
    assert added["errors"] == []
    assert added["term"]["kind"] == "LEVEL" and added["term"]["active"] is True
    levels = (await api.gql(TERMS, {"kind": "LEVEL"}))["taxonomyTerms"]
    assert levels[-1]["code"] == "associate"

    duplicate = (
        await admin.gql(
            TERM_ADD, {"input": {"kind": "LEVEL", "code": "associate", "label": "大专"}}
        )
    )["taxonomyTermAdd"]
    assert codes(duplicate) == [("code", "CONFLICT")]

    # The learning levels hang in a chain: a parent of the level above is required.
    no_parent = (
        await admin.gql(
            TERM_ADD, {"input": {"kind": "LEARNING_LEVEL_2", "code": "elder", "label": "老年教育"}}
        )
    )["taxonomyTermAdd"]
    assert codes(no_parent) == [("parentId", "REQUIRED")]
    wrong_parent = (
        await admin.gql(
            TERM_ADD,
            {
                "input": {
                    "kind": "LEARNING_LEVEL_2",
                    "code": "elder",
                    "label": "老年教育",
                    "parentId": await _term_id(TermKind.EDUCATION_CATEGORY, "informal_education"),
                }
            },
        )
    )["taxonomyTermAdd"]
    assert codes(wrong_parent) == [("parentId", "INVALID")]
    level_with_parent = (
        await admin.gql(
            TERM_ADD,
            {
                "input": {
                    "kind": "LEVEL",
                    "code": "other",
                    "label": "其他",
                    "parentId": await _term_id(TermKind.LEVEL, "bachelor"),
                }
            },
        )
    )["taxonomyTermAdd"]
    assert codes(level_with_parent) == [("parentId", "INVALID")]
    chained = (
        await admin.gql(
            TERM_ADD,
            {
                "input": {
                    "kind": "LEARNING_LEVEL_2",
                    "code": "elder",
                    "label": "老年教育",
                    "parentId": await _term_id(TermKind.LEARNING_LEVEL_1, "offline_education"),
                }
            },
        )
    )["taxonomyTermAdd"]
    assert chained["errors"] == [] and chained["term"]["parent"] == {"code": "offline_education"}

    term_id = added["term"]["id"]
    renamed = (await admin.gql(TERM_RENAME, {"input": {"id": term_id, "label": "大专"}}))[
        "taxonomyTermRename"
    ]
    assert renamed["errors"] == [] and renamed["term"]["label"] == "大专"
    bad_id = (await admin.gql(TERM_RENAME, {"input": {"id": "not-an-id", "label": "x"}}))[
        "taxonomyTermRename"
    ]
    assert codes(bad_id) == [("id", "INVALID")]

    # An institution can choose the term until it is deactivated.
    _, token = await institution_with_token(api, 1)
    created = await api.gql(CREATE, {"input": entry_input(level="associate")}, token=token)
    entry = created["catalogueEntryCreate"]
    assert entry["errors"] == [] and entry["entry"]["details"]["levelLabel"] == "大专"

    off = (await admin.gql(TERM_SET_ACTIVE, {"input": {"id": term_id, "active": False}}))[
        "taxonomyTermSetActive"
    ]
    assert off["errors"] == [] and off["term"]["active"] is False
    levels = (await api.gql(TERMS, {"kind": "LEVEL"}))["taxonomyTerms"]
    assert "associate" not in [t["code"] for t in levels]
    refused = (
        await api.gql(CREATE, {"input": entry_input(name="另一个", level="associate")}, token=token)
    )["catalogueEntryCreate"]
    assert codes(refused) == [("details.level", "INVALID")]
    # What was saved keeps the label it was saved with.
    detail = await api.gql(
        "query($id: ID!) { catalogueEntry(id: $id) { details { ... on DiplomaDetails { "
        "levelLabel } } } }",
        {"id": entry["entry"]["id"]},
        token=token,
    )
    assert detail["catalogueEntry"]["details"] == {"levelLabel": "大专"}

    assert [a for a in await audit_actions() if a.startswith("term.")] == [
        "term.add",
        "term.add",
        "term.rename",
        "term.deactivate",
    ]


TAXONOMY_MUTATIONS = [
    (SUBTYPE_ADD, {"input": MOOC}),
    (SUBTYPE_RENAME, {"input": {"code": "higher_diploma", "label": "本科毕业证书"}}),
    (SUBTYPE_SET_ACTIVE, {"input": {"code": "higher_diploma", "active": False}}),
    (TERM_ADD, {"input": {"kind": "LEVEL", "code": "associate", "label": "专科"}}),
    (TERM_RENAME, {"input": {"id": "LEVEL:bachelor", "label": "学士"}}),
    (TERM_SET_ACTIVE, {"input": {"id": "LEVEL:bachelor", "active": False}}),
]


@pytest.mark.parametrize("query, variables", TAXONOMY_MUTATIONS)
async def test_only_administrators_keep_the_taxonomy(api, admin_token, query, variables):
    term_id = await _term_id(TermKind.LEVEL, "bachelor")
    if variables["input"].get("id") == "LEVEL:bachelor":
        variables = {"input": {**variables["input"], "id": term_id}}
    _, institution_token = await institution_with_token(api, 1)
    learner = await make_learner(1)
    learner_token = await login_learner(api, learner.id_number)

    async def state():
        subtypes = await AchievementSubtype.all().order_by("code").values()
        terms = await TaxonomyTerm.all().order_by("id").values()
        return subtypes, terms, await AuditEntry.all().count()

    before = await state()
    assert await top_level_error(api, query, variables) == "UNAUTHENTICATED"
    for token in (learner_token, institution_token):
        assert await top_level_error(api, query, variables, token) == "FORBIDDEN"
    assert await state() == before

    (payload,) = (await api.gql(query, variables, token=admin_token)).values()
    assert payload["errors"] == []
    assert await state() != before
