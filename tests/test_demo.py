"""The demo data of ``make run``: loaded twice without doubles, with logins that work and a
catalogue with deposits, so a first look at GraphiQL shows something."""

from __future__ import annotations

from models import Institution, InstitutionAchievement, Learner, LearnerAchievement
from resolvers.demo import DEMO_PASSWORD, INSTITUTIONS, load_demo_data
from tests.institution_fixtures import login_institution, login_learner

MY_CREDITS = "{ viewer { learner { name credits } } }"


async def test_demo_data_loads_twice_and_works(api):
    await load_demo_data()
    counts = (
        await Institution.all().count(),
        await Learner.all().count(),
        await InstitutionAchievement.all().count(),
        await LearnerAchievement.all().count(),
    )
    await load_demo_data()
    assert counts == (
        await Institution.all().count(),
        await Learner.all().count(),
        await InstitutionAchievement.all().count(),
        await LearnerAchievement.all().count(),
    )
    assert counts == (len(INSTITUTIONS), 4, 2, 2)
    token = await login_learner(api, "13800000001", DEMO_PASSWORD)
    viewer = (await api.gql(MY_CREDITS, token=token))["viewer"]["learner"]
    assert viewer["name"] == "张三" and float(viewer["credits"]) == 10
    assert await login_institution(api, INSTITUTIONS[0].credit_code, DEMO_PASSWORD)
