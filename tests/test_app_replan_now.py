"""The manager plans a published today again from the time it is now, as the CLI's --now:
the stops planned before then stay with their officer, presumed made.

The app's clock is set (``COUNTYREACH_CLOCK``, 10:30 in the county on the demo's day), so
"today" and "now" are the same whenever the test runs.
"""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from countyreach.errors import InputError
from countyreach.services.workspace import DEMO_PASSWORD
from countyreach.settings import get_settings
from routing.params import SolveParams
from routing.problem import RoutingRules, parse_hhmm
from tests.test_app_pages import APP, TIMEOUT
from tests.test_app_store_model import COUNTY, World, imported_trained  # noqa: F401  (fixture)

PARAMS = SolveParams(time_limit_s=1.0, seed=0, workers=1, improvement_steps=5)
RULES = RoutingRules(balance=0.0)
TODAY = "2026-11-24"
#: The app's clock: 10:30 in the county on TODAY (it runs on from there).
CLOCK = f"{TODAY}T10:30:00+08:00"


def test_a_published_today_is_planned_again_from_now(
        imported_trained: World, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    w = imported_trained
    monkeypatch.setenv("COUNTYREACH_CLOCK", CLOCK)
    get_settings.cache_clear()
    first = w.loop.plan(w.admin, COUNTY, TODAY, publish=True, params=PARAMS, rules=RULES)
    lead = next(r for r in first.day.plan.routes if r.stops).stops[0].lead_id
    w.loop.record_outcome(w.admin, county_id=COUNTY, plan_date=TODAY, lead_id=lead,
                          outcome="not_interested")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = "en"
    at.session_state["store_session"] = w.store.login("demo-manager", DEMO_PASSWORD)
    at.run()
    assert not at.exception, at.exception
    # the app's today is the clock's: the published day opens, "from now" ticked
    assert at.date_input(key="plan_date").value == dt.date.fromisoformat(TODAY)
    assert at.checkbox(key="from_now").value is True
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    plan = at.session_state["day"].plan
    at_s = parse_hhmm(plan.meta["replanned_at"])
    # the clock ran on for as long as the test took, from 10:30
    assert parse_hhmm("10:30") <= at_s < parse_hhmm("11:30")
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


def test_a_clock_without_its_zone_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COUNTYREACH_CLOCK", "2026-11-24T10:30")
    get_settings.cache_clear()
    try:
        with pytest.raises(InputError, match="COUNTYREACH_CLOCK.*time zone"):
            get_settings()
    finally:
        get_settings.cache_clear()
