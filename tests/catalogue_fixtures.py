"""Catalogue entries (机构成果) for tests: valid details per subtype, the GraphQL documents, helpers
that create, submit and recognise entries through the API, and a counter of SQL statements.

Import the ``admin_token`` fixture from ``tests.institution_fixtures`` as that module says."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from tortoise.connection import get_connection

from models import (
    AchievementSource,
    AchievementStatus,
    DetailSchema,
    InstitutionAchievement,
    InstitutionStatus,
    Learner,
    LearnerAchievement,
    SubjectKind,
    SubtypeAuthorisation,
)
from resolvers.accounts.admins import create_administrator, issue_admin_token
from resolvers.accounts.api_tokens import create_api_token
from resolvers.accounts.sessions import issue_session
from resolvers.catalogue.taxonomy import SUBTYPES
from resolvers.core.actors import Actor, ActorKind
from tests.institution_fixtures import (
    FIELD_ERRORS,
    login_institution,
    make_institution,
    make_institution_user,
    make_learner,
    phone,
)

# subtype code → the AchievementDetailsInput member its entries fill in
SCHEMA_OF = {code: schema for code, _, _, schema, _, _ in SUBTYPES}

DETAILS: dict[DetailSchema, dict[str, Any]] = {
    DetailSchema.DIPLOMA: {
        "level": "bachelor",
        "discipline": "economics",
        "disciplineClass": "经济学类",
        "major": "经济统计学",
        "majorCode": "020102",
        "graduationConclusion": "graduated",
        "schoolingYears": "4",
        "minGraduationCredits": "160",
        "originalHours": 2400,
        "originalCredits": "160",
        "validFrom": "2022-03-01",
    },
    DetailSchema.COURSE: {
        "courseCode": "C1001",
        "originalHours": 32,
        "originalCredits": "2",
        "score": "优秀",
    },
    DetailSchema.CERTIFICATE: {
        "level": "intermediate",
        "occupation": "电工",
        "modules": [{"name": "实操", "credits": "2"}, {"name": "机考", "credits": "1.5"}],
    },
    DetailSchema.COMPETITION: {
        "organiser": "江苏省教育厅",
        "awardLevel": "provincial",
        "competitionName": "职业院校技能大赛",
        "heldOn": "2023-05-20",
    },
    DetailSchema.HERITAGE: {"projectName": "南京云锦织造", "heritageLevel": "national"},
    DetailSchema.COMMUNITY: {"hours": 20},
}

DETAILS_FIELDS = """details {
  __typename
  ... on DiplomaDetails { level levelLabel discipline disciplineLabel disciplineClass major
    majorCode graduationConclusion graduationConclusionLabel schoolingYears minGraduationCredits
    originalHours originalCredits validFrom }
  ... on CourseDetails { courseCode originalHours originalCredits score }
  ... on CertificateDetails { level levelLabel occupation modules { name credits } }
  ... on CompetitionDetails { organiser awardLevel awardLevelLabel competitionName heldOn }
  ... on HeritageDetails { projectName heritageLevel heritageLevelLabel inheritorTitle }
  ... on CommunityDetails { educationCategoryLabel learningLevel3Label hours }
}"""
ENTRY_FIELDS = f"""id name category categoryLabel subtype subtypeLabel issuerName introduction
  recognitionStatus recognitionStatusLabel credits recognitionNote recognisedAt createdAt
  institutionId holdersCount rulesCount {DETAILS_FIELDS}"""
LIST_FIELDS = """id name categoryLabel subtypeLabel recognitionStatusLabel holdersCount rulesCount
  institution { name } details { __typename }"""

CREATE = f"""
mutation Create($input: CatalogueEntryCreateInput!) {{
  catalogueEntryCreate(input: $input) {{ {FIELD_ERRORS} entry {{ {ENTRY_FIELDS} }} }}
}}"""
DELETE = f"""
mutation Delete($ids: [ID!]!) {{
  catalogueEntryDelete(ids: $ids) {{ {FIELD_ERRORS} deletedIds }}
}}"""
SUBMIT = f"""
mutation Submit($ids: [ID!]!) {{
  catalogueEntrySubmit(ids: $ids) {{ {FIELD_ERRORS} entries {{ id recognitionStatus }} }}
}}"""
RECOGNISE = f"""
mutation Recognise($input: CatalogueEntryRecogniseInput!) {{
  catalogueEntryRecognise(input: $input) {{ {FIELD_ERRORS} entry {{ {ENTRY_FIELDS} }} }}
}}"""
REFUSE = f"""
mutation Refuse($input: CatalogueEntryRefuseInput!) {{
  catalogueEntryRefuse(input: $input) {{ {FIELD_ERRORS} entry {{ {ENTRY_FIELDS} }} }}
}}"""
AUTHORISE = f"""
mutation Authorise($input: SubtypeAuthorisationInput!) {{
  subtypeAuthorise(input: $input) {{ {FIELD_ERRORS}
    authorisation {{ id institutionId institutionName subtype subtypeLabel grantedAt }} }}
}}"""
REVOKE = f"""
mutation Revoke($input: SubtypeAuthorisationInput!) {{
  subtypeAuthorisationRevoke(input: $input) {{ {FIELD_ERRORS} authorisation {{ id subtype }} }}
}}"""
ENTRIES = f"""
query Entries($page: Int! = 1, $pageSize: Int! = 20, $name: String, $category: String,
              $subtype: String, $recognitionStatus: RecognitionStatus, $institutionId: ID) {{
  catalogueEntries(page: $page, pageSize: $pageSize, name: $name, category: $category,
                   subtype: $subtype, recognitionStatus: $recognitionStatus,
                   institutionId: $institutionId) {{
    totalCount page pageSize items {{ {LIST_FIELDS} }}
  }}
}}"""
ENTRY = f"query Entry($id: ID!) {{ catalogueEntry(id: $id) {{ {ENTRY_FIELDS} }} }}"
QUEUE = """
query Queue($page: Int! = 1, $pageSize: Int! = 20, $subtype: String, $institutionId: ID) {
  recognitionQueue(page: $page, pageSize: $pageSize, subtype: $subtype,
                   institutionId: $institutionId) {
    totalCount items { id name institution { name } subtypeLabel }
  }
}"""
PUBLIC = f"""
query Public($page: Int! = 1, $pageSize: Int! = 20, $keyword: String, $category: String,
             $subtype: String, $institutionName: String) {{
  publicCatalogue(page: $page, pageSize: $pageSize, keyword: $keyword, category: $category,
                  subtype: $subtype, institutionName: $institutionName) {{
    totalCount items {{ id name category categoryLabel subtype subtypeLabel institutionName
      issuerName introduction credits recognisedAt {DETAILS_FIELDS} }}
  }}
}}"""
MY_AUTHORISATIONS = "{ mySubtypeAuthorisations { id subtype subtypeLabel institutionName } }"


def details_input(subtype: str, **overrides: Any) -> dict:
    """An ``AchievementDetailsInput`` of the member ``subtype`` needs, with valid values."""
    schema = SCHEMA_OF[subtype]
    values = dict(DETAILS[schema])
    values.update(overrides)
    return {schema.value: values}


def entry_input(
    subtype: str = "higher_diploma", name: str = "经济统计学毕业证书(本科)", **details: Any
) -> dict:
    """A valid ``CatalogueEntryCreateInput``; ``details`` override single detail fields."""
    return {
        "subtype": subtype,
        "name": name,
        "introduction": "测试",
        "details": details_input(subtype, **details),
    }


async def institution_with_token(api, n: int) -> tuple[str, str]:
    """Approved institution ``n`` (rows written directly), its main user logged in through
    ``institutionLogin``: the institution's id and the session token."""
    institution, main = await make_institution(n)
    return str(institution.id), await login_institution(api, main.username)


