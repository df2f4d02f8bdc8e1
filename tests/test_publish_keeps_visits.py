"""A version planned before a visit was recorded is not published over it: it would send
another officer to a business met that day, or drop the visit from its officer's day."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from countyreach.errors import InputError
from countyreach.localize import error_text
from countyreach.services.loop import DailyLoop
from countyreach.services.publishing import publish_to_store
from countyreach.services.workspace import DEMO_PASSWORD
from routing.params import SolveParams
from routing.problem import RoutingRules
from tests.test_app_store_model import (  # noqa: F401  (fixtures)
    COUNTY,
    World,
    imported,
    imported_trained,
)
from tests.test_app_store_rules import PARAMS as APP_PARAMS
from tests.test_app_store_rules import RULES as APP_RULES
from tests.test_app_store_rules import open_as_manager

PARAMS = SolveParams(time_limit_s=1.0, workers=1, improvement_steps=3)
RULES = RoutingRules(balance=0.0)
DATE = "2026-11-24"


def test_a_plan_made_before_a_visit_is_not_published_over_it(county_loop: DailyLoop) -> None:
    admin = county_loop.store.operator_session()
    first = county_loop.plan(admin, "qingzu", DATE, params=PARAMS, rules=RULES, publish=True)
    o01 = next(r for r in first.day.plan.routes if r.officer_id == "O01")
    met = o01.stops[0].lead_id
    # a manager plans the day again without O01 (the page stays open: not published yet) ...
    stale = county_loop.plan(admin, "qingzu", DATE, params=PARAMS, rules=RULES,
                             officer_ids=["O02", "O03", "O04", "O05", "O06"])
    assert met not in {x for r in stale.day.plan.routes if r.officer_id == "O01"
                       for x in r.lead_ids}
    # ... while O01 meets the first business of the published day
    county_loop.record_outcome(admin, county_id="qingzu", plan_date=DATE, lead_id=met,
                               outcome="met")
    with pytest.raises(InputError, match=rf"does not keep 1 visit\(s\) made on it with "
                                         rf"their officer: {met} \(O01\); plan the day again"):
        county_loop.store.publish(admin, "qingzu", DATE, stale.version)
    assert county_loop.store.plan_versions(admin, "qingzu", DATE)[0].status == "published"
    # the manager page's Publish (the service behind its dialog) is refused alike, in the
    # manager's language
    with pytest.raises(InputError) as err:
        publish_to_store(county_loop.store, admin, stale.day, "zh")
    assert f"没有把已发布计划上已完成的 1 次拜访留在完成拜访的客户经理名下：{met}（O01）" in \
        error_text(err.value, "zh")
    # ... before saving a version it could not publish
    assert [(v.version, v.status) for v in county_loop.store.plan_versions(
        admin, "qingzu", DATE)] == [(first.version, "published"), (stale.version, "draft")]

    # planned again, the visit stays O01's: published
    again = county_loop.plan(admin, "qingzu", DATE, params=PARAMS, rules=RULES, publish=True,
                             officer_ids=["O02", "O03", "O04", "O05", "O06"])
    assert again.published and again.day.ok
    assert met in {x for r in again.day.plan.routes if r.officer_id == "O01"
                   for x in r.lead_ids}
    # the first version, which has the visit where it was made, may be published again
    county_loop.store.publish(admin, "qingzu", DATE, first.version)


def test_the_manager_page_says_so_before_publishing_over_a_visit(
        imported_trained: World) -> None:  # noqa: F811
    w = imported_trained
    planned = w.loop.plan(w.admin, COUNTY, DATE, publish=True, params=APP_PARAMS,
                          rules=APP_RULES)
    route = next(r for r in planned.day.plan.routes if r.stops)
    officer, met = route.officer_id, route.stops[0].lead_id
    # the manager plans the day without the officer, before the officer records anything
    at = open_as_manager(w, "zh")
    at.button_group(key="duty_mode").set_value("except").run()
    at.multiselect(key="duty_except_pick").select(officer).run()
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    assert not at.button(key="publish").disabled
    assert not _warned(at, met)

    # the officer meets the business while the page stands open with that plan
    w.loop.record_outcome(w.admin, county_id=COUNTY, plan_date=DATE, lead_id=met,
                          outcome="met")
    at.run()
    assert _warned(at, f"{met}（{officer}）")
    assert at.button(key="publish").disabled
    # the page kept its plan as a draft when it was made (it kept the visit then)
    assert [(v.version, v.status) for v in w.store.plan_versions(w.admin, COUNTY, DATE)] == \
        [(1, "published"), (2, "draft")]

    # planned again, the visit stays the officer's: nothing to warn of, and it publishes
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    assert not _warned(at, met)
    assert met in next(r for r in at.session_state["day"].plan.routes
                       if r.officer_id == officer).lead_ids
    assert not at.button(key="publish").disabled
    publish_to_store(w.store, w.store.login("demo-manager", DEMO_PASSWORD),
                     at.session_state["day"], "zh")  # what the page's dialog confirms
    # the plan made again remade the manager's draft v2: publishing it publishes that version
    assert [v.status for v in w.store.plan_versions(w.admin, COUNTY, DATE)] == \
        ["superseded", "published"]


def _warned(at: AppTest, text: str) -> bool:
    return any(text in str(w.value) and "重新规划" in str(w.value) for w in at.warning)

