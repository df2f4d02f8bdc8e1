"""The planning service's pins, locks and re-plan diff: on hand-built plans and on the
demo county through the app's own calls (lock_route / assign_pin, then replan)."""

from __future__ import annotations

from pathlib import Path

import pytest

from countyreach.pipeline import DayPlan, plan_day
from countyreach.services import planning as pl
from routing import SolveParams, check_plan
from routing.plan import DropReason, Plan, PlanStatus, Route, Stop

DATE = "2026-11-24"


def _route(oid: str, *lead_ids: str) -> Route:
    stops = tuple(Stop(x, 100 * k, 100 * k, 100 * k + 50, 10, 100)
                  for k, x in enumerate(lead_ids, start=1))
    return Route(oid, stops, 0, 100 * (len(lead_ids) + 1), 0, 0, 0.0)


def _plan(*routes: Route) -> Plan:
    return Plan(PlanStatus.FEASIBLE, routes, ())


def test_plan_diff_reports_added_removed_and_moved_per_officer():
    before = _plan(_route("O1", "a", "b", "c", "d"), _route("O2", "e", "f"))
    after = _plan(_route("O1", "x", "a", "c", "b"), _route("O2", "e", "f", "d"))
    d1, d2 = pl.plan_diff(before, after)
    assert d1 == pl.OfficerDiff("O1", added=("x",), removed=("d",), moved=("b",))
    assert d2 == pl.OfficerDiff("O2", added=("d",))
    assert d1.changed and d2.changed


def test_plan_diff_of_an_insertion_at_the_front_moves_nothing():
    before = _plan(_route("O1", "a", "b", "c"))
    (diff,) = pl.plan_diff(before, _plan(_route("O1", "z", "a", "b", "c")))
    assert diff.added == ("z",) and diff.moved == () and diff.removed == ()


def test_plan_diff_of_the_same_plan_changes_nothing():
    plan = _plan(_route("O1", "a", "b"), _route("O2"))
    assert not any(d.changed for d in pl.plan_diff(plan, plan))


def test_plan_diff_lists_an_officer_only_one_plan_has():
    before = _plan(_route("O1", "a"), _route("O9", "q"))
    diffs = pl.plan_diff(before, _plan(_route("O1", "a")))
    assert [d.officer_id for d in diffs] == ["O1", "O9"]
    assert diffs[1].removed == ("q",)


def test_lock_route_records_stops_in_order_and_a_later_pin_takes_a_lead_out():
    plan = _plan(_route("O1", "c", "a", "b"))
    pins = pl.lock_route({"a": "O2"}, plan, "O1")
    assert pl.locked_routes(pins) == {"O1": ("c", "a", "b")}
    assert pl.appointments(pins) == {}  # the lock cancels a's appointment with O2
    pins = pl.assign_pin(pins, "a", "O3")
    assert pl.locked_routes(pins) == {"O1": ("c", "b")}
    assert pl.appointments(pins) == {"a": "O3"}
    assert pl.locked_routes(pl.unlock_route(pins, "O1")) == {}


def test_a_lock_cancels_its_officers_pins_it_does_not_hold_and_a_later_pin_releases_it():
    plan = _plan(_route("O1", "c", "a"), _route("O2", "b"))
    pins = pl.lock_route({"b": "O1", "a": "O1"}, plan, "O1")
    # b is not on O1's route: the locked route could never keep that appointment
    assert pl.appointments(pins) == {"a": "O1"}
    pins = pl.assign_pin(pins, "b", "O1")  # the later decision: O1's route takes b
    assert pl.locked_routes(pins) == {} and pl.appointments(pins) == {"a": "O1", "b": "O1"}
    pins = pl.assign_pin(pl.lock_route({}, plan, "O1"), "a", "O1")  # already on the route
    assert pl.locked_routes(pins) == {"O1": ("c", "a")}


@pytest.fixture(scope="module")
def day(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> DayPlan:
    cache = tmp_path_factory.mktemp("cache")
    return plan_day(demo_dir, plan_date=DATE, cache_dir=cache,
                    params=SolveParams(time_limit_s=2.0, workers=1))


def _spare(day: DayPlan) -> str:
    """A lead the day leaves out only for want of room or value (any officer could go)."""
    return next(d.lead_id for d in day.plan.dropped
                if d.reason in (DropReason.NO_CAPACITY, DropReason.NOT_WORTH_DETOUR))


def _routes(plan: Plan) -> dict[str, tuple[str, ...]]:
    return {r.officer_id: r.lead_ids for r in plan.routes}


def test_a_locked_route_is_identical_after_a_re_plan_of_the_demo_day(day: DayPlan):
    oid = day.plan.routes[0].officer_id
    pins = pl.lock_route({}, day.plan, oid)
    # Pin a lead the day leaves out to another officer, so the re-plan has work to do.
    spare = _spare(day)
    other = day.plan.routes[1].officer_id
    pins = pl.assign_pin(pins, spare, other)
    again = pl.replan(day, pins=pins, params=SolveParams(time_limit_s=2.0, workers=1))
    assert check_plan(again.problem, again.plan) == []
    assert _routes(again.plan)[oid] == _routes(day.plan)[oid]
    assert spare in _routes(again.plan)[other]


def test_pinning_one_visit_on_the_demo_day_changes_only_that_officers_route(day: DayPlan):
    oid = day.plan.routes[2].officer_id
    spare = _spare(day)
    again = pl.replan(day, pins=pl.assign_pin({}, spare, oid),
                      params=SolveParams(time_limit_s=2.0, workers=1))
    assert check_plan(again.problem, again.plan) == []
    changed = {d.officer_id for d in pl.plan_diff(day.plan, again.plan) if d.changed}
    assert changed == {oid}
