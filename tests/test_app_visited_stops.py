"""Planning a published day again keeps the stops officers already visited, in the app too.

The demo county is imported into a temporary store, the day is planned and published
through the service (as ``countyreach plan --publish`` does) and an officer records the
outcomes of their first stops. The manager then plans the day again in the app — with the
"plan" button and with re-optimise — having unticked that officer: the visited stops stay
exactly where they were (lead, officer, position, times), the officer stays on duty and the
page says so, the checker passes, the plan-changes view shows no change for them, and the
CLI's path (:meth:`DailyLoop.plan`) keeps the same stops. Leads the store's rules leave out
are rows of the left-out table with their rule, and the map before planning shows the
values the plan uses (scored with the store's loan book).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from countyreach.i18n import t
from countyreach.pipeline import load_county_data
from countyreach.services import planning as pl
from countyreach.services.day_rules import store_day_rules
from countyreach.services.visited import plan_manager_day, visited_stops
from countyreach.services.workspace import DEMO_PASSWORD
from routing.plan import Plan
from tests.test_app_pages import DATE, _deck_spec
from tests.test_app_store_model import COUNTY, World, imported_trained  # noqa: F401  (fixture)
from tests.test_app_store_rules import (
    PARAMS,
    RULES,
    VISITED,
    _visit_the_day_before,
    open_as_manager,
)


def _publish_and_visit(w: World) -> tuple[str, list[tuple[str, int, str]], Plan]:
    """Publish :data:`DATE` and record outcomes for the first two stops of one officer.

    Returns
    -------
    tuple
        That officer, the visited stops as ``(lead, position, officer)`` and the published
        plan.
    """
    planned = w.loop.plan(w.admin, COUNTY, DATE, publish=True, params=PARAMS, rules=RULES)
    route = next(r for r in planned.day.plan.routes if len(r.stops) >= 3)
    first = route.lead_ids[:2]
    w.loop.record_outcome(w.admin, county_id=COUNTY, plan_date=DATE, lead_id=first[0],
                          outcome="met")
    w.loop.record_outcome(w.admin, county_id=COUNTY, plan_date=DATE, lead_id=first[1],
                          outcome="not_interested")
    return route.officer_id, [(lid, i, route.officer_id) for i, lid in enumerate(first)], \
        planned.day.plan


def _positions(plan: Plan) -> set[tuple[str, int, str]]:
    return {(s.lead_id, i, r.officer_id) for r in plan.routes for i, s in enumerate(r.stops)}


def _stops(plan: Plan, officer_id: str, n: int) -> tuple[object, ...]:
    route = next(r for r in plan.routes if r.officer_id == officer_id)
    return route.stops[:n]


def _open(w: World, lang: str = "en") -> AppTest:
    return open_as_manager(w, lang)


def _captions(at: AppTest) -> list[str]:
    return [str(c.value) for c in at.caption]


def _unchanged(before: Plan, after: Plan, leads: set[str]) -> bool:
    """The plan-changes view (:func:`pl.plan_diff`) names none of ``leads``."""
    return not any(leads & set(d.added + d.removed + d.moved) for d in pl.plan_diff(before,
                                                                                   after))


def test_the_app_keeps_the_visited_stops_when_it_plans_again(imported_trained: World) -> None:  # noqa: F811
    w = imported_trained
    officer, visited, published = _publish_and_visit(w)
    leads = {lid for lid, _, _ in visited}

    at = _open(w)
    # the manager unticks the officer (taken ill at noon): the visits made stay, the day
    # ends there, and the rest of the officer's list goes to the others
    at.button_group(key="duty_mode").set_value("except").run()
    at.multiselect(key="duty_except_pick").select(officer).run()
    assert t("visited_on_duty", "en", officers=officer) in _captions(at)
    assert t("fixed_stops_ahead", "en", n=2) in _captions(at)

    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    day = at.session_state["day"]
    assert day.ok, day.violations
    assert set(visited) <= _positions(day.plan)
    assert _stops(day.plan, officer, 2) == _stops(published, officer, 2)  # times too
    assert len(next(r for r in day.plan.routes if r.officer_id == officer).stops) == 2
    assert day.plan.meta["fixed_stops"] == 2
    assert t("fixed_stops_kept", "en", n=2) in [str(i.value) for i in at.info]
    assert _unchanged(published, day.plan, leads)
    assert t("diff_fixed", "en", n=2) in _captions(at)

    # the CLI's path keeps the same stops
    cli = w.loop.plan(w.admin, COUNTY, DATE, params=PARAMS, rules=RULES,
                      officer_ids=[o for o in ("O01", "O02", "O03") if o != officer])
    assert cli.day.ok and cli.day.plan.meta["fixed_stops"] == 2
    assert set(visited) <= _positions(cli.day.plan)
    assert _stops(cli.day.plan, officer, 2) == _stops(day.plan, officer, 2)
    assert len(next(r for r in cli.day.plan.routes if r.officer_id == officer).stops) == 2

    # re-optimise, with a pin of a visited lead to another officer: the visit stays put
    other = next(r.officer_id for r in day.plan.routes if r.officer_id != officer)
    at.session_state["pins"] = {visited[0][0]: other}
    at.button(key="reoptimise").click().run()
    assert not at.exception, at.exception
    again = at.session_state["day"]
    assert again is not day and again.ok, again.violations
    assert set(visited) <= _positions(again.plan)
    assert _stops(again.plan, officer, 2) == _stops(published, officer, 2)
    assert again.plan.meta["fixed_stops"] == 2
    assert _unchanged(published, again.plan, leads)


def test_store_rule_left_outs_are_rows_with_their_rule(imported_trained: World) -> None:  # noqa: F811
    w = imported_trained
    cold, _, _ = _visit_the_day_before(w)
    at = _open(w)
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    day = at.session_state["day"]
    assert day.plan.meta["left_out_leads"][cold] == "cooling"
    cooling = {lang: t("left_out_by_store", lang, rule=t("rule_cooling", lang))
               for lang in ("en", "zh")}
    reason = t("reason", "en")
    shown = next(df.value for df in at.dataframe if reason in df.value.columns)
    row = shown[shown[t("col_lead_id", "en")] == cold]
    assert list(row[reason]) == [cooling["en"]]
    zh = pl.dropped_table(day.problem, day.plan, "zh", scores=day.scores)
    assert list(zh.loc[zh["lead_id"] == cold, "reason"]) == [cooling["zh"]]
    assert cooling["zh"] != cooling["en"]
    # a lead left out is on no route and not offered; its row has the plan's value
    assert cold not in set(day.plan.visited_lead_ids) | set(day.problem.lead_by_id)
    value = day.scores.set_index("lead_id").loc[cold, "value_yuan"]
    assert int(row.iloc[0, 3]) == round(float(value))


def test_the_map_before_planning_scores_with_the_store_loan_book(
        imported_trained: World) -> None:  # noqa: F811
    w = imported_trained
    planned = w.loop.plan(w.admin, COUNTY, VISITED, publish=True, params=PARAMS, rules=RULES)
    lead = planned.day.plan.routes[0].lead_ids[0]
    # a loan recorded yesterday: the loan rule makes the lead worth 0 in today's plan
    w.loop.record_outcome(w.admin, county_id=COUNTY, plan_date=VISITED, lead_id=lead,
                          outcome="approved", amount_yuan=50000)
    at = _open(w)
    spec = _deck_spec(at, "plan_map")
    layer = next(layer for layer in spec["layers"] if layer["id"] == "leads")
    on_map = {str(d["lead_id"]): float(d["value_yuan"]) for d in layer["data"]}
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    scores = at.session_state["day"].scores
    plan_values = dict(zip(scores["lead_id"].astype(str),
                           pd.to_numeric(scores["value_yuan"]).fillna(0.0), strict=True))
    assert plan_values[lead] == 0.0 and on_map[lead] == 0.0
    assert on_map and all(abs(v - plan_values[k]) < 0.5 for k, v in on_map.items())
    # the service the app and the CLI share reads the published day's visits
    assert visited_stops(w.store, w.admin, COUNTY, DATE).published is None


def test_the_app_service_and_the_loop_keep_the_same_stops(
        imported_trained: World, demo_dir: Path, cache_dir: Path) -> None:  # noqa: F811
    w = imported_trained
    officer, visited, published = _publish_and_visit(w)
    manager = w.store.login("demo-manager", DEMO_PASSWORD)
    visits = visited_stops(w.store, manager, COUNTY, DATE)
    assert visits.count == 2 and visits.kept_off_duty(["O01"]) == sorted({officer} - {"O01"})
    # the app's path: the county folder's data, the store's rules, the manager's pins
    folder = load_county_data(demo_dir, cache_dir=cache_dir)
    rules_of_day = store_day_rules(w.loop, manager, COUNTY, DATE, folder)
    model = w.loop.model(w.admin, COUNTY)
    app = plan_manager_day(folder, visits, rules_of_day, plan_date=DATE, on_duty=[],
                           manual_pins={visited[1][0]: "O06"}, scorer=model.scorer,
                           model_meta={}, rules=RULES, params=PARAMS)
    cli = w.loop.plan(w.admin, COUNTY, DATE, params=PARAMS, rules=RULES)
    assert app.ok and cli.day.ok
    assert [r.officer_id for r in app.plan.routes] == [officer]  # nobody ticked: only him
    for plan in (app.plan, cli.day.plan):
        assert set(visited) <= _positions(plan)
        assert _stops(plan, officer, 2) == _stops(published, officer, 2)
    assert cli.changes.kept_fixed == {officer: tuple(lid for lid, _, _ in visited)}


def test_a_locked_route_is_kept_around_the_visited_stops(imported_trained: World) -> None:  # noqa: F811
    w = imported_trained
    officer, _, published = _publish_and_visit(w)
    visits = visited_stops(w.store, w.admin, COUNTY, DATE)
    day = w.loop.plan(w.admin, COUNTY, DATE, params=PARAMS, rules=RULES).day
    other = next(r for r in day.plan.routes if r.officer_id != officer and r.stops)
    pins = pl.lock_route(pl.lock_route({}, day.plan, officer), day.plan, other.officer_id)
    new = pl.replan(day, pins=pins, params=PARAMS, visited=visits)
    assert new.ok, new.violations
    assert _stops(new.plan, officer, 2) == _stops(published, officer, 2)
    mine = next(r for r in day.plan.routes if r.officer_id == officer)
    assert next(r for r in new.plan.routes if r.officer_id == officer).lead_ids == mine.lead_ids
    assert next(r for r in new.plan.routes
                if r.officer_id == other.officer_id).lead_ids == other.lead_ids
