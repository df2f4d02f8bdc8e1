"""The manager plans a published today again from the time it is now, as the CLI's --now:
the stops planned before then stay with their officer, presumed made."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from countyreach.dates import CHINA_TZ, county_today
from countyreach.services.workspace import DEMO_PASSWORD
from routing.params import SolveParams
from routing.problem import RoutingRules, parse_hhmm
from tests.test_app_pages import APP, TIMEOUT
from tests.test_app_store_model import COUNTY, World, imported  # noqa: F401  (fixture)

PARAMS = SolveParams(time_limit_s=1.0, seed=0, workers=1, improvement_steps=5)
RULES = RoutingRules(balance=0.0)


def test_a_published_today_is_planned_again_from_now(imported: World) -> None:  # noqa: F811
    w, today = imported, county_today()
    first = w.loop.plan(w.admin, COUNTY, today, publish=True, params=PARAMS, rules=RULES)
    lead = next(r for r in first.day.plan.routes if r.stops).stops[0].lead_id
    w.loop.record_outcome(w.admin, county_id=COUNTY, plan_date=today, lead_id=lead,
                          outcome="not_interested")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = "en"
    at.session_state["plan_date"] = dt.date.fromisoformat(today)
    at.session_state["store_session"] = w.store.login("demo-manager", DEMO_PASSWORD)
    at.run()
    assert not at.exception, at.exception
    assert at.checkbox(key="from_now").value is True
    before = dt.datetime.now(CHINA_TZ)
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    plan = at.session_state["day"].plan
    at_s = parse_hhmm(plan.meta["replanned_at"])
    assert at_s >= before.hour * 3600 + before.minute * 60
    assert any(f"Planned again at {plan.meta['replanned_at']}" in c.value for c in at.caption)
    published = {r.officer_id: r.stops for r in first.day.plan.routes}
    presumed = {x for ids in plan.meta.get("presumed_made", {}).values() for x in ids}
    for r in plan.routes:
        # the visit made and the stops whose time had come stay as published (the CLI's
        # --now rule); nothing else starts before the re-plan
        begun = tuple(s for s in published.get(r.officer_id, ()) if s.start_s < at_s)
        assert r.stops[:len(begun)] == begun
        kept = {s.lead_id for s in begun} | presumed | {lead}
        assert all(s.arrival_s >= at_s for s in r.stops if s.lead_id not in kept)
        assert all(s in published[r.officer_id] for s in r.stops if s.lead_id in presumed)
    # unticked: the whole day is planned as before, from the morning
    at.checkbox(key="from_now").uncheck().run()
    at.button(key="plan").click().run()
    assert "replanned_at" not in at.session_state["day"].plan.meta
