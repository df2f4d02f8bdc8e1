"""Set packing over the routes PyVRP's search passes through (a route pool).

PyVRP's iterated local search walks through many good solutions on its way to the best one
it returns, and two of them often hold routes that together make a better day than either:
one solution serves the east of the county well, another the west. The pool keeps every
feasible route of every solution the search produces near the best so far (:data:`SLACK`:
near-best solutions hold the routes worth combining; keeping the routes of every solution
was measured to slow the search more than the packing gains); at the end a
set-packing model (OR-Tools CP-SAT, one worker, hinted with the search's best) picks the
cheapest combination: each client at most once (exactly once where it is required), no more
routes of a kind than officers of that kind. The search's best is one such combination, so
the packed day is never worse than it (:func:`routing.pyvrp_start.pack_solution` keeps the
best when it is). With several workers the pools of all of them are packed together.

The pool reads PyVRP's solutions through their methods only; PyVRP itself is imported by
:mod:`routing.pyvrp_start` alone.

This recombination of routes from local optima is the set-partitioning step of route-based
matheuristics for vehicle routing (an iterated local search followed by set partitioning
over its routes); it is not something PyVRP's own search does.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping, Sequence, Set
from typing import Any

__all__ = ["RECENT_ROUTES", "SLACK", "TIME_SHARE", "PooledRoute", "RoutePool", "merged", "pack",
           "route_key"]

#: Routes are kept from candidate solutions whose cost is within this share of the best's
#: driving cost above the best's cost. Field days, 15 s, one seed, one core: 0.15 kept 640 /
#: 290 / 220 routes at 200 / 1,000 / 2,000 leads and packing them lowered PyVRP's cost by
#: 13,000 / 42,000 / 63,000 units (+0.1 / +0.2 / +0.3 % of the objective); 0.5 kept 4x the
#: routes at 200 leads for a further 2,900 units but took CP-SAT 1.1 s and cost 7 % of the
#: search's iterations.
SLACK = 0.25

#: Most of the search's time the pool may take. Keeping routes is Python work per candidate
#: solution and grows with its routes: on a prize-collecting VRPTW of 1,000 clients and 100
#: vehicles (PCVRPTW R1_10_1, 10 s) the slack admitted nearly every candidate while the
#: search was still far from good (the best's driving is large then), and the pool took
#: 5.2 of the 10 s: PyVRP ran 7,525 iterations instead of 21,387 and ended 15 % costlier.
#: On field days the pool cost 2-3 % of the iterations, so this cap does not bind there.
TIME_SHARE = 0.05

#: A pool larger than this is first packed over its most recent routes (see :func:`pack`).
#: Pools at the end of the bench's searches (30 s field, Solomon; 10 s team orienteering)
#: held 42-2,300 routes and were packed to the optimum in 0.003-0.31 s; a 1,000-client VRPTW
#: (Gehring-Homberger R1_10_1, 30 s) pooled 28,400, of which the most recent 1,000 packed
#: 597 units cheaper than the search's best in 0.08 s and 2,000 or more nothing in 0.6 s.
RECENT_ROUTES = 1000
#: The first packing's most share of the budget (it stops earlier when it proves optimal).
_RECENT_SHARE = 0.5
#: The second packing reads at most this many of the most recent routes: from R1_10_1's
#: pool, 2,000 / 5,000 / 10,000 / 28,400 of them packed 174 / 156 / 0 / 0 units cheaper in
#: 3 s, and building the whole pool's model took 0.35 s of a 0.6 s budget.
_PACKED_ROUTES = 4000

#: A pooled route: (vehicle type, client indices in visit order, cost in PyVRP's units).
PooledRoute = tuple[int, tuple[int, ...], int]


def route_key(route: Any) -> tuple[int, tuple[int, ...]]:
    """A PyVRP route as (vehicle type, client indices in visit order)."""
    # A route iterates over its activities; a client activity's idx is its client index.
    return route.vehicle_type(), tuple(a.idx for a in route if a.is_client())


class RoutePool:
    """Callbacks for PyVRP's iterated local search that keep the routes it passes through.

    Duck-typed to ``pyvrp.IteratedLocalSearchCallbacks`` (PyVRP is imported lazily, so the
    class does not derive from it). A route's cost is its part of PyVRP's objective: driving
    (distance and duration costs), the vehicle's fixed cost, minus the prizes it collects.

    Parameters
    ----------
    slack : float, optional
        Keep the routes of a candidate solution whose cost exceeds the best's by at most this
        share of the best's driving cost (default :data:`SLACK`).
    time_share : float, optional
        Skip candidates while keeping routes has taken more than this share of the time
        since the search started (new bests and the result are always kept; default
        :data:`TIME_SHARE`).
    """

    def __init__(self, slack: float | None = None, time_share: float | None = None) -> None:
        self.slack = SLACK if slack is None else slack
        self.time_share = TIME_SHARE if time_share is None else time_share
        self.routes: dict[tuple[int, tuple[int, ...]], int] = {}
        # Fingerprints of the candidates' routes seen (:meth:`on_iteration`): a candidate
        # mostly repeats routes already kept, and reading a route's visits is Python work
        # per client.
        self._seen: set[tuple[int, ...]] = set()
        self._started = time.perf_counter()
        self._spent_s = 0.0

    def add(self, solution: Any) -> None:
        """Keep every feasible, non-empty route of ``solution``."""
        for route in solution.routes():
            if route.num_clients() and route.is_feasible():
                self._keep(route)

    def _keep(self, route: Any) -> None:
        key = route_key(route)
        if key not in self.routes:
            self.routes[key] = int(route.distance_cost() + route.duration_cost()
                                   + route.fixed_vehicle_cost() - route.prizes())

    def _add_candidate(self, solution: Any) -> None:
        """Keep the feasible routes of ``solution`` not seen before, by fingerprint."""
        for route in solution.routes():
            # Two different routes of one vehicle type with the same number of clients,
            # first and last client, distance and duration are rare; the later one is then
            # not pooled, which costs the packing a candidate, never a wrong answer (bests
            # are kept by their visits). A route's activities start and end at a depot.
            n = len(route)
            sig = (route.vehicle_type(), route.num_clients(), route.distance(),
                   route.duration(), route[1].idx if n > 2 else -1,
                   route[n - 2].idx if n > 2 else -1)
            if sig not in self._seen and sig[1] and route.is_feasible():
                self._seen.add(sig)
                self._keep(route)

    def extend(self, routes: Iterable[PooledRoute]) -> None:
        """Add routes pooled elsewhere (another worker's search of the same data)."""
        for vt, visits, cost in routes:
            self.routes.setdefault((vt, visits), cost)

    def items(self) -> list[PooledRoute]:
        """The pooled routes, to send to another process."""
        return [(vt, visits, cost) for (vt, visits), cost in self.routes.items()]

    def __len__(self) -> int:
        return len(self.routes)

    # The callbacks PyVRP's search calls.
    def on_start(self, ils: Any) -> None:
        """Start the clock the pool's share of time is measured on."""
        self._started = time.perf_counter()
        self._spent_s = 0.0

    def on_end(self, result: Any) -> None:
        """Keep the routes of the search's result."""
        if result.best.is_feasible():
            self.add(result.best)

    def on_restart(self, best: Any) -> None:
        """Nothing to do when the search restarts."""

    def on_best(self, best: Any) -> None:
        """Keep the routes of a new best solution."""
        if best.is_feasible():
            self.add(best)

    def on_iteration(self, current: Any, candidate: Any, best: Any, cost_evaluator: Any
                     ) -> None:
        """Keep the routes of a feasible candidate within :attr:`slack` of the best."""
        now = time.perf_counter()
        if self._spent_s > self.time_share * (now - self._started):
            return
        if not (candidate.is_feasible() and best.is_feasible()):
            return
        # Measured against the best's driving, not its cost: on a day of many more leads
        # than visits the cost is mostly the prizes left uncollected, and a share of it
        # kept nearly every solution (15,000 routes at 1,000 leads, 40 % fewer iterations).
        driving = best.distance_cost() + best.duration_cost()
        if cost_evaluator.cost(candidate) <= cost_evaluator.cost(best) + self.slack * driving:
            self._add_candidate(candidate)
        self._spent_s += time.perf_counter() - now


def pack(pool: RoutePool, vehicles: Mapping[int, int], required: Set[int],
         hint: Set[tuple[int, tuple[int, ...]]], time_limit_s: float, seed: int = 0
         ) -> list[tuple[int, tuple[int, ...]]] | None:
    """The cheapest set of pooled routes: each client at most once (required ones exactly
    once), at most ``vehicles[t]`` routes of vehicle type ``t``.

    A pool of more than :data:`RECENT_ROUTES` routes is packed twice: first its most recent
    routes (those of the solutions nearest the search's end, plus the hint's), then the
    whole pool (its most recent 4,000 routes when larger), hinted with that answer, in the
    time left.

    Parameters
    ----------
    pool : RoutePool
    vehicles : mapping of int to int
        Routes available per vehicle type.
    required : set of int
        Clients every answer must serve.
    hint : set of (vehicle type, visits)
        A known good answer (the search's best, whose routes are in the pool): CP-SAT starts
        from it.
    time_limit_s : float
        The packing's budget, building the models included (CP-SAT runs one worker).
    seed : int
        CP-SAT's random seed.

    Returns
    -------
    list of (vehicle type, visits) or None
        The chosen routes, or None when CP-SAT found no answer in time.
    """
    deadline = time.perf_counter() + time_limit_s
    keys = list(pool.routes)
    if time_limit_s <= 0 or not keys:
        return None
    best: list[tuple[int, tuple[int, ...]]] | None = None
    if len(keys) > RECENT_ROUTES:
        # A large pool may not even be solved to its hint's quality in the budget (a
        # 1,000-client VRPTW pooled 28,000 routes; CP-SAT improved on nothing in 3 s from
        # 2,000 of them), while its most recent 1,000 were packed to the optimum in 0.08 s:
        # they are the routes of the solutions around the search's end.
        best = _pack(pool, _latest(keys, RECENT_ROUTES, hint), vehicles, required, hint,
                     deadline - time_limit_s * (1.0 - _RECENT_SHARE), seed)
    found = _pack(pool, _latest(keys, _PACKED_ROUTES, hint), vehicles, required,
                  set(best) if best else hint, deadline, seed)
    if found is None or (best is not None and _cost(pool, best) <= _cost(pool, found)):
        return best
    return found


def _latest(keys: Sequence[tuple[int, tuple[int, ...]]], n: int,
            hint: Set[tuple[int, tuple[int, ...]]]) -> list[tuple[int, tuple[int, ...]]]:
    """The ``n`` most recently pooled of ``keys`` and the hint's routes (all when fewer)."""
    if len(keys) <= n:
        return list(keys)
    return list(dict.fromkeys([*keys[-n:], *hint]))


def _cost(pool: RoutePool, routes: Iterable[tuple[int, tuple[int, ...]]]) -> int:
    return sum(pool.routes[k] for k in routes)


def _pack(pool: RoutePool, keys: Sequence[tuple[int, tuple[int, ...]]],
          vehicles: Mapping[int, int], required: Set[int],
          hint: Set[tuple[int, tuple[int, ...]]], deadline: float, seed: int
          ) -> list[tuple[int, tuple[int, ...]]] | None:
    """:func:`pack` over the pooled routes ``keys``, by the ``time.perf_counter()`` instant
    ``deadline``."""
    from ortools.sat.python import cp_model

    # Building the model is Python work per pooled route (~0.3 s for 15,000), so it is
    # counted in the budget.
    if deadline <= time.perf_counter():
        return None
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"r{i}") for i in range(len(keys))]
    by_client: dict[int, list[Any]] = {}
    by_type: dict[int, list[Any]] = {}
    for i, (var, (vt, visits)) in enumerate(zip(x, keys, strict=True)):
        if i % 1000 == 999 and time.perf_counter() >= deadline:
            return None  # a pool too large to be built in the time left
        for c in visits:
            by_client.setdefault(c, []).append(var)
        by_type.setdefault(vt, []).append(var)
    if not required <= by_client.keys():
        return None  # a required client no pooled route serves
    for c, vars_ in by_client.items():
        if c in required:
            model.add_exactly_one(vars_)
        else:
            model.add_at_most_one(vars_)
    for vt, vars_ in by_type.items():
        model.add(sum(vars_) <= vehicles[vt])
    model.minimize(sum(pool.routes[k] * var for k, var in zip(keys, x, strict=True)))
    for k, var in zip(keys, x, strict=True):
        model.add_hint(var, k in hint)
    solver = cp_model.CpSolver()
    left_s = deadline - time.perf_counter()
    if left_s <= 0:
        return None
    solver.parameters.max_time_in_seconds = left_s
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed)
    # CP-SAT's presolve was measured to spend the whole budget on these models: pools packed
    # at the end of field, Solomon and team-orienteering searches (36-2,119 routes) reached
    # the optimum without it in 0.001-0.30 s, while with it two workers' merged pool at
    # 2,000 leads (2,119 routes) returned nothing in 0.4 s (0.7 s to the optimum) and
    # Solomon RC101/R101 (1,694 / 2,039 routes, every client exactly once) were still at
    # the hint after 5 s; without presolve both reached the optimum in 0.10-0.13 s (RC101's
    # 144 units cheaper than the hint).
    solver.parameters.cp_model_presolve = False
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [k for k, var in zip(keys, x, strict=True) if solver.value(var)]


def merged(pools: Sequence[Iterable[PooledRoute]]) -> RoutePool:
    """One pool of the routes of several (the workers' pools).

    The pools' routes are interleaved from their ends, so that the merged pool's most recent
    routes (:func:`pack`) are each search's most recent ones.
    """
    pool = RoutePool()
    tails = [list(routes)[::-1] for routes in pools]
    interleaved = [r for group in itertools.zip_longest(*tails) for r in group if r is not None]
    pool.extend(interleaved[::-1])
    return pool
