"""PyVRP as the selection-and-sequencing engine of the start; our search enforces the rest.

Why: side by side at equal CPU (README, "Routing search"), our OR-Tools-based search trailed
PyVRP on long routes with wide windows (1.08x its driving) and on team orienteering with
and without windows (0.99x its prize): those families are won by many fast local searches
over whole routes, which PyVRP runs in C++ thousands of times while a Python search around
OR-Tools runs tens. PyVRP cannot model every field rule (lunch breaks, several windows a
day, appointments, position pins, locks, soft skill and locality penalties), so it only
proposes visit orders under a *relaxation* of the day, and the solver keeps them only as a
start: :func:`routing.locks.fit_orders` takes out whatever breaks a rule, and OR-Tools
(whole day and the neighbourhood steps) and the local search of :mod:`routing.polish`
improve from the better of this start and the greedy one, under every rule. The plan is
checked like any other.

The relaxation:

* objective: prize (value in driving-seconds, ``value * 3600 / drive_cost_yuan_per_h``)
  minus driving seconds, our objective up to sign and scale; soft penalties left out;
* one time window per lead (the hull of its windows); a lunch break shortens the shift by
  its duration (the hour is spent somewhere in its window);
* visit caps and carrying capacity as two capacity dimensions;
* hard skill and locality rules as routing profiles (arcs into a lead an officer may not
  visit cost more than any prize), for up to :data:`MAX_PROFILES` kinds of officer.

:func:`pyvrp_data` with ``relax=False`` refuses anything it cannot model exactly, which is
how the routing bench runs plain PyVRP as a baseline on the very same problem.
"""

from __future__ import annotations

import importlib.util
import logging
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from geo.types import UNREACHABLE
from routing.problem import Lead, Officer, RoutingProblem, end_node_id, start_node_id
from routing.reasons import rule_matrices
from routing.route_pool import PooledRoute, RoutePool, merged, pack, route_key

__all__ = ["MAX_PROFILES", "PyvrpDay", "PyvrpProposal", "Unsupported", "available",
           "check_exact", "every_lead_pays", "models_exactly", "pack_solution", "pack_time_s",
           "packed_orders", "proposal_orders", "pyvrp_data", "pyvrp_orders", "search_until",
           "solve_params", "unsupported"]

log = logging.getLogger(__name__)

#: At most this many kinds of officer (by the leads they may visit) become routing profiles:
#: each is a full matrix, and a day with more kinds is left to our own start.
MAX_PROFILES = 4
#: PyVRP cost units per yuan when driving is free (no scale makes prizes comparable then).
_FREE_DRIVING_SCALE = 1_000_000
#: The latest start of a lead without a window (PyVRP wants a number).
_OPEN_LATE = 10**12
#: PyVRP's default cap on its penalty per unit of violation (see :func:`solve_params`).
_DEFAULT_MAX_PENALTY = 100_000.0
#: Costs PyVRP sums stay below this (int64 with headroom).
_COST_CEILING = 2**62
#: Granular neighbourhood of our start on prize-collecting days (the bench's plain-PyVRP
#: baseline keeps PyVRP's defaults): this share of the clients, within these bounds. PyVRP's
#: default of 50 nearest clients is half of a 100-lead day, so each local search tries nearly
#: every pair; 30 ran ~1.7x the iterations in the same time (20: 2-3x). Measured with plain
#: PyVRP, 10 s, 3 seeds: generated team orienteering of 100 leads +0.3 % of the objective
#: (20: +0.5 %), Chao p7.3.q (most leads visited) 985.5 on every seed against 980.2 (20:
#: 960.8, moves between visits need the wider list); at 3 s, 20 collected more on six
#: generated TOP/TOPTW days and p4.2.k. On the field day of 1,000 leads (10 s) 20 and 30
#: neighbours collected 1.4 % and 0.4 % less: hence the default from 167 clients on.
_NEIGHBOUR_SHARE = 0.3
_NEIGHBOURS = (20, 50)
#: Share of our PyVRP budget kept for packing its route pool (:mod:`routing.route_pool`),
#: at most :data:`_PACK_MAX_S`: CP-SAT packed ~1,000 routes of a 200-lead day in 0.1-0.3 s.
_PACK_SHARE = 0.02
_PACK_MAX_S = 2.0