async def new_admin_token(username: str = "admin2") -> str:
    """A session token of another administrator."""
    return await issue_admin_token(await create_administrator(username, f"管理员{username}"))


async def authorise(institution_id: str, subtype: str) -> None:
    """The bank's authorisation of a restricted subtype, written directly."""
    await SubtypeAuthorisation.create(
        institution_id=institution_id,
        subtype_id=subtype,
        granted_by_id="00000000-0000-0000-0000-000000000001",
    )


async def create_entry(
    api,
    token: str,
    subtype: str = "higher_diploma",
    name: str = "经济统计学毕业证书(本科)",
    **details: Any,
) -> str:
    """Save a catalogue entry through the API; its id."""
    payload = (
        await api.gql(CREATE, {"input": entry_input(subtype, name, **details)}, token=token)
    )["catalogueEntryCreate"]
    assert payload["errors"] == [], payload
    return payload["entry"]["id"]


async def submit(api, token: str, *ids: str) -> None:
    payload = (await api.gql(SUBMIT, {"ids": list(ids)}, token=token))["catalogueEntrySubmit"]
    assert payload["errors"] == [], payload


async def recognise(api, admin: str, entry_id: str, credits: str = "4") -> dict:
    variables = {"input": {"id": entry_id, "credits": credits}}
    payload = (await api.gql(RECOGNISE, variables, token=admin))["catalogueEntryRecognise"]
    assert payload["errors"] == [], payload
    return payload["entry"]


