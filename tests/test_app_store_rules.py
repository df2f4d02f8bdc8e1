"""The app plans a county the store holds by the store's rules, the same as the CLI.

The demo county is imported into a temporary store, a day is planned and published through
the service (:meth:`DailyLoop.plan`, as ``countyreach plan --publish`` does), and officers'
outcomes are recorded on it: one business said "not interested", another was interested and
booked a follow-up for the next day. Planning that next day in the manager page must leave the
first out (cooling) and put the second on the route of the officer who booked it, as the CLI
does; the rules both paths read are one service's (:mod:`countyreach.services.day_rules`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit.testing.v1 import AppTest

from countyreach.i18n import t
from countyreach.pipeline import load_county_data
from countyreach.services.day_rules import DayRules, store_day_rules
from countyreach.services.planning import store_rules_text
from countyreach.services.workspace import DEMO_PASSWORD
from routing.params import SolveParams
from routing.problem import RoutingRules
from tests.test_app_pages import APP, DATE, TIMEOUT
from tests.test_app_store_model import (  # noqa: F401  (fixtures)
    COUNTY,
    World,
    imported,
    imported_trained,
)

#: The day before :data:`DATE`: planned, published and visited.
VISITED = (dt.date.fromisoformat(DATE) - dt.timedelta(days=1)).isoformat()
PARAMS = SolveParams(time_limit_s=1.0, seed=0, workers=1, improvement_steps=5)
RULES = RoutingRules(balance=0.0)  # balancing is routing's subject; off to plan in a second


def _visit_the_day_before(w: World) -> tuple[str, str, str]:
    """Publish :data:`VISITED` and record two outcomes on it.

    Returns
    -------
    tuple of str
        The "not interested" lead, the lead with a follow-up on :data:`DATE`, and the
        officer who booked that follow-up.
    """
    planned = w.loop.plan(w.admin, COUNTY, VISITED, publish=True, params=PARAMS, rules=RULES)
    routes = [r for r in planned.day.plan.routes if len(r.stops) >= 2]
    assert routes, "the published day has a route with two stops"
    cold, warm = routes[0].lead_ids[0], routes[0].lead_ids[1]
    w.loop.record_outcome(w.admin, county_id=COUNTY, plan_date=VISITED, lead_id=cold,
                          outcome="not_interested")
    w.loop.record_outcome(w.admin, county_id=COUNTY, plan_date=VISITED, lead_id=warm,
                          outcome="interested", follow_up_on=DATE)
    return cold, warm, routes[0].officer_id


def open_as_manager(w: World, lang: str = "en") -> AppTest:
    """The app on the planning day, signed in as the demo county's manager."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    at.session_state["plan_date"] = dt.date.fromisoformat(DATE)
    at.session_state["store_session"] = w.store.login("demo-manager", DEMO_PASSWORD)
    at.run()
    assert not at.exception, at.exception
    return at


def _plan_in_app(w: World, lang: str) -> AppTest:
    at = open_as_manager(w, lang)
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def test_the_manager_page_plans_by_the_store_rules(imported_trained: World) -> None:  # noqa: F811
    w = imported_trained
    cold, warm, booked_by = _visit_the_day_before(w)

    at = _plan_in_app(w, "en")
    day = at.session_state["day"]
    assert day.plan.plan_date == DATE
    holder = {lid: r.officer_id for r in day.plan.routes for lid in r.lead_ids}
    assert cold not in holder  # "not interested" cools: on no route
    assert cold not in {ld.lead_id for ld in day.problem.leads}  # not even offered
    assert holder.get(warm) == booked_by  # the follow-up is on its officer's route
    left = day.plan.meta["left_out_by_rule"]
    assert left.get("cooling", 0) >= 1 and day.plan.meta["follow_ups"] == 1
    caption = store_rules_text(day.plan.meta, "en")
    assert caption is not None and t("rule_cooling", "en") in caption
    assert caption in [str(c.value) for c in at.caption]

    # a re-plan keeps the follow-up with its officer and the rules' account of the day
    at.button(key="reoptimise").click().run()
    assert not at.exception, at.exception
    again = at.session_state["day"]
    assert {lid: r.officer_id for r in again.plan.routes for lid in r.lead_ids}.get(warm) \
        == booked_by
    assert cold not in {ld.lead_id for ld in again.problem.leads}
    assert again.plan.meta["left_out_by_rule"] == left

    # the caption in Chinese too
    zh = store_rules_text(day.plan.meta, "zh")
    assert zh is not None and t("rule_cooling", "zh") in zh


def test_the_cli_and_the_app_read_the_same_rules(imported_trained: World, demo_dir: Path,  # noqa: F811
                                                 cache_dir: Path) -> None:
    w = imported_trained
    cold, warm, booked_by = _visit_the_day_before(w)
    # the app's path: the manager's session, the county folder's data (as the page loads it)
    manager = w.store.login("demo-manager", DEMO_PASSWORD)
    folder = load_county_data(demo_dir, cache_dir=cache_dir)
    app_rules = store_day_rules(w.loop, manager, COUNTY, DATE, folder)
    assert app_rules is not None

    planned = w.loop.plan(w.admin, COUNTY, DATE, params=PARAMS, rules=RULES)
    assert dict(planned.excluded) == dict(app_rules.excluded)
    assert planned.follow_ups == app_rules.with_manual_pins({}) == {warm: booked_by}
    assert app_rules.excluded[cold] == "cooling"
    offered = {ld.lead_id for ld in planned.day.problem.leads}
    assert not offered & app_rules.exclude(app_rules.follow_ups)
    assert warm in offered


def test_manual_pins_combine_with_the_store_rules() -> None:
    rules = DayRules(follow_ups={"L1": "O01"}, excluded={"L2": "cooling", "L3": "approved"},
                     do_not_visit=frozenset({"L4"}), loan_book=None)  # type: ignore[arg-type]
    manual = {"L1": "O02", "L2": "O03", "L4": "O03", "L5": "O04", "@lock:O05": "[]"}
    # a manager's pin moves a follow-up, never brings back a lead the store leaves out
    assert rules.with_manual_pins(manual) == {"L1": "O02", "L5": "O04", "@lock:O05": "[]"}
    assert rules.with_manual_pins({}) == {"L1": "O01"}
    # the officer a follow-up is still pinned to works that day; a moved one does not add him
    assert rules.officers(["O02"], {"L1": "O01"}) == ["O01", "O02"]
    assert rules.officers(["O02"], rules.with_manual_pins(manual)) == ["O02"]
    assert rules.exclude(rules.follow_ups) == {"L2", "L3", "L4"}
    assert rules.left_out(rules.follow_ups) == {"approved": 1, "cooling": 1, "do_not_visit": 1}


def test_a_county_not_in_the_store_has_no_store_rules(imported: World) -> None:  # noqa: F811
    w = imported
    manager = w.store.login("demo-manager", DEMO_PASSWORD)
    data = w.loop.county_data(w.admin, COUNTY)
    assert store_day_rules(None, manager, COUNTY, DATE, data) is None
    assert store_day_rules(w.loop, None, COUNTY, DATE, data) is None
    assert store_day_rules(w.loop, manager, "elsewhere", DATE, data) is None
    assert store_day_rules(w.loop, manager, COUNTY, DATE, data) is not None