class Unsupported(ValueError):
    """The day has a rule PyVRP cannot model (exactly, or at all under the relaxation)."""


def available() -> bool:
    """Whether PyVRP is installed (it is a dependency; a stripped install may lack it)."""
    return importlib.util.find_spec("pyvrp") is not None


@dataclass(frozen=True)
class PyvrpDay:
    """A PyVRP problem built from a day, and how to read its routes back.

    Attributes
    ----------
    data : pyvrp.ProblemData
    lead_ids : tuple of str
        Lead id of each PyVRP client, in client order.
    groups : tuple of tuple of int
        Officer positions (in ``problem.officers``) of each PyVRP vehicle type.
    """

    data: Any
    lead_ids: tuple[str, ...]
    groups: tuple[tuple[int, ...], ...]


def _shift_end(o: Officer) -> int:
    """The end of the shift less the lunch break (checked exact days have none)."""
    if o.lunch is None:
        return o.shift.end_s
    return max(o.shift.start_s, o.shift.end_s - o.lunch.duration_s)


def _never_modelled(problem: RoutingProblem, leads: Sequence[Lead]) -> str | None:
    if problem.locked_routes or problem.done_lead_ids or problem.reference_routes:
        return "locked routes, done visits and re-planning are not modelled"
    if any(ld.pinned_position is not None for ld in leads):
        return "position pins are not modelled"
    return None


def check_exact(problem: RoutingProblem, leads: Sequence[Lead]) -> None:
    """Refuse a day with a rule a plain vehicle-routing model does not have.

    Raises
    ------
    Unsupported
        Locked routes, done visits, re-planning, position pins, a lunch break, a visit cap,
        several windows a lead, or an appointment: what :func:`pyvrp_data` with
        ``relax=False`` (and the bench's other baselines) cannot model.
    """
    why = _never_modelled(problem, leads)
    if why is not None:
        raise Unsupported(why)
    for o in problem.officers:
        if o.lunch is not None:
            raise Unsupported(f"officer {o.officer_id}: a lunch break")
        if o.max_visits is not None:
            raise Unsupported(f"officer {o.officer_id}: a visit cap")
    for ld in leads:
        if len(ld.windows) > 1 or ld.pinned_officer_id is not None:
            raise Unsupported(f"lead {ld.lead_id}: several windows or a pin")


def models_exactly(problem: RoutingProblem, leads: Sequence[Lead]) -> bool:
    """Whether PyVRP's model of the day is the day itself (no rule relaxed or left out).

    Then its plans need no repair and the solver gives it most of the time (see
    :mod:`routing.solver`); otherwise our search has more to do after it.
    """
    try:
        check_exact(problem, leads)
    except Unsupported:
        return False
    rules = rule_matrices(problem)
    return not rules.mismatch[:, rules.columns(leads)].any()


def _kinds(problem: RoutingProblem, leads: Sequence[Lead]
           ) -> tuple[list[bytes], dict[bytes, int]]:
    """Which leads each officer may visit (a pattern of booleans as bytes), and a profile
    number per distinct pattern."""
    rules = rule_matrices(problem)
    rows = np.ascontiguousarray(rules.allowed[:, rules.columns(leads)])
    allowed = [row.tobytes() for row in rows]
    return allowed, {sig: i for i, sig in enumerate(dict.fromkeys(allowed))}


def _too_many_kinds(kinds: dict[bytes, int]) -> str | None:
    if len(kinds) > MAX_PROFILES:
        return f"{len(kinds)} kinds of officer by the leads they may visit"
    return None


def unsupported(problem: RoutingProblem, leads: Sequence[Lead]) -> str | None:
    """Why PyVRP cannot propose a start for this day even under the relaxation, or None."""
    return _never_modelled(problem, leads) or _too_many_kinds(_kinds(problem, leads)[1])


