"""What a recorded visit means for the next days' prospecting: rest, pending applications."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from countyreach.services.loop import DailyLoop
from countyreach.store import Store
from routing.params import SolveParams
from routing.problem import RoutingRules

PARAMS = SolveParams(time_limit_s=1.0, workers=1, improvement_steps=3)
RULES = RoutingRules(balance=0.0)


@pytest.fixture()
def loop(tmp_path: Path, cache_dir: Path, demo_dir: Path) -> DailyLoop:
    county = tmp_path / "county"
    shutil.copytree(demo_dir, county)
    store = Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", bcrypt_rounds=4)
    lp = DailyLoop(store, home=tmp_path / "home", cache_dir=cache_dir, revisit_days=7)
    lp.import_county(store.operator_session(), county)
    return lp


def _visited(plan) -> set[str]:
    return {x for r in plan.routes for x in r.lead_ids}


def test_a_visit_rests_the_lead_and_an_application_waits_for_its_decision(
        loop: DailyLoop) -> None:
    admin = loop.store.operator_session()
    first = loop.plan(admin, "qingzu", "2026-11-24", publish=True, params=PARAMS, rules=RULES)
    stops = [s.lead_id for r in first.day.plan.routes for s in r.stops]
    applied, met, away, booked = stops[:4]
    for lead, outcome, extra in ((applied, "applied", {"amount_yuan": 30000}),
                                 (met, "met", {}), (away, "not_there", {}),
                                 (booked, "interested", {"follow_up_on": "2026-11-27"})):
        loop.record_outcome(admin, county_id="qingzu", plan_date="2026-11-24", lead_id=lead,
                            outcome=outcome, **extra)

    nxt = loop.plan(admin, "qingzu", "2026-11-25", params=PARAMS, rules=RULES)
    assert nxt.excluded[applied] == "application_pending"
    assert nxt.excluded[met] == "visited_recently"
    assert nxt.excluded[booked] == "follow_up_later"
    assert away not in nxt.excluded  # nobody was met: trying again soon is fine
    assert not {applied, met, booked} & _visited(nxt.day.plan)

    # the booked day pins the follow-up despite the rest; a week on, the met lead is back
    on_booked_day = loop.plan(admin, "qingzu", "2026-11-27", params=PARAMS, rules=RULES)
    assert booked in _visited(on_booked_day.day.plan)
    week_on = loop.plan(admin, "qingzu", "2026-12-02", params=PARAMS, rules=RULES)
    assert met not in week_on.excluded
    assert week_on.excluded[applied] == "application_pending"

    # the decision, recorded on the visit, closes the case: approved leaves prospecting
    loop.record_outcome(admin, county_id="qingzu", plan_date="2026-11-24", lead_id=applied,
                        outcome="approved", amount_yuan=30000)
    assert loop.plan(admin, "qingzu", "2026-12-02", params=PARAMS,
                     rules=RULES).excluded[applied] == "approved"


def test_no_rest_when_the_team_asks_for_none(loop: DailyLoop) -> None:
    admin = loop.store.operator_session()
    first = loop.plan(admin, "qingzu", "2026-11-24", publish=True, params=PARAMS, rules=RULES)
    met = first.day.plan.routes[0].stops[0].lead_id
    loop.record_outcome(admin, county_id="qingzu", plan_date="2026-11-24", lead_id=met,
                        outcome="met")
    eager = DailyLoop(loop.store, home=loop.home, cache_dir=loop.cache_dir, revisit_days=0)
    assert met not in eager.plan(admin, "qingzu", "2026-11-25", params=PARAMS,
                                 rules=RULES).excluded


def test_an_officer_whose_last_stop_is_visited_still_drives_home(loop: DailyLoop) -> None:
    """Every stop fixed: the re-plan keeps the route and its drive back, checker clean."""
    admin = loop.store.operator_session()
    first = loop.plan(admin, "qingzu", "2026-11-24", publish=True, params=PARAMS, rules=RULES)
    route = next(r for r in first.day.plan.routes if len(r.stops) >= 2)
    loop.record_outcome(admin, county_id="qingzu", plan_date="2026-11-24",
                        lead_id=route.lead_ids[-1], outcome="interested")
    again = loop.plan(admin, "qingzu", "2026-11-24", params=PARAMS, rules=RULES)
    assert again.day.ok, again.day.violations
    kept = next(r for r in again.day.plan.routes if r.officer_id == route.officer_id)
    assert kept.stops == route.stops
    assert (kept.end_s, kept.end_drive_s, kept.drive_s) == (route.end_s, route.end_drive_s,
                                                            route.drive_s)
