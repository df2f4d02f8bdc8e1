"""SWAP* between two routes (:func:`routing.swapstar.swap_star`): on a day built for it,
with an appointment, and on random days that every rule holds, no value is lost and the
move repeats itself (hypothesis); the solver's plans, which end in the local search that
uses it, pass the checker."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from routing import check_plan, solve
from routing.params import SolveParams
from routing.polish import polish
from routing.reasons import eligible
from routing.swapstar import swap_star_descent
from tests.test_routing_polish import _greedy_start, _value, days
from tests.test_routing_solver import lead, officer, problem


def _line_day():
    # Two officers on a line: O1's route holds "b2" on O2's side, O2's holds "a2" on O1's.
    leads = [lead(x, 1000.0) for x in ("a1", "a2", "a3", "b1", "b2", "b3")]
    pos = {"O1": (0, 0), "O2": (0, 40), "a1": (0, 2), "a2": (0, 4), "a3": (0, 6),
           "b1": (0, 34), "b2": (0, 36), "b3": (0, 38)}
    return problem(leads, [officer("O1"), officer("O2")], pos, drive_cost_yuan_per_h=100.0)


def test_swap_star_trades_two_visits_each_into_its_best_place():
    p = _line_day()
    start = [["a1", "b2", "a3"], ["b1", "a2", "b3"]]
    orders = swap_star_descent(p, p.leads, start)
    assert [sorted(x) for x in orders] == [["a1", "a2", "a3"], ["b1", "b2", "b3"]]
    assert _value(p, orders) > _value(p, start)


def test_swap_star_leaves_an_appointment_with_its_officer():
    p = _line_day()
    leads = [ld if ld.lead_id != "b2" else lead("b2", 1000.0, pinned_officer_id="O1")
             for ld in p.leads]
    p = problem(leads, p.officers, {"O1": (0, 0), "O2": (0, 40), "a1": (0, 2), "a2": (0, 4),
                                    "a3": (0, 6), "b1": (0, 34), "b2": (0, 36), "b3": (0, 38)},
                drive_cost_yuan_per_h=100.0)
    orders = swap_star_descent(p, p.leads, [["a1", "b2", "a3"], ["b1", "a2", "b3"]])
    assert "b2" in orders[0]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_swap_star_keeps_every_rule_never_loses_value_and_repeats(p):
    start = _greedy_start(p)
    orders = swap_star_descent(p, p.leads, [list(x) for x in start])
    by_id = p.lead_by_id
    for o, seq in zip(p.officers, orders, strict=True):
        assert all(by_id[x].pinned_officer_id in (None, o.officer_id) for x in seq)
        assert all(eligible(p, o, by_id[x]) or by_id[x].pinned_officer_id == o.officer_id
                   for x in seq)
    assert sorted(x for s in orders for x in s) == sorted(x for s in start for x in s)
    assert _value(p, orders) >= _value(p, start) - 1e-6  # every route is timed here
    assert swap_star_descent(p, p.leads, [list(x) for x in start]) == orders


def _many_visits_day():
    leads = [lead(f"L{i}", 1000.0) for i in range(24)]
    pos = {"O1": (0, 0), "O2": (10, 0), "O3": (0, 10)} | {
        f"L{i}": (i % 6 * 2, i // 6 * 3) for i in range(24)}
    p = problem(leads, [officer("O1"), officer("O2"), officer("O3")], pos,
                drive_cost_yuan_per_h=60.0)
    return p, [[f"L{i}" for i in range(k, 24, 3)] for k in range(3)]


def test_polish_ends_in_swap_star_and_solver_plans_pass_the_checker():
    p, start = _many_visits_day()
    orders, _ = polish(p, p.leads, [list(x) for x in start])
    assert _value(p, orders) > _value(p, start)
    assert swap_star_descent(p, p.leads, orders) == orders  # SWAP* finds nothing more
    for seed in (0, 1):
        plan = solve(p, SolveParams(time_limit_s=1.0, seed=seed, workers=1))
        assert check_plan(p, plan) == []
        assert sum(len(r.stops) for r in plan.routes) == len(p.leads)