def pyvrp_data(problem: RoutingProblem, leads: Sequence[Lead] | None = None, *,
               relax: bool = True, required: bool = False) -> PyvrpDay:
    """The PyVRP problem of a day (every lead an optional client with its value as prize).

    Parameters
    ----------
    problem : RoutingProblem
    leads : sequence of Lead, optional
        The candidates (default: every lead of the problem).
    relax : bool
        Model lunch breaks, several windows and visit caps approximately (see the module
        docstring); with False they raise :class:`Unsupported`.
    required : bool
        Every lead must be served and driving is minimised (a VRPTW, as in the bench's
        required families) instead of prize-collecting.

    Returns
    -------
    PyvrpDay

    Raises
    ------
    Unsupported
        Locked routes, done visits, a reference plan or position pins (never modelled), more
        than :data:`MAX_PROFILES` kinds of officer, or (``relax=False``) a rule above.
    """
    import pyvrp

    leads = list(problem.leads if leads is None else leads)
    if not relax:
        check_exact(problem, leads)
    allowed, kinds = _kinds(problem, leads)
    why = _never_modelled(problem, leads) or _too_many_kinds(kinds)
    if why is not None:
        raise Unsupported(why)
    m = problem.matrix
    officers = problem.officers
    depot_node: dict[str, str] = {}
    for o in officers:
        depot_node.setdefault(o.start.depot_id, start_node_id(o.officer_id))
        depot_node.setdefault(o.end.depot_id, end_node_id(o.officer_id))
    depot_index = {dep: i for i, dep in enumerate(depot_node)}
    nodes = [*depot_node.values(), *(ld.lead_id for ld in leads)]
    idx = np.fromiter((m.index[x] for x in nodes), dtype=np.int64, count=len(nodes))
    dur = np.ascontiguousarray(m.duration_s[np.ix_(idx, idx)], dtype=np.int64)
    k = len(depot_node)
    per_h = problem.rules.drive_cost_yuan_per_h
    scale = 3600.0 / per_h if per_h > 0 else _FREE_DRIVING_SCALE
    prizes = [0 if required else max(0, int(round(ld.value_yuan * scale))) for ld in leads]
    forbidden = _forbidden(max(prizes, default=0), dur)
    distances = []
    for sig in kinds:
        dist = dur.copy()
        banned = k + np.flatnonzero(~np.frombuffer(sig, dtype=bool))
        dist[:, banned] = forbidden
        dist[banned, banned] = 0  # PyVRP wants a zero diagonal
        distances.append(dist)
    # PyVRP prices a route over its officer's longest drive at (excess x penalty); a banned
    # arc's distance in that product, summed over a random first solution's many banned arcs,
    # wrapped around int64 and its local search cycled for ever (two officers, hard skills).
    # Where even the smaller banned distance could overflow, the drive limit is left to our
    # repair (:func:`routing.locks.fit_orders`), as other relaxed rules are.
    drive_limits = all(np.frombuffer(sig, dtype=bool).all() for sig in kinds) or (
        forbidden * (len(leads) + len(officers) + 1)
        * max(_DEFAULT_MAX_PENALTY, 10.0 * max(prizes, default=0)) < _COST_CEILING)
    caps = any(o.max_visits is not None for o in officers)
    loads = any(o.capacity is not None for o in officers)
    clients = []
    for i, ld in enumerate(leads):
        w = ld.windows
        delivery = ([1] if caps else []) + ([ld.load] if loads else [])
        clients.append(pyvrp.Client(
            k + i, delivery=delivery, service_duration=ld.service_s,
            tw_early=w[0].start_s if w else 0, tw_late=w[-1].end_s if w else _OPEN_LATE,
            prize=prizes[i], required=required))
    big = 10**9
    groups: dict[tuple[object, ...], list[int]] = {}
    for v, o in enumerate(officers):
        key = (o.start.depot_id, o.end.depot_id, o.shift, _shift_end(o), o.max_visits,
               o.capacity, o.max_drive_s, kinds[allowed[v]])
        groups.setdefault(key, []).append(v)
    vtypes = []
    for members in groups.values():
        o = officers[members[0]]
        capacity = (([o.max_visits if o.max_visits is not None else big] if caps else [])
                    + ([o.capacity if o.capacity is not None else big] if loads else []))
        vtypes.append(pyvrp.VehicleType(
            len(members), capacity=capacity,
            start_depot=depot_index[o.start.depot_id], end_depot=depot_index[o.end.depot_id],
            tw_early=o.shift.start_s, tw_late=_shift_end(o),
            max_distance=o.max_drive_s if o.max_drive_s is not None and drive_limits
            else np.iinfo(np.int64).max,
            unit_distance_cost=1, profile=kinds[allowed[members[0]]]))
    locs = [pyvrp.Location(0.0, 0.0) for _ in nodes]  # coordinates unused: matrices given
    depots = [pyvrp.Depot(i) for i in range(k)]
    data = pyvrp.ProblemData(locs, clients, depots, vtypes, distances,  # type: ignore[arg-type]
                             [dur] * len(distances))  # type: ignore[list-item]
    return PyvrpDay(data, tuple(ld.lead_id for ld in leads),
                    tuple(tuple(g) for g in groups.values()))


