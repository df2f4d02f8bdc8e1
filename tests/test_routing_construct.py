"""Greedy initial routes and the large-neighbourhood improvement around OR-Tools."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings

from countyreach.types import TimeWindow
from routing import check_plan, schedule_route, solve
from routing.construct import greedy_routes
from routing.reasons import eligible
from tests.test_routing_checker import small_problems
from tests.test_routing_solver import MIN, lead, officer, problem


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
    from countyreach.types import Break

    lunch = Break(TimeWindow(12 * 3600, 13 * 3600), 60 * MIN)
    leads = [lead(f"L{i}", 50.0, windows=(TimeWindow((9 + i) * 3600, (9 + i) * 3600 + 1800),))
             for i in range(6)]
    pos = {"O1": (0, 0)} | {f"L{i}": (i % 3, i // 3) for i in range(6)}
    p = problem(leads, [officer("O1", lunch=lunch)], pos)
    seq = greedy_routes(p, p.leads)[0]
    assert seq  # something fits
    assert schedule_route(p.officers[0], [p.lead_by_id[x] for x in seq], p.matrix) is not None


def _big_day(n_leads: int = 120, n_officers: int = 8, seed: int = 3, **kw):
    rng = np.random.default_rng(seed)
    leads = [lead(f"L{i}", float(rng.integers(1, 101)), service_s=20 * MIN)
             for i in range(n_leads)]
    pos = {f"L{i}": tuple(rng.integers(0, 60, 2)) for i in range(n_leads)}
    offs = [officer(f"O{k}") for k in range(n_officers)]
    pos |= {f"O{k}": tuple(rng.integers(10, 50, 2)) for k in range(n_officers)}
    return problem(leads, offs, pos, drive_cost_yuan_per_h=3.0, skills="off", **kw)


def test_improvement_never_loses_value_against_the_greedy_start():
    p = _big_day(time_limit_s=2.0, workers=1)
    greedy = greedy_routes(p, p.leads)
    greedy_value = sum(p.lead_by_id[x].value_yuan for seq in greedy for x in seq)
    plan = solve(p)
    assert check_plan(p, plan) == []
    assert plan.meta["improvement_steps"] > 0
    # Driving is cheap next to prizes here, so value collected is what the search improves.
    assert plan.value_yuan >= greedy_value - 1e-9


def test_two_processes_improve_disjoint_neighbourhoods():
    p = _big_day(time_limit_s=6.0, workers=2)
    plan = solve(p)
    assert plan.meta["workers"] == 2
    assert check_plan(p, plan) == []
    seen = [s.lead_id for r in plan.routes for s in r.stops]
    assert len(seen) == len(set(seen))
    one = solve(replace(p, settings=replace(p.settings, workers=1)))
    assert one.meta["workers"] == 1
    assert check_plan(p, one) == []


def test_a_fixed_number_of_steps_gives_the_same_plan_every_time():
    p = _big_day(time_limit_s=0.5, improvement_steps=15)
    a, b = solve(p), solve(p)
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
    import routing.solver as solver_module

    monkeypatch.setattr(solver_module, "ProcessPoolExecutor", _BrokenPool)
    for n_officers in (8, 2):  # disjoint neighbourhoods, and a second chain
        # Enough time that the worker is wanted even on a slow, busy machine.
        p = _big_day(n_officers=n_officers, time_limit_s=8.0, workers=2)
        before = _BrokenPool.submitted
        plan = solve(p)
        assert _BrokenPool.submitted > before
        assert check_plan(p, plan) == []
        assert plan.meta["workers"] == 1


def _hood(p, orders):
    from routing.solver import _Neighbourhoods

    return _Neighbourhoods(p, p.leads, [list(seq) for seq in orders], np.random.default_rng(0))


def test_leaving_home_is_charged_only_early_and_only_when_someone_stays_home():
    leads = [lead(f"L{i}", 100.0) for i in range(4)]
    pos = {"O1": (0, 0), "O2": (5, 0), "O3": (9, 9)} | {f"L{i}": (i, 1) for i in range(4)}
    p = problem(leads, [officer("O1"), officer("O2"), officer("O3")], pos,
                drive_cost_yuan_per_h=3.0)
    hood = _hood(p, [["L0", "L1"], ["L2", "L3"], []])
    hood.phase(0.1)
    assert hood.route_cost_yuan > 0
    hood.phase(0.9)
    assert hood.route_cost_yuan == 0.0  # the second half is judged on value alone
    busy = _hood(p, [["L0"], ["L2", "L3"], ["L1"]])
    busy.phase(0.1)
    assert busy.route_cost_yuan == 0.0  # nobody stays home: nothing to empty


def test_emptying_a_route_may_cost_value_early_but_never_an_appointment_or_the_best_plan():
    from routing.solver import _Step

    # Moving b to O1 lets O2 stay home but costs more driving in all.
    pos = {"O1": (0, 0), "O2": (0, 4), "O3": (9, 9), "a": (1, 0), "b": (1, 3), "pin": (0, 5)}
    officers = [officer("O1"), officer("O2"), officer("O3")]
    p = problem([lead("a", 50.0), lead("b", 50.0)], officers, pos, drive_cost_yuan_per_h=3.0)
    hood = _hood(p, [["a"], ["b"], []])
    start = (hood.best[1], [list(x) for x in hood.best[2]])
    hood.phase(0.0)
    hood.route_cost_yuan = 1e6
    step = _Step((0, 1), ("a", "b"), (("a",), ("b",)), 0.3, hood.route_cost_yuan)
    hood.accept(step, [["a", "b"], []])
    assert hood.orders[:2] == [["a", "b"], []]  # one officer fewer, more driving: taken
    assert hood.value < start[0]
    assert (hood.best[1], hood.best[2]) == start  # the best plan by value is kept aside

    pinned = problem([lead("a", 50.0), lead("b", 50.0), lead("pin", 1.0, pinned_officer_id="O2")],
                     officers, pos, drive_cost_yuan_per_h=3.0)
    hood = _hood(pinned, [["a"], ["b", "pin"], []])
    hood.phase(0.0)
    hood.route_cost_yuan = 1e6
    step = _Step((0, 1), ("a", "b", "pin"), (("a",), ("b", "pin")), 0.3, hood.route_cost_yuan)
    hood.accept(step, [["a", "b"], []])
    assert hood.orders[1] == ["b", "pin"]  # an appointment is never traded for it
