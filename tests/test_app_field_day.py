"""The officer's day as the field finds it, and the manager's view of a stored plan.

* A stop the officer went past (a later stop has an outcome, this one none) is not the
  "next stop": the next is the one after the last stop done; the one passed over is shown as
  such and still takes an outcome.
* With a team of 45 the manager names who works by the exceptions, not one chip each.
* A plan read back from the store says how long planning took (kept with the plan), and a
  plan saved before plans kept it says nothing of time rather than "0.0 s".

The demo county is imported into a temporary store (``tests/test_app_store_model.py``'s
``imported``), planned and published through the service as ``countyreach plan --publish``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from countyreach.errors import AccessDenied
from countyreach.i18n import t
from countyreach.services import officer as svc
from countyreach.services.workspace import DEMO_PASSWORD
from countyreach.settings import get_settings
from tests.big_team import TEAM, county_with_team
from tests.test_app_pages import APP, DATE, TIMEOUT
from tests.test_app_store_model import (  # noqa: F401  (fixtures)
    COUNTY,
    World,
    imported,
    not_imported,
)
from tests.test_app_store_rules import PARAMS, RULES, open_as_manager


def _stops(*ids: str) -> list[Any]:
    return [SimpleNamespace(lead_id=i) for i in ids]


def test_the_next_stop_is_the_one_after_the_last_stop_done() -> None:
    day = _stops("L1", "L2", "L3", "L4")
    assert svc.next_stop(day, set()).lead_id == "L1"  # type: ignore[union-attr]
    assert svc.passed_over(day, set()) == []
    # L2 recorded, L1 not: the officer went past L1
    assert svc.next_stop(day, {"L2"}).lead_id == "L3"  # type: ignore[union-attr]
    assert [s.lead_id for s in svc.passed_over(day, {"L2"})] == ["L1"]
    # the last stop done with two passed over: nothing next, both still open
    assert svc.next_stop(day, {"L4"}) is None
    assert [s.lead_id for s in svc.passed_over(day, {"L4"})] == ["L1", "L2", "L3"]
    assert svc.next_stop(day, {"L1", "L2", "L3", "L4"}) is None
    assert svc.passed_over(day, {"L1", "L2", "L3", "L4"}) == []


def _officer_page(w: World, officer_id: str, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    at.session_state["store_session"] = w.store.login(f"demo-{officer_id.lower()}",
                                                      DEMO_PASSWORD)
    at.run()
    at.date_input(key="officer_date").set_value(dt.date.fromisoformat(DATE)).run()
    assert not at.exception, at.exception
    return at


def test_a_stop_passed_over_is_not_the_next_stop_and_can_still_be_recorded(
        imported: World) -> None:  # noqa: F811
    w = imported
    planned = w.loop.plan(w.admin, COUNTY, DATE, publish=True, params=PARAMS, rules=RULES)
    route = next(r for r in planned.day.plan.routes if len(r.stops) >= 3)
    first, second, third = route.lead_ids[:3]
    # the first business was closed; the officer went on and recorded the second
    w.loop.record_outcome(w.admin, county_id=COUNTY, plan_date=DATE, lead_id=second,
                          outcome="met")
    at = _officer_page(w, route.officer_id)
    heads = [h.value for h in at.subheader]
    assert heads[0] == t("next_stop", "en")
    assert t("passed_stops", "en", n=1) in heads
    assert t("passed_hint", "en") in [c.value for c in at.caption]
    # the next stop shown open is the third, not the first
    shown = [m.value for m in at.markdown if str(m.value).startswith("#### ")]
    assert shown[0].startswith("#### 3. "), shown
    # the stop passed over still takes an outcome, and is then done
    at.button_group(key=f"outcome_{first}").set_value("not_there").run()
    at.button(key=f"save_{first}").click().run()
    assert not at.exception, at.exception
    recorded = svc.recorded_outcomes(w.store, w.admin, COUNTY, DATE)
    assert recorded[first].value == "not_there"
    heads = [h.value for h in at.subheader]
    assert t("passed_stops", "en", n=1) not in heads, heads
    assert heads[0] == t("next_stop", "en")
    assert third not in recorded


def test_a_published_plan_says_how_long_planning_took(imported: World) -> None:  # noqa: F811
    w = imported
    planned = w.loop.plan(w.admin, COUNTY, DATE, publish=True, params=PARAMS, rules=RULES)
    secs = planned.day.plan.meta["planned_in_s"]
    assert secs > 0 and planned.day.plan.solve_time_s > 0
    at = open_as_manager(w)  # no plan in the session: the published day, from the store
    assert at.caption and t("showing_published", "en", date=DATE) in [c.value for c in
                                                                        at.caption]
    day = planned.day
    said = {"date": DATE, "visits": len(day.plan.visited_lead_ids),
            "officers": len(day.problem.officers)}
    assert at.subheader[0].value == t("plan_summary", "en", secs=secs, **said)

    # a plan stored before plans kept their time: the summary leaves the time out
    manager = w.store.login("demo-manager", DEMO_PASSWORD)
    untimed = replace(day.plan, solve_time_s=0.0, meta={
        k: v for k, v in day.plan.meta.items() if k != "planned_in_s"})
    w.store.publish(manager, COUNTY, DATE, w.store.save_plan(manager, COUNTY, DATE,
                                                             day.problem, untimed))
    at = open_as_manager(w, "zh")
    assert at.subheader[0].value == t("plan_summary_untimed", "zh", **said)
    assert "0.0" not in at.subheader[0].value


def test_the_manager_chooses_who_works_in_a_team_of_45(
        not_imported: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Everyone by default; "all but" and "only" name the few exceptions."""
    county_with_team(tmp_path / "counties")
    monkeypatch.setenv("COUNTYREACH_DATA", str(tmp_path / "counties"))
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = "en"
    at.session_state["plan_date"] = dt.date.fromisoformat(DATE)
    at.session_state["store_session"] = not_imported.login("demo-manager", DEMO_PASSWORD)
    at.run()
    assert not at.exception, at.exception
    mode = at.button_group(key="duty_mode")
    assert mode.value == "all" and mode.label == t("officers_on_duty", "en")
    assert t("duty_all", "en", n=TEAM) in [o.content for o in mode.proto.options]
    assert not at.multiselect  # nobody to name: no chip at all
    # two officers are off today
    at.button_group(key="duty_mode").set_value("except").run()
    at.multiselect(key="duty_except_pick").select("O07").select("O45").run()
    assert t("duty_count", "en", n=TEAM - 2, total=TEAM) in [c.value for c in at.caption]
    # only two officers work today: the day is planned for them alone
    at.button_group(key="duty_mode").set_value("only").run()
    at.multiselect(key="duty_only_pick").select("O01").select("O02").run()
    assert t("duty_count", "en", n=2, total=TEAM) in [c.value for c in at.caption]
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    day = at.session_state["day"]
    assert [o.officer_id for o in day.problem.officers] == ["O01", "O02"]