def _forbidden(top_prize: int, duration_s: np.ndarray) -> int:
    """Distance into a lead an officer may not visit: more than any prize plus any real
    drive, so a banned arc never pays; no more, since PyVRP multiplies it by penalties."""
    finite = duration_s[duration_s < UNREACHABLE]
    longest = int(finite.max()) if finite.size else 0
    return 10 * (max(top_prize, 0) + longest) + 1


def every_lead_pays(problem: RoutingProblem, leads: Sequence[Lead]) -> bool:
    """Whether each lead is worth more than the longest detour it could ever cost.

    Then the best plan serves every lead the day can hold, and PyVRP is asked to serve them
    all (``required``): with prizes that dwarf driving, its prize-collecting search was
    measured to leave out leads it could serve (long routes, 190 of 192 with 4 % more
    driving than serving all of them in the same time).
    """
    if not leads:
        return False
    m = problem.matrix
    idx = np.fromiter((m.index[ld.lead_id] for ld in leads), dtype=np.int64, count=len(leads))
    detour_s = m.duration_s[:, idx].max(axis=0) + m.duration_s[idx, :].max(axis=1)
    per_s = problem.rules.drive_cost_yuan_per_h / 3600.0
    value = np.array([ld.value_yuan for ld in leads])
    return bool(np.all(value > per_s * detour_s))


def pyvrp_orders(problem: RoutingProblem, leads: Sequence[Lead], time_limit_s: float,
                 seed: int, *, relax: bool = True, required: bool = False
                 ) -> list[list[str]] | None:
    """Each officer's visit order from PyVRP's best solution in ``time_limit_s`` (one thread).

    Parameters
    ----------
    problem : RoutingProblem
    leads : sequence of Lead
        The candidates.
    time_limit_s : float
        PyVRP's wall-clock budget.
    seed : int
    relax, required : bool
        See :func:`pyvrp_data`.

    Returns
    -------
    list of list of str or None
        Orders by officer position; None when PyVRP's best solution breaks the relaxed day
        (it may, when time is short) or no officer can leave.

    Raises
    ------
    Unsupported
        See :func:`pyvrp_data`.
    """
    day = pyvrp_data(problem, leads, relax=relax, required=required)
    return _solve(day, problem, time_limit_s, seed)


def solve_params(data: Any, strict: bool = False, tuned: bool = False) -> Any:
    """PyVRP's parameters for a day: its defaults unless ``strict`` or ``tuned``.

    Parameters
    ----------
    data : pyvrp.ProblemData
    strict : bool
        Raise the penalty cap above every prize (see below).
    tuned : bool
        Our start's settings for prize-collecting days (:data:`_NEIGHBOUR_SHARE`); the
        bench's baseline runs PyVRP's defaults.

    Returns
    -------
    pyvrp.SolveParams
    """
    import pyvrp
    from pyvrp.search import NeighbourhoodParams

    kw: dict[str, Any] = {}
    clients = data.clients()
    if strict:
        # PyVRP caps its penalty per unit of violation (100,000 by default); a prize above
        # it makes a plan one visit over its cap or window worth more than any feasible one,
        # and the search stalls (its PenaltyBoundWarning, on the demo's visit caps).
        top = max((c.prize for c in clients), default=0)
        kw["penalty"] = pyvrp.PenaltyParams(max_penalty=max(100_000.0, 10.0 * float(top)))
    if tuned and not any(c.required for c in clients):
        lo, hi = _NEIGHBOURS
        kw["neighbourhood"] = NeighbourhoodParams(
            num_neighbours=int(min(hi, max(lo, round(_NEIGHBOUR_SHARE * len(clients))))))
    return pyvrp.SolveParams(**kw)


