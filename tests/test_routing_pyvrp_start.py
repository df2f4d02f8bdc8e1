"""The PyVRP start: what it models, what it refuses, and that plans built on it keep every rule.

Days are small random grids (travel time = Manhattan distance x 60 s) so PyVRP answers in a
fraction of a second; every solver result goes through the independent checker.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.types import Location, TravelMatrix
from routing import SolveParams, check_plan, solve
from routing.problem import (
    Break,
    ConstraintMode,
    Depot,
    Lead,
    Officer,
    RoutingProblem,
    RoutingRules,
    TimeWindow,
    end_node_id,
    start_node_id,
)
from routing.pyvrp_start import (
    Unsupported,
    available,
    pyvrp_data,
    pyvrp_orders,
    solve_params,
)

pytestmark = pytest.mark.skipif(not available(), reason="PyVRP is not installed")

H, MIN = 3600, 60
INDUSTRIES = ("jade", "bicycles", "sheep")


def day(seed: int, n: int = 25, k: int = 3, *, lunch: bool = False, hard_skills: bool = False,
        windows: bool = False, max_visits: int | None = None) -> RoutingProblem:
    """``n`` leads and ``k`` officers at random grid points within 40 minutes of each other."""
    rng = np.random.default_rng(seed)
    pts = rng.integers(0, 40, size=(n + k, 2))
    leads = []
    for i in range(n):
        w = ()
        if windows and i % 3 == 0:
            start = int(rng.integers(8, 14)) * H
            w = (TimeWindow(start, start + 2 * H),)
        leads.append(Lead(f"L{i}", f"L{i}", Location(35.5, 115.0), INDUSTRIES[i % 3],
                          service_s=20 * MIN, value_yuan=float(rng.integers(50, 400)), windows=w))
    officers = []
    for j in range(k):
        dep = Depot(f"h{j}", "home", Location(35.5, 115.0), "home")
        officers.append(Officer(
            f"O{j}", f"O{j}", dep, dep, TimeWindow(8 * H, 17 * H),
            skills=frozenset({INDUSTRIES[j % 3]}) if hard_skills else frozenset(),
            lunch=Break(TimeWindow(11 * H + 30 * MIN, 13 * H), H) if lunch else None,
            max_visits=max_visits))
    ids = [ld.lead_id for ld in leads]
    rows = list(range(n))
    for j, o in enumerate(officers):
        ids += [start_node_id(o.officer_id), end_node_id(o.officer_id)]
        rows += [n + j, n + j]
    xy = pts[np.array(rows)]
    d = (np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2) * MIN).astype(np.int64)
    rules = RoutingRules(drive_cost_yuan_per_h=30.0,
                         skills=ConstraintMode.HARD if hard_skills else ConstraintMode.OFF)
    return RoutingProblem(tuple(leads), tuple(officers), TravelMatrix(ids, d, d * 10), rules,
                          "2026-12-03")


def test_exact_model_refuses_what_pyvrp_cannot_model() -> None:
    with pytest.raises(Unsupported, match="lunch"):
        pyvrp_data(day(0, lunch=True), relax=False)
    with pytest.raises(Unsupported, match="visit cap"):
        pyvrp_data(day(0, max_visits=4), relax=False)
    pyvrp_data(day(0), relax=False)  # a plain prize-collecting day is modelled exactly


def test_relaxed_model_shortens_the_shift_by_lunch_and_caps_visits() -> None:
    data = pyvrp_data(day(0, lunch=True, max_visits=4)).data
    vt = data.vehicle_type(0)
    assert vt.tw_late == 17 * H - H
    assert next(iter(vt.capacity)) == 4
    assert all(next(iter(c.delivery)) == 1 for c in data.clients())


def test_our_start_narrows_the_neighbourhood_of_small_prize_days_only() -> None:
    import pyvrp

    default = pyvrp.SolveParams().neighbourhood.num_neighbours
    small = pyvrp_data(day(0)).data  # 25 clients: the lower bound
    assert solve_params(small, tuned=True).neighbourhood.num_neighbours == 20
    # The bench's plain-PyVRP baseline and required days (VRPTW) keep PyVRP's defaults.
    assert solve_params(small) == pyvrp.SolveParams()
    required = pyvrp_data(day(0), required=True).data
    assert solve_params(required, tuned=True) == pyvrp.SolveParams()
    large = pyvrp_data(day(0, n=300)).data
    assert solve_params(large, tuned=True).neighbourhood.num_neighbours == default


def test_hard_skills_become_profiles_that_keep_officers_to_their_industries() -> None:
    p = day(1, hard_skills=True)
    orders = pyvrp_orders(p, p.leads, 0.3, seed=0)
    assert orders is not None and any(orders)
    industry = {ld.lead_id: ld.industry for ld in p.leads}
    for o, seq in zip(p.officers, orders, strict=True):
        assert all(o.can_serve(industry[x]) for x in seq)


def test_re_planning_and_position_pins_are_left_to_our_own_start() -> None:
    p = day(2)
    lead0 = p.leads[0]
    pinned = RoutingProblem((Lead(lead0.lead_id, lead0.name, lead0.location, lead0.industry,
                                  service_s=lead0.service_s, value_yuan=lead0.value_yuan,
                                  pinned_officer_id="O0", pinned_position=1), *p.leads[1:]),
                            p.officers, p.matrix, p.rules, p.plan_date)
    with pytest.raises(Unsupported, match="position"):
        pyvrp_data(pinned)
    plan = solve(pinned, SolveParams(time_limit_s=0.5, workers=1))
    assert check_plan(pinned, plan) == []


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), lunch=st.booleans(), hard=st.booleans(),
       windows=st.booleans(), cap=st.sampled_from([None, 3, 6]))
def test_plans_started_from_pyvrp_keep_every_rule(seed: int, lunch: bool, hard: bool,
                                                  windows: bool, cap: int | None) -> None:
    p = day(seed, lunch=lunch, hard_skills=hard, windows=windows, max_visits=cap)
    plan = solve(p, SolveParams(time_limit_s=0.4, workers=1, seed=seed))
    assert check_plan(p, plan) == []


def test_the_plan_says_whether_the_pyvrp_start_was_proposed_and_kept() -> None:
    p = day(3, n=40, k=3, windows=True)
    with_start = solve(p, SolveParams(time_limit_s=0.6, workers=1))
    without = solve(p, SolveParams(time_limit_s=0.6, workers=1, pyvrp_start=False))
    assert check_plan(p, with_start) == [] and check_plan(p, without) == []
    assert with_start.meta["pyvrp_start"] in (0, 1)
    assert "pyvrp_start" not in without.meta
    # A reproducible (fixed-step) search never consults the clock, so PyVRP is not run.
    fixed = solve(p, SolveParams(improvement_steps=2, workers=1))
    assert "pyvrp_start" not in fixed.meta and check_plan(p, fixed) == []


def test_no_cost_pyvrp_sums_can_wrap_around_int64() -> None:
    # A banned arc's distance times PyVRP's penalty on the excess over an officer's longest
    # drive, summed over a first random solution's banned arcs, wrapped around int64: its
    # search then ran far past its budget, for ever on the demo's two officers, hard skills.
    import dataclasses

    p = day(3, n=80, k=2, hard_skills=True)
    p = dataclasses.replace(p, officers=tuple(dataclasses.replace(o, max_drive_s=4 * H)
                                              for o in p.officers))
    data = pyvrp_data(p).data
    longest = max(int(np.asarray(m).max()) for m in data.distance_matrices())
    penalty = solve_params(data, strict=True).penalty.max_penalty
    arcs = data.num_clients + data.num_vehicles + 1
    assert longest * arcs * penalty < 2**63
    # and a banned lead still costs more than any prize it could bring
    top = max(c.prize for c in data.clients())
    assert longest > top
