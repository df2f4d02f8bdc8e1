"""Greedy initial routes and the large-neighbourhood improvement around OR-Tools."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings

from routing import check_plan, schedule_route
from routing.construct import greedy_routes
from routing.problem import TimeWindow
from routing.reasons import eligible
from tests.test_routing_checker import small_problems
from tests.test_routing_solver import MIN, lead, officer, problem, solve


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
    plan = solve(p, time_limit_s=2.0, workers=1)
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
    import routing.solver as solver_module

    monkeypatch.setattr(solver_module, "ProcessPoolExecutor", _BrokenPool)
    for n_officers in (8, 2):  # disjoint neighbourhoods, and a second chain
        # Enough time that the worker is wanted even on a slow, busy machine.
        p = _big_day(n_officers=n_officers)
        before = _BrokenPool.submitted
        plan = solve(p, time_limit_s=8.0, workers=2)
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


def _stalled(hood, progress):
    from routing.solver import _STALL_STEPS

    hood.since_improved = _STALL_STEPS
    hood.phase(progress)


def _closing_day(**kw):
    # O2's one visit could go on O1's way at a little more driving; O3 stays home.
    pos = {"O1": (0, 0), "O2": (0, 6), "O3": (9, 9), "a": (1, 0), "b": (0, 5), "c": (1, 2)}
    leads = [lead(x, 100.0, **kw.get(x, {})) for x in ("a", "b", "c")]
    return problem(leads, [officer("O1"), officer("O2"), officer("O3")], pos,
                   drive_cost_yuan_per_h=3.0)


def test_a_stalled_search_closes_the_lightest_route_until_its_visits_have_a_place():
    from routing.solver import _Step

    hood = _hood(_closing_day(), [["a", "c"], ["b"], []])
    start = (hood.best[1], [list(x) for x in hood.best[2]])
    hood.phase(0.35)
    assert not hood.closed  # no stall, nothing closed
    _stalled(hood, 0.35)
    assert hood.orders == [["a", "c"], [], []] and hood.closed == {1, 2}
    for _ in range(20):  # officers kept home are in no step
        step = hood.propose(0.003, 1.0)
        assert step is not None and not set(step.group) & {1, 2}
    hood.phase(0.36)
    assert hood.bonus["b"] > 0  # the waiting visit's prize grows
    step = _Step((0,), ("a", "b", "c"), (("a", "c"),), 0.3, 0.0, hood.epoch,
                 tuple(hood.bonus.items()))
    hood.accept(step, [["a", "c", "b"]])
    assert hood.orders == [["a", "c", "b"], [], []]
    hood.phase(0.37)
    assert hood.closed == {1, 2} and not hood.bonus  # placed: the officers stay home
    stale = _Step((0, 1), ("a", "b", "c"), (("a", "c", "b"), ()), 0.3, 0.0, hood.epoch)
    hood.accept(stale, [["a"], ["b", "c"]])
    assert hood.orders[1] == []  # a step may not send a closed route's officer out
    _stalled(hood, 0.4)
    assert not hood.closed  # the next stall reopens them
    # More driving than before the closing: the plan kept aside is still the better one.
    assert (hood.best[1], hood.best[2]) == start
    assert hood.value < start[0]


def test_a_closing_that_does_not_place_every_visit_in_time_is_undone():
    from routing.solver import _CLOSE_FOR, _Step

    hood = _hood(_closing_day(), [["a", "c"], ["b"], []])
    before = [list(x) for x in hood.orders]
    _stalled(hood, 0.2)
    assert hood.orders[1] == []
    # A step drawn during the closing, back after it was undone: b is O2's again.
    drawn = _Step((0,), ("a", "b", "c"), (("a", "c"),), 0.3, 0.0, hood.epoch)
    hood.phase(0.2 + _CLOSE_FOR + 0.01)
    assert hood.orders == before and not hood.closed and not hood.bonus
    hood.accept(drawn, [["a", "c", "b"]])
    assert hood.orders == before  # refused: b would be visited twice
    accepted = hood.accepted
    hood.accept(_Step((0,), ("a", "c"), (("a", "c"),), 0.3, 0.0, hood.epoch), [["a", "c"]])
    assert hood.accepted == accepted + 1  # steps from the restored plan count again
    _stalled(hood, 0.2 + _CLOSE_FOR + 0.02)
    assert hood.orders == [[], ["b"], []]  # not O2's route again as it was: O1's instead


def test_routes_with_appointments_and_days_without_anyone_home_are_never_closed():
    pinned = _closing_day(b={"pinned_officer_id": "O2"})
    hood = _hood(pinned, [["a", "c"], ["b"], []])
    _stalled(hood, 0.3)
    assert hood.orders == [[], ["b"], []]  # the lighter route keeps an appointment: O1 closes
    alone = _hood(_closing_day(), [["a", "b", "c"], [], []])
    _stalled(alone, 0.3)
    assert alone.orders[0] == ["a", "b", "c"]  # the one officer out is not sent home
    everyone_out = _hood(_closing_day(), [["a"], ["b"], ["c"]])
    _stalled(everyone_out, 0.3)
    assert everyone_out.orders == [["a"], ["b"], ["c"]] and not everyone_out.closed


def test_no_route_is_closed_after_the_route_phase():
    from routing.solver import _CLOSE_BEFORE

    hood = _hood(_closing_day(), [["a", "c"], ["b"], []])
    _stalled(hood, 0.1)
    assert hood.orders[1] == []
    _stalled(hood, _CLOSE_BEFORE)  # a closing in progress is undone ...
    assert hood.orders == [["a", "c"], ["b"], []] and not hood.closed
    for k in range(5):  # ... and none starts again: the rest of the time goes to driving
        _stalled(hood, _CLOSE_BEFORE + 0.05 * k)
        assert hood.orders == [["a", "c"], ["b"], []] and not hood.closed


def test_a_waiting_visit_may_take_the_place_of_an_easier_one_once_its_prize_has_grown():
    from routing.solver import _Step

    hood = _hood(_closing_day(), [["a", "c"], ["b"], []])
    _stalled(hood, 0.2)
    swap = [["a", "b"]]  # b in, c out: the same prize, more driving
    step = _Step((0,), ("a", "b", "c"), (("a", "c"),), 0.3, 0.0, hood.epoch)
    hood.accept(step, swap)
    assert hood.orders[0] == ["a", "c"]  # not yet worth it
    for k in range(1, 200):
        hood.phase(0.2 + k * 1e-4)
    step = _Step((0,), ("a", "b", "c"), (("a", "c"),), 0.3, 0.0, hood.epoch,
                 tuple(hood.bonus.items()))
    hood.accept(step, swap)
    assert hood.orders[0] == ["a", "b"]  # now c waits, and its prize grows in turn
    hood.phase(0.25)
    assert hood.bonus["c"] > 0
    # b keeps the prize it earned while waiting: c, just starting to wait, cannot push it
    # back out (without that memory the two took turns and the closing never ended).
    assert hood.bonus["b"] > hood.bonus["c"]
    back = _Step((0,), ("a", "b", "c"), (("a", "b"),), 0.3, 0.0, hood.epoch,
                 tuple(hood.bonus.items()))
    hood.accept(back, [["a", "c"]])
    assert hood.orders[0] == ["a", "b"]