class _Until:
    """PyVRP stopping criterion: a wall-clock instant (``time.time()``).

    PyVRP's own ``MaxRuntime`` starts its clock at the search's first iteration, after it has
    computed the neighbourhoods and descended from a random solution: 0.4 s on a 1,000-client
    VRPTW with 250 vehicles, 3.4 s on a field day of 2,500 leads and 100 officers. An
    instant counts that setup in the budget, so nothing has to be reserved for it.
    """

    def __init__(self, until_wall_s: float) -> None:
        self.until_wall_s = until_wall_s

    def __call__(self, best_cost: float) -> bool:
        return time.time() >= self.until_wall_s


def _search(day: PyvrpDay, time_limit_s: float, seed: int, strict: bool = False,
            tuned: bool = False, pool: RoutePool | None = None,
            until_wall_s: float | None = None) -> Any:
    """PyVRP's best solution of ``day`` in ``time_limit_s`` of search (its pool filled on
    the way), or, given ``until_wall_s``, by that wall-clock instant, setup included."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    params = solve_params(day.data, strict, tuned)
    if pool is not None:
        params = pyvrp.SolveParams(
            # The pool is duck-typed to PyVRP's callbacks (PyVRP is imported lazily).
            ils=pyvrp.IteratedLocalSearchParams(callbacks=pool),  # type: ignore[arg-type]
            penalty=params.penalty,
            neighbourhood=params.neighbourhood, perturbation=params.perturbation)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # said in the log instead
        stop = (MaxRuntime(max(0.01, time_limit_s)) if until_wall_s is None
                else _Until(until_wall_s))
        return pyvrp.solve(day.data, stop=stop, seed=seed, display=False,
                           collect_stats=False, params=params).best


def _orders(day: PyvrpDay, problem: RoutingProblem, solution: Any) -> list[list[str]]:
    """Each officer's visit order of a PyVRP solution (officers of a kind in turn)."""
    free = [iter(g) for g in day.groups]
    orders: list[list[str]] = [[] for _ in problem.officers]
    for route in solution.routes():
        vt, visits = route_key(route)
        orders[next(free[vt])] = [day.lead_ids[c] for c in visits]
    return orders


def _solution(data: Any, routes: Iterable[tuple[int, Sequence[int]]]) -> Any:
    """The PyVRP solution of routes given as (vehicle type, client indices)."""
    import pyvrp

    return pyvrp.Solution(data, [pyvrp.Route(data, list(v), vt) for vt, v in routes])


def _cost(data: Any, solution: Any) -> int:
    """A feasible solution's cost in PyVRP's objective (no penalties apply to it)."""
    import pyvrp

    return int(pyvrp.CostEvaluator([0.0] * data.num_load_dimensions, 0.0, 0.0).cost(solution))


def _solve(day: PyvrpDay, problem: RoutingProblem, time_limit_s: float, seed: int,
           strict: bool = False, tuned: bool = False) -> list[list[str]] | None:
    best = _search(day, time_limit_s, seed, strict, tuned)
    if not best.is_feasible():
        log.info("PyVRP found no feasible start in %.2f s", time_limit_s)
        return None
    return _orders(day, problem, best)


@dataclass(frozen=True)
class PyvrpProposal:
    """One PyVRP search of a day: the routes of its best solution and the routes it pooled.

    Routes are ``(vehicle type, client indices)`` of the day's :class:`PyvrpDay` (the same
    for every search of the same problem and leads), so proposals from worker processes can
    be packed together (:func:`packed_orders`).
    """

    best: tuple[tuple[int, tuple[int, ...]], ...]
    pool: tuple[PooledRoute, ...]


