"""Greedy initial routes and the large-neighbourhood improvement around OR-Tools."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from routing import check_plan, schedule_route
from routing.construct import greedy_routes
from routing.plan import PlanStatus
from routing.problem import TimeWindow
from routing.reasons import eligible
from tests.test_routing_checker import small_problems
from tests.test_routing_solver import MIN, SHIFT, H, lead, officer, problem, solve


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(small_problems())
def test_greedy_routes_are_feasible_and_visit_each_lead_once(p):
    orders = greedy_routes(p, p.leads)
    assert len(orders) == len(p.officers)
    seen = [x for seq in orders for x in seq]
    assert len(seen) == len(set(seen))
    for o, seq in zip(p.officers, orders, strict=True):
        leads = [p.lead_by_id[x] for x in seq]
        assert schedule_route(o, leads, p.matrix) is not None
        assert all(eligible(p, o, ld) for ld in leads)


def test_greedy_prefers_value_per_minute_of_the_day():
    # Room for two 60-minute visits: the two valuable leads, not the nearest cheap one.
    shift = TimeWindow(8 * 3600, 10 * 3600 + 10 * MIN)
    leads = [lead("near", 10.0, service_s=60 * MIN), lead("a", 100.0, service_s=60 * MIN),
             lead("b", 90.0, service_s=60 * MIN)]
    p = problem(leads, [officer("O1", shift=shift)],
                {"O1": (0, 0), "near": (0, 1), "a": (2, 0), "b": (0, 2)})
    assert set(greedy_routes(p, p.leads)[0]) == {"a", "b"}


def test_greedy_puts_appointments_in_first_even_at_a_loss():
    leads = [lead("far", 1.0, pinned_officer_id="O2"), lead("x", 100.0)]
    p = problem(leads, [officer("O1"), officer("O2")],
                {"O1": (0, 0), "O2": (0, 0), "far": (100, 0), "x": (1, 0)})
    orders = greedy_routes(p, p.leads)
    assert "far" in orders[1]
    assert "far" not in orders[0]


def test_greedy_respects_time_windows_and_lunch():
    from routing.problem import Break

    lunch = Break(TimeWindow(12 * 3600, 13 * 3600), 60 * MIN)
    leads = [lead(f"L{i}", 50.0, windows=(TimeWindow((9 + i) * 3600, (9 + i) * 3600 + 1800),))
             for i in range(6)]
    pos = {"O1": (0, 0)} | {f"L{i}": (i % 3, i // 3) for i in range(6)}
    p = problem(leads, [officer("O1", lunch=lunch)], pos)
    seq = greedy_routes(p, p.leads)[0]
    assert seq  # something fits
    assert schedule_route(p.officers[0], [p.lead_by_id[x] for x in seq], p.matrix) is not None


def _morning_and_midday(officer_kw: dict, x_kw: dict):
    """P fills the morning, Q is fixed around midday, X (worth little) goes in last: between
    them it looks free, after Q it costs a little; only after Q is its day feasible."""
    leads = [lead("P", 500.0, service_s=180 * MIN, windows=(TimeWindow(8 * H, 8 * H + 30 * MIN),)),
             lead("Q", 500.0, service_s=120 * MIN, windows=officer_kw.pop("q_windows")),
             lead("X", 20.0, **x_kw)]
    p = problem(leads, [officer("O1", **officer_kw)],
                {"O1": (0, 0), "P": (5, 0), "Q": (10, 0), "X": (7, 0)})
    seq = greedy_routes(p, p.leads)[0]
    assert schedule_route(p.officers[0], [p.lead_by_id[x] for x in seq], p.matrix) is not None
    return seq


def test_greedy_places_a_lead_whose_morning_window_has_closed_in_its_afternoon_one():
    # Reached between P and Q after its morning window closed, X waits for the afternoon
    # and Q is missed; after Q it is on time.
    seq = _morning_and_midday(
        {"q_windows": (TimeWindow(11 * H + 45 * MIN, 12 * H),)},
        {"service_s": 30 * MIN, "windows": (TimeWindow(9 * H, 11 * H), TimeWindow(14 * H, 16 * H))})
    assert seq == ["P", "Q", "X"]


def test_greedy_places_a_lead_after_the_lunch_it_would_push_too_late():
    from routing.problem import Break

    # Between P and Q, X leaves no room for lunch before Q's window closes (nor does lunch
    # before X); after Q it fits.
    seq = _morning_and_midday(
        {"q_windows": (TimeWindow(13 * H, 13 * H + 15 * MIN),),
         "lunch": Break(TimeWindow(11 * H + 30 * MIN, 13 * H), 45 * MIN)},
        {"service_s": 90 * MIN})
    assert seq == ["P", "Q", "X"]


def _big_day(n_leads: int = 120, n_officers: int = 8, seed: int = 3, **kw):
    rng = np.random.default_rng(seed)
    leads = [lead(f"L{i}", float(rng.integers(1, 101)), service_s=20 * MIN)
             for i in range(n_leads)]
    pos = {f"L{i}": tuple(rng.integers(0, 60, 2)) for i in range(n_leads)}
    offs = [officer(f"O{k}") for k in range(n_officers)]
    pos |= {f"O{k}": tuple(rng.integers(10, 50, 2)) for k in range(n_officers)}
    return problem(leads, offs, pos, drive_cost_yuan_per_h=3.0, skills="off", **kw)


def test_improvement_never_loses_value_against_the_greedy_start():
    p = _big_day()
    greedy = greedy_routes(p, p.leads)
    greedy_value = sum(p.lead_by_id[x].value_yuan for seq in greedy for x in seq)
    # The improvement of the greedy start on its own (no PyVRP start to compete with it).
    plan = solve(p, time_limit_s=2.0, workers=1, pyvrp_start=False)
    assert check_plan(p, plan) == []
    assert plan.meta["improvement_steps"] > 0
    # Driving is cheap next to prizes here, so value collected is what the search improves.
    assert plan.value_yuan >= greedy_value - 1e-9


def test_two_processes_improve_disjoint_neighbourhoods():
    p = _big_day()
    plan = solve(p, time_limit_s=6.0, workers=2)
    assert plan.meta["workers"] == 2
    assert check_plan(p, plan) == []
    seen = [s.lead_id for r in plan.routes for s in r.stops]
    assert len(seen) == len(set(seen))
    one = solve(p, time_limit_s=6.0, workers=1)
    assert one.meta["workers"] == 1
    assert check_plan(p, one) == []


def test_a_fixed_number_of_steps_gives_the_same_plan_every_time():
    p = _big_day()
    a, b = (solve(p, time_limit_s=0.5, improvement_steps=15) for _ in range(2))
    assert check_plan(p, a) == []
    assert a.meta["improvement_steps"] == 15 and a.meta["workers"] == 1
    assert [r.lead_ids for r in a.routes] == [r.lead_ids for r in b.routes]


class _BrokenPool:
    """A process pool whose worker cannot start (as with an unimportable __main__)."""

    submitted = 0

    def __init__(self, *args, **kwargs):
        pass

    def submit(self, *args, **kwargs):
        from concurrent.futures.process import BrokenProcessPool

        _BrokenPool.submitted += 1
        raise BrokenProcessPool("worker died on start")

    def shutdown(self, *args, **kwargs):
        pass


def test_a_worker_that_cannot_start_costs_a_core_not_the_plan(monkeypatch):
    import routing.lns as lns_module  # the modules that start worker processes
    import routing.solver as solver_module

    monkeypatch.setattr(lns_module, "ProcessPoolExecutor", _BrokenPool)
    monkeypatch.setattr(solver_module, "ProcessPoolExecutor", _BrokenPool)
    for n_officers in (8, 2):  # disjoint neighbourhoods, and a second chain
        # Enough time that the worker is wanted even on a slow, busy machine.
        p = _big_day(n_officers=n_officers)
        before = _BrokenPool.submitted
        plan = solve(p, time_limit_s=8.0, workers=2)
        assert _BrokenPool.submitted > before
        assert check_plan(p, plan) == []
        assert plan.meta["workers"] == 1


# Route closing (the anytime search, on days where some officer stays home): observed
# through solve()'s plan and its meta counts. Each of these days takes the search well past
# the 50 stalled steps that set off a closing within its first half (hundreds of steps).
_CLOSING_S = 3.0
#: O1 visits a and c, O2 visits b, O3 stays home. The value-optimal plan keeps it so.
_OPTIMUM = {"O1": {"a", "c"}, "O2": {"b"}, "O3": set()}


def _closing_day(shift: TimeWindow = SHIFT, far: bool = False, **kw):
    # Moving b to O1, or a and c to O2, costs more driving than the early charge for
    # leaving home (three average routes' driving): only closing a route empties one.
    pos = {"O1": (0, 0), "O2": (0, 12), "O3": (9, 9), "a": (1, 0), "b": (0, 11), "c": (1, 2)}
    if far:  # b and O2 an hour away: neither O1 nor O2 can take the other's visits
        pos |= {"O2": (0, 60), "b": (0, 59)}
    leads = [lead(x, 100.0, **kw.get(x, {})) for x in ("a", "b", "c")]
    return problem(leads, [officer(o, shift=shift) for o in ("O1", "O2", "O3")], pos,
                   drive_cost_yuan_per_h=3.0)


def _solve_closing(p):
    # Route closing belongs to the improvement phase: observed without a PyVRP start, which
    # would otherwise take most of the time on these days PyVRP models exactly.
    plan = solve(p, time_limit_s=_CLOSING_S, workers=1, pyvrp_start=False)
    assert check_plan(p, plan) == []
    return plan


def _visits(plan) -> dict[str, set[str]]:
    return {r.officer_id: set(r.lead_ids) for r in plan.routes}


def test_a_stalled_search_closes_a_route_and_still_returns_the_best_plan_by_value():
    p = _closing_day()
    plan = _solve_closing(p)
    # O2's visit found a place on O1's way: a route fewer, at more driving.
    assert plan.meta["routes_closed"] >= 1
    assert plan.meta["closings_undone"] == 0
    # The plans with a route fewer drive more: the plan returned is judged on value alone.
    assert _visits(plan) == _OPTIMUM
    assert plan.objective_yuan == pytest.approx(300.0 - (6 + 2) * 3.0 / 60, abs=1e-6)


def test_a_closing_that_cannot_place_every_visit_is_undone():
    p = _closing_day(shift=TimeWindow(8 * H, 10 * H), far=True)
    plan = _solve_closing(p)
    assert plan.meta["closings"] >= 1
    assert plan.meta["closings_undone"] == plan.meta["closings"]
    assert plan.meta["routes_closed"] == 0
    assert _visits(plan) == _OPTIMUM  # nothing was lost to the closings


def test_a_route_with_an_appointment_is_never_closed():
    # O2's route holds an appointment: O1's (heavier) route is closed instead, and its
    # visits find a place with O2. Closing O2's could never end: b may only go to O2.
    p = _closing_day(b={"pinned_officer_id": "O2"})
    plan = _solve_closing(p)
    assert plan.meta["routes_closed"] >= 1
    assert plan.meta["closings_undone"] == 0
    assert plan.status is PlanStatus.FEASIBLE and _visits(plan) == _OPTIMUM


def test_no_route_is_closed_when_every_route_holds_an_appointment_or_everyone_is_out():
    pinned = _closing_day(b={"pinned_officer_id": "O2"}, c={"pinned_officer_id": "O1"})
    plan = _solve_closing(pinned)
    assert plan.meta["improvement_steps"] > 0 and plan.meta["closings"] == 0
    assert plan.status is PlanStatus.FEASIBLE and _visits(plan) == _OPTIMUM
    # Each officer has a visit at their door: nobody stays home, nothing to close.
    pos = {"O1": (0, 0), "O2": (0, 12), "O3": (9, 9), "a": (1, 0), "b": (0, 11), "d": (9, 8)}
    out = problem([lead(x, 100.0) for x in "abd"], [officer(o) for o in ("O1", "O2", "O3")],
                  pos, drive_cost_yuan_per_h=3.0)
    plan = _solve_closing(out)
    assert plan.meta["improvement_steps"] > 0 and plan.meta["closings"] == 0
    assert _visits(plan) == {"O1": {"a"}, "O2": {"b"}, "O3": {"d"}}


def test_a_reproducible_search_never_closes_a_route():
    # The fixed-step search has no clock, hence no route phase: its plan depends on the
    # inputs alone.
    plan = solve(_closing_day(), improvement_steps=200)
    assert check_plan(_closing_day(), plan) == []
    assert plan.meta["improvement_steps"] == 200 and plan.meta["closings"] == 0
    assert _visits(plan) == _OPTIMUM
