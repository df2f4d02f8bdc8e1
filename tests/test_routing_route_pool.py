"""The route pool: packing pooled routes is never worse than the search's best, combines
routes of different solutions, keeps required clients served, and plans stay checked."""

from __future__ import annotations

import time
from typing import Any

import pytest

from routing.pyvrp_start import (
    available,
    pack_solution,
    packed_orders,
    proposal_orders,
    pyvrp_data,
    search_until,
)
from routing.route_pool import RoutePool, merged, route_key
from tests.test_routing_pyvrp_start import day

pytestmark = pytest.mark.skipif(not available(), reason="PyVRP is not installed")


def _line_day(required: bool = False) -> Any:
    """One depot at 0; clients at -10, -11 (west) and 10, 11 (east); two vehicles."""
    import numpy as np
    import pyvrp

    xs = [0, -10, -11, 10, 11]
    dist = np.abs(np.subtract.outer(xs, xs)).astype(np.int64)
    clients = [pyvrp.Client(i, prize=0 if required else 100, required=required)
               for i in range(1, 5)]
    return pyvrp.ProblemData([pyvrp.Location(float(x), 0.0) for x in xs], clients,
                             [pyvrp.Depot(0)], [pyvrp.VehicleType(2)], [dist], [dist])


def _cost(data: Any, solution: Any) -> int:
    import pyvrp

    return int(pyvrp.CostEvaluator([0.0] * data.num_load_dimensions, 0.0, 0.0).cost(solution))


def test_packing_combines_the_good_routes_of_two_solutions() -> None:
    import pyvrp

    data = _line_day()
    # Client indices 0, 1 are west, 2, 3 east. Each solution routes one side well and leaves
    # a client of the other side out; the pool holds both good routes.
    west_good = pyvrp.Solution(data, [[0, 1], [2]])
    east_good = pyvrp.Solution(data, [[0], [2, 3]])
    pool = RoutePool()
    pool.add(west_good)
    pool.add(east_good)
    best = min(west_good, east_good, key=lambda s: _cost(data, s))
    packed = pack_solution(data, pool, best, time_limit_s=5.0)
    assert packed.is_feasible()
    assert _cost(data, packed) < _cost(data, best)
    assert sorted(route_key(r)[1] for r in packed.routes()) == [(0, 1), (2, 3)]


def test_required_clients_stay_served_exactly_once() -> None:
    import pyvrp

    data = _line_day(required=True)
    crossing = pyvrp.Solution(data, [[0, 2], [1, 3]])  # each route crosses the depot
    sides = pyvrp.Solution(data, [[0, 1], [3, 2]])
    pool = RoutePool()
    pool.add(sides)
    pool.add(crossing)
    packed = pack_solution(data, pool, crossing, time_limit_s=5.0)
    served = sorted(c for r in packed.routes() for c in route_key(r)[1])
    assert served == [0, 1, 2, 3]
    assert _cost(data, packed) <= _cost(data, sides)


def test_packing_without_a_better_combination_returns_the_best() -> None:
    import pyvrp

    data = _line_day()
    best = pyvrp.Solution(data, [[0, 1], [2, 3]])
    pool = RoutePool()
    pool.add(pyvrp.Solution(data, [[0], [2]]))
    assert _cost(data, pack_solution(data, pool, best, time_limit_s=5.0)) == _cost(data, best)


def test_the_search_pools_routes_near_its_best_and_packing_never_loses() -> None:
    import pyvrp

    problem = day(3, n=40, k=3)
    ids = [ld.lead_id for ld in problem.leads]
    pday = pyvrp_data(problem)
    proposals = []
    for seed in (1, 2):
        # A short search; the wall-clock instant is only its budget.
        p = search_until(problem, ids, time.time() + 0.4, seed, day=pday)
        assert p is not None and len(p.pool) >= len(p.best)
        proposals.append(p)
    data = pday.data
    bests = [pyvrp.Solution(data, [pyvrp.Route(data, list(v), vt) for vt, v in p.best])
             for p in proposals]
    pool = merged([p.pool for p in proposals])
    packed = pack_solution(data, pool, min(bests, key=lambda s: _cost(data, s)), time_limit_s=2.0)
    assert packed.is_feasible()
    assert _cost(data, packed) <= min(_cost(data, s) for s in bests)
    orders = packed_orders(problem, pday, proposals, time_limit_s=2.0)
    assert orders is not None and len(orders) == len(problem.officers)
    visited = [x for seq in orders for x in seq]
    assert len(visited) == len(set(visited))
    # A proposal's own best, as orders, is what the search returned.
    own = proposal_orders(problem, pday, proposals[0])
    assert sorted(x for seq in own for x in seq) == sorted(
        pday.lead_ids[c] for _, visits in proposals[0].best for c in visits)