def search_until(problem: RoutingProblem, lead_ids: Sequence[str], until_wall_s: float,
                 seed: int, required: bool = False, strict: bool = False,
                 day: PyvrpDay | None = None) -> PyvrpProposal | None:
    """PyVRP (relaxed, our settings) on ``lead_ids`` until the wall-clock ``until_wall_s``.

    For a worker process: the budget is a ``time.time()`` instant, so a process that started
    late stops with the others. ``strict`` raises PyVRP's penalty cap above every prize (for
    relaxed days, whose caps and windows PyVRP otherwise trades for prizes). PyVRP runs with
    our start's settings (:func:`solve_params` with ``tuned``) and a
    :class:`~routing.route_pool.RoutePool` keeps the routes its search passes through; the
    caller packs them (:func:`packed_orders`) in the time left before its own deadline.

    Returns
    -------
    PyvrpProposal or None
        None when no time is left or PyVRP found no feasible solution.
    """
    if day is None:
        by_id = problem.lead_by_id
        day = pyvrp_data(problem, [by_id[x] for x in lead_ids], required=required)
    left = until_wall_s - time.time()
    if left <= 0.05:
        return None
    # On a day that must serve every lead only the search's bests are pooled (a share of 0:
    # its first candidate, then bests only): its candidates all serve every client and
    # differ from its best by what one perturbation touched, so they rarely pack into a
    # cheaper day, and reading them took the pool's whole share (5 % of the search).
    # Measured (2026-12-05, 30 s, 3 seeds, one core, ours / PyVRP distance):
    # 1,000-client VRPTW (Gehring-Homberger C1/R1/RC1_10_1) 1.0021-1.0025 in four runs with
    # candidates, 0.9994-1.0006 in three without; Solomon R1/RC1 and long routes: see the
    # README's routing table.
    pool = RoutePool(time_share=0.0 if required else None)
    best = _search(day, left, seed, strict, tuned=True, pool=pool, until_wall_s=until_wall_s)
    if not best.is_feasible():
        log.info("PyVRP found no feasible start in %.2f s", left)
        return None
    return PyvrpProposal(tuple(route_key(r) for r in best.routes()), tuple(pool.items()))


def packed_orders(problem: RoutingProblem, day: PyvrpDay,
                  proposals: Sequence[PyvrpProposal], time_limit_s: float, seed: int = 0
                  ) -> list[list[str]] | None:
    """Visit orders of the cheapest day packed from the proposals' pooled routes.

    The cheapest proposal's best solution is the packing's hint and its fallback
    (:func:`pack_solution`), so the orders are never worse than the best proposal in PyVRP's
    objective.

    Parameters
    ----------
    problem : RoutingProblem
    day : PyvrpDay
        The PyVRP day every proposal searched.
    proposals : sequence of PyvrpProposal
    time_limit_s : float
        The packing's budget.
    seed : int

    Returns
    -------
    list of list of str or None
        Orders by officer position; None without proposals.
    """
    if not proposals:
        return None
    data = day.data
    best = min((_solution(data, p.best) for p in proposals), key=lambda s: _cost(data, s))
    return _orders(day, problem, pack_solution(data, merged([p.pool for p in proposals]), best,
                                               time_limit_s, seed))


def proposal_orders(problem: RoutingProblem, day: PyvrpDay, proposal: PyvrpProposal
                    ) -> list[list[str]]:
    """Visit orders of a proposal's own best solution (by officer position)."""
    return _orders(day, problem, _solution(day.data, proposal.best))


def pack_solution(data: Any, pool: RoutePool, best: Any, time_limit_s: float,
                  seed: int = 0) -> Any:
    """The cheapest solution packed from ``pool`` (:func:`routing.route_pool.pack`), or
    ``best`` when the packing finds nothing cheaper.

    Parameters
    ----------
    data : pyvrp.ProblemData
        The problem the pool's routes belong to.
    pool : RoutePool
    best : pyvrp.Solution
        The best feasible solution known: the hint, and the answer if nothing beats it.
    time_limit_s : float
    seed : int

    Returns
    -------
    pyvrp.Solution
        Feasible (when ``best`` is) and no costlier than ``best`` in PyVRP's objective.
    """
    if not best.is_feasible():
        return best
    pool.add(best)
    clients = data.clients()
    chosen = pack(pool, {t: data.vehicle_type(t).num_available
                         for t in range(data.num_vehicle_types)},
                  {i for i, c in enumerate(clients) if c.required},
                  {route_key(r) for r in best.routes()}, time_limit_s, seed)
    if chosen is None:
        return best
    packed = _solution(data, chosen)
    if not packed.is_feasible():
        return best
    saving = _cost(data, best) - _cost(data, packed)
    if saving <= 0:
        return best
    log.info("route pool: %d routes packed into a day %d units cheaper than the best",
             len(pool), saving)
    return packed


def pack_time_s(budget_s: float) -> float:
    """The share of PyVRP's budget kept for packing its pool (:data:`_PACK_SHARE`, capped)."""
    return min(_PACK_MAX_S, max(0.0, _PACK_SHARE * budget_s))