def test_the_officer_page_reads_the_published_plan_once_per_change(
        imported: World, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """A tap reruns the page: the list is built from the plan once per stamp, and built
    again when the stamp changes (a withdrawal, an erasure, a new version)."""
    import streamlit as st

    w = imported
    planned = w.loop.plan(w.admin, COUNTY, DATE, publish=True, params=PARAMS, rules=RULES)
    route = next(r for r in planned.day.plan.routes if len(r.stops) >= 3)
    first, second = route.lead_ids[:2]
    officer = w.store.login(f"demo-{route.officer_id.lower()}", DEMO_PASSWORD)
    stamp = w.store.published_stamp(officer, COUNTY, DATE)
    assert stamp is not None and stamp == w.store.published_stamp(officer, COUNTY, DATE)
    other = next(o for o in ("O01", "O02") if o != route.officer_id)
    with pytest.raises(AccessDenied):
        w.store.published_stamp(officer, COUNTY, DATE, other)
    assert w.store.published_stamp(officer, COUNTY, "2026-11-25") is None

    st.cache_resource.clear()
    built: list[str] = []
    real = svc.visit_list

    def counted(*args: Any, **kwargs: Any) -> Any:
        built.append(args[3])
        return real(*args, **kwargs)

    monkeypatch.setattr(svc, "visit_list", counted)
    at = _officer_page(w, route.officer_id)
    for _ in range(3):  # taps
        at.run()
    assert not at.exception, at.exception
    assert len(built) == 1
    assert at.button_group(key=f"outcome_{second}") is not None

    # the business of the second stop asks not to be visited: off the list at the next tap
    manager = w.store.login("demo-manager", DEMO_PASSWORD)
    w.store.opt_out(manager, COUNTY, second, "called the branch")
    after = w.store.published_stamp(officer, COUNTY, DATE)
    assert after != stamp
    at.run()
    assert len(built) == 2
    assert f"outcome_{second}" not in {b.key for b in at.button_group}

    # the first was visited, then its personal data erased: the plan is rewritten in place
    w.loop.record_outcome(w.admin, county_id=COUNTY, plan_date=DATE, lead_id=first,
                          outcome="met")
    w.store.erase_personal_data(manager, COUNTY, first, "asked to be forgotten")
    assert w.store.published_stamp(officer, COUNTY, DATE) != after
    at.run()
    assert not at.exception, at.exception
    assert len(built) == 3
    name = planned.day.problem.lead_by_id[first].name
    assert not any(name in str(m.value) for m in at.markdown)


def test_empty_filters_say_all_in_the_users_language(not_imported: Any) -> None:  # noqa: F811
    """An empty filter keeps every lead: it says so ("全部"), not Streamlit's English
    "Choose options"."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = "zh"
    at.session_state["store_session"] = not_imported.login("demo-manager", DEMO_PASSWORD)
    at.session_state["goto"] = "leads"
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == t("page_leads", "zh")
    boxes = list(at.multiselect)
    assert len(boxes) == 4
    assert {b.proto.placeholder for b in boxes} == {t("filter_any", "zh")}