def test_the_pool_stops_taking_candidates_once_over_its_time_share() -> None:
    import pyvrp

    data = _line_day()
    ce = pyvrp.CostEvaluator([0.0] * data.num_load_dimensions, 0.0, 0.0)
    best = pyvrp.Solution(data, [[0, 1], [2, 3]])
    first = pyvrp.Solution(data, [[1, 0], [2, 3]])
    second = pyvrp.Solution(data, [[0, 1, 2], [3]])
    # A share of 0: the first candidate's keeping is the pool's whole allowance.
    pool = RoutePool(slack=10.0, time_share=0.0)
    pool.on_start(None)
    pool.on_iteration(first, first, best, ce)
    assert (0, (1, 0)) in pool.routes
    pool.on_iteration(second, second, best, ce)
    assert (0, (0, 1, 2)) not in pool.routes
    # New bests are kept whatever the time taken: the packing's hint must be in the pool.
    pool.on_best(second)
    assert (0, (0, 1, 2)) in pool.routes
    unlimited = RoutePool(slack=10.0, time_share=1e9)
    unlimited.on_start(None)
    for candidate in (first, second):
        unlimited.on_iteration(candidate, candidate, best, ce)
    assert {(0, (1, 0)), (0, (0, 1, 2)), (0, (3,))} <= unlimited.routes.keys()


def test_candidate_routes_of_the_same_length_and_duration_are_all_pooled() -> None:
    import pyvrp

    data = _line_day()
    ce = pyvrp.CostEvaluator([0.0] * data.num_load_dimensions, 0.0, 0.0)
    best = pyvrp.Solution(data, [[0, 1], [2, 3]])
    pool = RoutePool(slack=10.0, time_share=1e9)
    pool.on_start(None)
    # The west and east routes, each either way: one length, one duration, four routes.
    pool.on_iteration(best, pyvrp.Solution(data, [[1, 0], [3, 2]]), best, ce)
    pool.on_iteration(best, pyvrp.Solution(data, [[0, 1], [2, 3]]), best, ce)
    pool.on_iteration(best, pyvrp.Solution(data, [[1, 0], [3, 2]]), best, ce)
    assert set(pool.routes) == {(0, (1, 0)), (0, (3, 2)), (0, (0, 1)), (0, (2, 3))}


def _filler(n: int, clients: int) -> list[tuple[int, tuple[int, ...], int]]:
    """``n`` distinct two-client routes, each costlier than leaving its clients out."""
    return [(0, (i % clients, clients + i), 50) for i in range(n)]


def test_a_large_pool_is_packed_over_its_recent_routes_first() -> None:
    from routing.route_pool import RECENT_ROUTES, pack

    # Far more routes than the first packing reads; the two good ones come last (the
    # search's end), and the hint is a worse day over the same clients.
    pool = RoutePool()
    pool.extend(_filler(3 * RECENT_ROUTES, 40))
    pool.extend([(0, (0, 1), -30), (0, (2, 3), -30), (0, (0, 2), -5), (0, (1, 3), -5)])
    hint = {(0, (0, 2)), (0, (1, 3))}
    chosen = pack(pool, {0: 2}, set(), hint, time_limit_s=5.0)
    assert chosen is not None
    assert sorted(chosen) == [(0, (0, 1)), (0, (2, 3))]


def test_a_pool_above_the_first_packing_still_finds_its_older_routes() -> None:
    from routing.route_pool import RECENT_ROUTES, pack

    # The good routes come first (long before the end), the filler after them: the second
    # packing, over the whole pool, still finds them.
    pool = RoutePool()
    pool.extend([(0, (0, 1), -30), (0, (2, 3), -30)])
    pool.extend(_filler(RECENT_ROUTES + 200, 40))
    pool.extend([(0, (0, 2), -5), (0, (1, 3), -5)])
    chosen = pack(pool, {0: 2}, set(), {(0, (0, 2)), (0, (1, 3))}, time_limit_s=5.0)
    assert chosen is not None
    assert sorted(chosen) == [(0, (0, 1)), (0, (2, 3))]


def test_merged_pools_end_with_each_pools_most_recent_routes() -> None:
    first = [(0, (i,), i) for i in range(5)]
    second = [(0, (10 + i,), i) for i in range(2)]
    keys = list(merged([first, second]).routes)
    assert sorted(keys) == sorted((vt, v) for vt, v, _ in first + second)
    assert set(keys[-2:]) == {(0, (4,)), (0, (11,))}
