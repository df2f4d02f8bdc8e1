"""How the solver spends its time limit on a large team day, seen through the plan's meta.

A day of many officers over many searched leads for its time limit gets greedy starts and
the improvement (PyVRP's start and the whole-day OR-Tools search would eat the budget:
``bench/bench_budget.py``); a small day keeps them. Days are random grids (travel time =
Manhattan distance x 60 s) with soft skills, so every officer has penalties of their own,
as on the product's days; every plan goes through the independent checker.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from geo.types import Location, TravelMatrix
from routing import PlanStatus, SolveParams, check_plan, solve
from routing.budget import Clock, polish_s, pyvrp_setup_skip
from routing.errors import ProblemError
from routing.problem import (
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
from routing.pyvrp_start import available

H, MIN = 3600, 60
INDUSTRIES = ("jade", "bicycles", "sheep")


def team_day(n: int, k: int, seed: int = 0, *, soft: bool = True) -> RoutingProblem:
    """``n`` leads and ``k`` officers at random grid points within an hour of each other;
    ``soft``: each officer is skilled in one industry (soft rule) and makes at most 8 visits,
    which PyVRP models only under a relaxation."""
    rng = np.random.default_rng(seed)
    pts = rng.integers(0, 60, size=(n + k, 2))
    leads = [Lead(f"L{i}", f"L{i}", Location(35.5, 115.0), INDUSTRIES[i % 3],
                  service_s=20 * MIN, value_yuan=float(rng.integers(50, 400)))
             for i in range(n)]
    officers = []
    for j in range(k):
        home = Depot(f"h{j}", "home", Location(35.5, 115.0), "home")
        officers.append(Officer(f"O{j}", f"O{j}", home, home, TimeWindow(8 * H, 17 * H),
                                skills=frozenset({INDUSTRIES[j % 3]}) if soft else frozenset(),
                                max_visits=8 if soft else None))
    ids = [ld.lead_id for ld in leads]
    rows = list(range(n))
    for j, o in enumerate(officers):
        ids += [start_node_id(o.officer_id), end_node_id(o.officer_id)]
        rows += [n + j, n + j]
    xy = pts[np.array(rows)]
    d = (np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2) * MIN).astype(np.int64)
    rules = RoutingRules(drive_cost_yuan_per_h=30.0,
                         skills=ConstraintMode.SOFT if soft else ConstraintMode.OFF)
    return RoutingProblem(tuple(leads), tuple(officers), TravelMatrix(ids, d, d * 10), rules,
                          "2026-12-03")


def test_a_large_team_day_is_planned_from_greedy_starts_and_passes_the_checker() -> None:
    # 20 officers over 320 searched leads in 1.5 s: ~4,300 lead-officer pairs a second,
    # past the rule's 1,000; the whole-day model of 360 nodes with 20 penalised officers
    # would take ~0.25 s, more than that search's share of the time.
    p = team_day(320, 20)
    plan = solve(p, SolveParams(time_limit_s=1.5, workers=1))
    assert check_plan(p, plan) == []
    assert plan.meta["candidates"] == 320
    assert plan.meta["pyvrp_skipped_large_day"] == 1
    assert "pyvrp_start" not in plan.meta  # PyVRP was not run at all
    assert plan.meta["whole_day_search_skipped"] == 1
    assert sum(len(r.stops) for r in plan.routes) > 0


@pytest.mark.skipif(not available(), reason="PyVRP is not installed")
def test_a_small_day_keeps_the_pyvrp_start_and_the_whole_day_search() -> None:
    p = team_day(40, 3, seed=1)
    plan = solve(p, SolveParams(time_limit_s=1.0, workers=1))
    assert check_plan(p, plan) == []
    assert "pyvrp_skipped_large_day" not in plan.meta
    assert plan.meta["pyvrp_start"] in (0, 1)
    assert "whole_day_search_skipped" not in plan.meta


@pytest.mark.skipif(not available(), reason="PyVRP is not installed")
def test_a_day_pyvrp_models_exactly_keeps_its_start_to_a_larger_size() -> None:
    # 10 officers over 50 leads in 1 s: 500 pairs a second, past the limit of a relaxed day
    # (soft skills, visit caps) and within that of a day PyVRP models exactly.
    relaxed, exact = team_day(50, 10, seed=2), team_day(50, 10, seed=2, soft=False)
    for p, skipped in ((relaxed, True), (exact, False)):
        plan = solve(p, SolveParams(time_limit_s=1.0, workers=1))
        assert check_plan(p, plan) == []
        assert ("pyvrp_skipped_large_day" in plan.meta) is skipped
        assert ("pyvrp_start" in plan.meta) is not skipped


# The solve's wall clock: what is kept after the search, decided from the day's size.

def clock(n: int, caps: tuple[int | None, ...], balancing: bool = False,
          expected_visits: float | None = None, time_limit_s: float = 10.0) -> Clock:
    # A solve that has not begun reads no contention, so the decisions below depend on the
    # sizes alone, never on how busy the test machine is.
    return Clock(time_limit_s, n, caps, balancing, expected_visits,
                 start_s=time.perf_counter() + 3600)


def test_the_time_kept_after_the_search_grows_with_the_leads_left_and_the_routes_open(
        ) -> None:
    uncapped = (None,) * 45
    assert clock(1000, uncapped).reserve_s() < clock(4000, uncapped).reserve_s()
    assert clock(4000, (None,) * 10).reserve_s() < clock(4000, uncapped).reserve_s()
    # Every day at its cap: the passes after the search never look at a full route.
    capped = clock(4000, (12,) * 45)
    assert capped.reserve_s([12] * 45) < capped.reserve_s([11] * 45)
    # Only leads left out cost work: a day expected to visit them all keeps next to nothing.
    assert clock(1000, (None,) * 250, expected_visits=2000.0).reserve_s() < (
        clock(1000, (None,) * 250).reserve_s() / 10)
    assert clock(1000, uncapped).reserve_s([22] * 45) < clock(1000, uncapped).reserve_s(
        [2] * 45)
    # Before there is a plan, capped days are taken to fill up when the candidates are many
    # times what the caps allow, and to stay open when they are not.
    assert clock(4000, (12,) * 45).open_routes() == 0
    assert clock(100, (12,) * 45).open_routes() == 45
    assert clock(4000, (12, None)).open_routes() == 1


def test_a_balanced_day_keeps_the_balance_its_share_after_the_plans_own_work() -> None:
    small = clock(184, (12,) * 6, balancing=True)
    assert small.reserve_s() > small.after_s(small.open_routes(), 3)
    assert small.reserve_s() <= 0.25 * 10.0 + 1e-9
    # A day whose own work after the search is longer than the balance's share keeps that
    # work and no balance time.
    big = clock(20_000, (None,) * 100, balancing=True, time_limit_s=1.0)
    # (and the search's own lateness, tens of milliseconds)
    assert big.after_s(100, 3) <= big.reserve_s() <= big.after_s(100, 3) + 0.1
    # The balance ends in time for the two passes after it, over the leads still left.
    assert big.balance_end_s([5] * 100) == big.end_s - big.after_s(100, 2, 19_500)


def test_a_clock_refuses_a_time_limit_that_is_not_positive() -> None:

    with pytest.raises(ProblemError):
        Clock(0.0, 10, (None,), False)
    assert 1.0 <= Clock(1.0, 10, (None,), False).contention() <= 3.0


def test_pyvrp_and_the_local_search_run_only_when_their_setup_fits_their_share() -> None:
    assert pyvrp_setup_skip(200, 5.0, 1.0) is None
    assert pyvrp_setup_skip(3000, 6.0, 1.0) is not None  # ~2.7 s of setup, not stoppable
    assert pyvrp_setup_skip(600, 1.0, 1.0) is None
    assert pyvrp_setup_skip(600, 1.0, 3.0) is not None  # a core shared three ways
    assert polish_s(4400, 7.0, 0.02, 1.0) is None  # ~0.9 s to set up of 7 s left
    kept = polish_s(1000, 7.0, 0.02, 1.0)
    assert kept is not None and kept > 0.02 * 7.0


def test_a_large_day_with_a_tiny_time_limit_still_returns_a_checked_plan() -> None:
    p = team_day(320, 20, seed=3)
    plan = solve(p, SolveParams(time_limit_s=0.05, workers=1))
    assert check_plan(p, plan) == []
    assert plan.status in (PlanStatus.FEASIBLE, PlanStatus.TIMEOUT)
    assert plan.meta.get("reserve_ms", 0) >= 0 and plan.meta.get("after_search_ms", 0) >= 0
    assert len(plan.routes) == 20


def test_the_put_back_ends_before_the_passes_after_it_and_explaining_before_the_limit():
    # A clock that has had far more CPU than wall time: no contention, whenever it is read.
    kw = dict(time_limit_s=10.0, n_candidates=2_000, visit_caps=(None, None, 8),
              start_s=time.perf_counter() - 1.0, start_cpu_s=time.process_time() - 1e6)
    balanced, plain = Clock(balancing=True, **kw), Clock(balancing=False, **kw)
    visits = [40, 30, 8]
    # Before a balance, the put-back leaves time for free visits and explanations; after
    # it (or with no balance), for the explanations alone.
    assert balanced.put_back_end_s(visits) < balanced.put_back_end_s(visits, after_balance=True)
    assert plain.put_back_end_s(visits) == balanced.put_back_end_s(visits, after_balance=True)
    assert plain.put_back_end_s(visits) < plain.explain_end_s() < plain.end_s