async def recognised_entry(
    api,
    token: str,
    admin: str,
    subtype: str = "higher_diploma",
    name: str = "经济统计学毕业证书(本科)",
    credits: str = "4",
    **details: Any,
) -> str:
    """A catalogue entry created, submitted and recognised with ``credits``; its id."""
    entry_id = await create_entry(api, token, subtype, name, **details)
    await submit(api, token, entry_id)
    await recognise(api, admin, entry_id, credits)
    return entry_id


async def hold(
    entry_id: str | uuid.UUID,
    learner: Learner,
    status: AchievementStatus = AchievementStatus.STORED,
    certificate_number: str = "NO.0001",
) -> LearnerAchievement:
    """A learner achievement of catalogue entry ``entry_id``, copied from it, written directly."""
    entry = await InstitutionAchievement.get(id=entry_id)
    return await LearnerAchievement.create(
        learner=learner,
        catalogue_entry_id=entry.id,
        institution_id=entry.institution_id,
        subtype_id=entry.subtype_id,
        category_id=entry.category_id,
        name=entry.name,
        issuer_name=entry.issuer_name,
        details=entry.details,
        introduction=entry.introduction,
        certificate_number=certificate_number,
        issue_date=dt.date(2022, 7, 1),
        source=AchievementSource.INSTITUTION,
        status=status,
        credits=entry.credits,
        created_by_kind="institution_user",
    )


# -- every kind of caller ------------------------------------------------------------------------

ROLES = ("anonymous", "learner", "main", "sub", "other_main", "api_token", "pending", "admin")


@dataclass
class CatalogueWorld:
    """Institution 1 with its main user, a sub-user and an API token; institution 2; pending
    institution 3; a learner; an administrator. ``tokens`` holds a bearer token per role of
    :data:`ROLES` (None for the anonymous caller)."""

    institution_id: str
    other_institution_id: str
    pending_institution_id: str
    learner: Learner
    tokens: dict[str, str | None] = field(default_factory=dict)


async def _session(kind: SubjectKind, account: Any) -> str:
    """A session token issued directly (logging in is tested elsewhere and costs a hash)."""
    token, _ = await issue_session(kind, account.id)
    return token


async def catalogue_world(api, admin: str) -> CatalogueWorld:
    institution, main = await make_institution(1)
    sub = await make_institution_user(institution, "sub_user_a", phone(1, "138"))
    other, other_main = await make_institution(2)
    pending, pending_main = await make_institution(3, InstitutionStatus.PENDING)
    learner = await make_learner(1)
    main_actor = Actor(
        ActorKind.INSTITUTION_USER,
        main.id,
        main.name,
        institution_id=institution.id,
        institution_approved=True,
        is_main=True,
    )
    _, api_token = await create_api_token(main_actor, "教务系统")
    world = CatalogueWorld(str(institution.id), str(other.id), str(pending.id), learner)
    world.tokens = {
        "anonymous": None,
        "learner": await _session(SubjectKind.LEARNER, learner),
        "main": await _session(SubjectKind.INSTITUTION_USER, main),
        "sub": await _session(SubjectKind.INSTITUTION_USER, sub),
        "other_main": await _session(SubjectKind.INSTITUTION_USER, other_main),
        "api_token": api_token,
        "pending": await _session(SubjectKind.INSTITUTION_USER, pending_main),
        "admin": admin,
    }
    return world


# -- counting SQL statements ---------------------------------------------------------------------

_EXECUTE_METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many")


@contextlib.contextmanager
def count_queries(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Record every SQL statement run on the default connection (SQLite or PostgreSQL, in a
    transaction or not) while the block runs; yields the list of statements."""
    statements: list[str] = []
    client_class = type(get_connection("default"))
    with monkeypatch.context() as patch:
        for method in _EXECUTE_METHODS:
            # Patch the class that defines the method, so that its transaction wrapper (a
            # subclass) is counted too.
            owner = next(k for k in client_class.__mro__ if method in vars(k))
            original = vars(owner)[method]

            async def counted(self, query: str, *args: Any, _original=original, **kwargs: Any):
                statements.append(query)
                return await _original(self, query, *args, **kwargs)

            patch.setattr(owner, method, counted)
        yield statements
