"""The demo data of ``make run``: loaded twice without doubles, with logins that work, a
catalogue with deposits and a published conversion rule a demo learner may apply under, so a
first look at GraphiQL shows something."""

from __future__ import annotations

from models import (
    ConversionPolicy,
    ConversionRule,
    Institution,
    InstitutionAchievement,
    Learner,
    LearnerAchievement,
)
from resolvers.demo import DEMO_PASSWORD, INSTITUTIONS, LEARNERS, load_demo_data
from tests.achievement_fixtures import DEPOSIT
from tests.institution_fixtures import login_institution, login_learner

MY_CREDITS = "{ viewer { learner { name credits } } }"
OPTIONS = "{ myConversionOptions { met { eligible rule { code } } } }"
PORTAL = "{ portalConversionPolicies { items { fileUrl } } portalConversionRules { totalCount } }"


async def test_demo_data_loads_twice_and_works(api):
    storage = api.services.storage
    await load_demo_data(storage)
    counts = (
        await Institution.all().count(),
        await Learner.all().count(),
        await InstitutionAchievement.all().count(),
        await LearnerAchievement.all().count(),
        await ConversionPolicy.all().count(),
        await ConversionRule.all().count(),
    )
    await load_demo_data(storage)
    assert counts == (
        await Institution.all().count(),
        await Learner.all().count(),
        await InstitutionAchievement.all().count(),
        await LearnerAchievement.all().count(),
        await ConversionPolicy.all().count(),
        await ConversionRule.all().count(),
    )
    assert counts == (len(INSTITUTIONS), 4, 4, 3, 1, 1)
    token = await login_learner(api, "13800000001", DEMO_PASSWORD)
    viewer = (await api.gql(MY_CREDITS, token=token))["viewer"]["learner"]
    assert viewer["name"] == "张三" and float(viewer["credits"]) == 10
    assert await login_institution(api, INSTITUTIONS[0].credit_code, DEMO_PASSWORD)
    # 王芳 holds the training centre's certificate and may convert it; the portal shows the
    # school's policy, whose PDF anyone can download.
    token = await login_learner(api, "13800000003", DEMO_PASSWORD)
    (option,) = (await api.gql(OPTIONS, token=token))["myConversionOptions"]["met"]
    assert option["eligible"] is True
    portal = await api.gql(PORTAL)
    assert portal["portalConversionRules"]["totalCount"] == 1
    response = await api.client.get(portal["portalConversionPolicies"]["items"][0]["fileUrl"])
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")


async def test_each_demo_institution_deposits_its_own_catalogue(api):
    """An entry of a restricted subtype (the training centre's 其他非学历证书) comes with the
    bank's authorisation, as it would in the bank: the owner can deposit every entry it keeps."""
    await load_demo_data(api.services.storage)
    entries = await InstitutionAchievement.all().prefetch_related("institution")
    assert {entry.subtype_id for entry in entries} >= {"other_certificate", "higher_course"}
    for n, entry in enumerate(entries, start=1):
        token = await login_institution(api, entry.institution.credit_code, DEMO_PASSWORD)
        data = {
            "catalogueEntryId": str(entry.id),
            "learnerName": LEARNERS[0][0],
            "idNumber": LEARNERS[0][1],
            "certificateNumber": f"DEMO-{n:04d}",
            "issueDate": "2024-06-30",
        }
        payload = (await api.gql(DEPOSIT, {"input": data}, token=token))["achievementDeposit"]
        assert payload["errors"] == [], (entry.name, payload["errors"])
