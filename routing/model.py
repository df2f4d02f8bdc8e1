"""The OR-Tools model of officers and candidate leads (the only module that imports OR-Tools).

Model
-----
Each officer is a vehicle with its own start and end node; each candidate lead
is an optional node whose drop penalty is its expected value (a disjunction).
Costs are on one integer scale, :data:`SCALE` units per yuan: arcs cost driving
time × the drive cost; soft skill/locality mismatches add a penalty to the arcs
entering the lead. Minimising arc costs + penalties of dropped leads is
maximising value collected − driving cost.

Dimensions: ``time`` (transit = service at the origin + driving; slack = waiting;
node cumul = start of service, restricted to the lead's windows; vehicle cumuls
within the shift; lunch as a break interval), ``drive`` (driving only, capped by
``max_drive_s``), ``visits`` (capped by ``max_visits``; its cumul at a visit is the
stop index, fixed for an appointment with a pinned position), ``load`` (capped by
``capacity``). Hard skills/locality restrict the vehicles allowed at a node;
appointments may only go to their officer and carry a penalty larger than any
plan's value.

The whole day is one such model (:mod:`routing.solver`); each step of the
large-neighbourhood search (:mod:`routing.lns`) builds a small one. Both also share
the day's node layout (:func:`day_matrix`) and the value of a visit order
(:func:`route_value`), so a step and the whole day are judged alike.
"""

from __future__ import annotations

import enum
import weakref
from collections.abc import Mapping, Sequence

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_parameters_pb2

from routing.problem import Lead, Officer, RoutingProblem, end_node_id, start_node_id
from routing.reasons import rule_matrices, soft_mismatch

__all__ = [
    "BIG_S",
    "SCALE",
    "Model",
    "Search",
    "change_terms",
    "day_matrix",
    "reference_predecessors",
    "route_drive_s",
    "route_value",
    "search_parameters",
]

#: Integer cost units per yuan: fine enough that a second of driving at 60 yuan/h is 167 units.
SCALE = 10_000
#: Transit used for unreachable arcs: beyond any shift, far below int64 overflow when summed.
BIG_S = 10**7
#: Penalty for missing an appointment: more than any plan can collect.
_PIN_PENALTY = 10**15


_PREDECESSORS: weakref.WeakKeyDictionary[RoutingProblem, dict[str, dict[str, str]]] = (
    weakref.WeakKeyDictionary())


def reference_predecessors(problem: RoutingProblem) -> dict[str, dict[str, str]]:
    """Per officer of the reference plan, each visit's predecessor (a lead or the start node).

    Empty when the problem has no reference or the change cost is 0: then re-planning is
    planning afresh. Cached per problem (the search asks for it at every step).
    """
    cached = _PREDECESSORS.get(problem)
    if cached is None:
        cached = {}
        if problem.rules.change_cost_yuan > 0:
            for oid, order in problem.reference_routes.items():
                nodes = [start_node_id(oid), *order]
                cached[oid] = dict(zip(order, nodes, strict=False))
        _PREDECESSORS[problem] = cached
    return cached


def change_terms(problem: RoutingProblem, officer_id: str, order: Sequence[str],
                 preds: Mapping[str, Mapping[str, str]]) -> float:
    """Yuan the change cost adds to (+) or takes from (-) officer ``officer_id`` visiting
    ``order``: a reference visit kept anywhere earns the cost back (it is charged when
    dropped), and a visit reached from another place than in the officer's reference route
    (moved here, new, reordered) is charged."""
    if not preds:
        return 0.0
    cost = problem.rules.change_cost_yuan
    mine = preds.get(officer_id, {})
    in_reference = sum(1 for x in order if any(x in p for p in preds.values()))
    prev = start_node_id(officer_id)
    changed = 0
    for x in order:
        changed += mine.get(x) != prev
        prev = x
    return cost * (in_reference - changed)


class Search(enum.Enum):
    """How a model is searched."""

    #: Insertion start, then guided local search until the time limit (the whole day).
    GUIDED = "guided"
    #: Descent to the nearest local optimum (a step of the large-neighbourhood search).
    DESCENT = "descent"
    #: Savings start, then descent (the alternative start of small days).
    SAVINGS = "savings"


def search_parameters(n_leads: int, time_limit_s: float, search: Search = Search.GUIDED
                      ) -> routing_parameters_pb2.RoutingSearchParameters:
    """OR-Tools search parameters for a model of ``n_leads`` candidates.

    Parameters
    ----------
    n_leads : int
        Candidates in the model: the neighbourhood operators used depend on it.
    time_limit_s : float
        Time limit of the search (at least 10 ms).
    search : Search
        Guided local search, or a descent from an insertion or a savings start.

    Returns
    -------
    RoutingSearchParameters
    """
    params = pywrapcp.DefaultRoutingSearchParameters()
    # Insertion builds a feasible start under tight windows where cheapest-arc does not.
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
        if n_leads <= 400 else routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION)
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    if n_leads <= 300:
        # Swapping visited for unvisited leads matters most on small, prize-dense days;
        # on large instances these neighbourhoods cost more than they find.
        ops = params.local_search_operators
        ops.use_extended_swap_active = 3  # BOOL_TRUE
        ops.use_relocate_and_make_active = 3
        ops.use_make_chain_inactive = 3
        if n_leads <= 150:
            # Measured on TOP (~100 nodes): ruin-and-recreate of whole paths is what moves
            # a prize-only search out of its first local optimum (mean gap 15% -> 4%);
            # on 200-lead field days with windows it cost prize, so it stays small-only.
            ops.use_exchange_and_make_active = 3
            ops.use_swap_active_chain = 3
            ops.use_inactive_lns = 3
            ops.use_path_lns = 3
            ops.use_local_cheapest_insertion_close_nodes_lns = 3
            ops.use_relocate_path_global_cheapest_insertion_insert_unperformed = 3
    params.time_limit.FromMilliseconds(max(10, int(time_limit_s * 1000)))
    params.log_search = False
    if search is Search.SAVINGS:
        # When (nearly) every lead gets visited, the day is a VRPTW and merging round trips
        # (savings) opens fewer routes than value-per-minute insertion: measured on Solomon
        # RC103, 13 routes against 14 and a 1.2 % gap against 5.6 %.
        params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.SAVINGS
    if search is not Search.GUIDED:
        # Descent to the nearest local optimum, not a metaheuristic: in the neighbourhood
        # search the outer loop's ruin is the diversification, and many short steps beat
        # few long ones (measured: field N=500 at 10 s, 0.965 -> 0.99 of PyVRP's prize).
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT)
    return params


_DAY_MATRICES: weakref.WeakKeyDictionary[
    RoutingProblem, tuple[tuple[str, ...], np.ndarray]] = weakref.WeakKeyDictionary()


def day_matrix(problem: RoutingProblem, leads: Sequence[Lead], officers: Sequence[Officer]
               ) -> tuple[list[str], np.ndarray]:
    """Node ids (``leads``, then each officer's start and end) and their driving times,
    unreachable arcs capped at :data:`BIG_S`: the layout every model and search step uses.

    The last layout asked for is kept per problem (read-only): the start's valuation, the
    improvement and the polish ask for the same one, and gathering it from the county's
    matrix is memory-bound (0.4-0.55 s each at 2,500 leads and 100 officers).
    """
    node_ids = [ld.lead_id for ld in leads]
    for o in officers:
        node_ids += [start_node_id(o.officer_id), end_node_id(o.officer_id)]
    key = tuple(node_ids)
    cached = _DAY_MATRICES.get(problem)
    if cached is not None and cached[0] == key:
        return node_ids, cached[1]
    m = problem.matrix
    idx = np.fromiter((m.index[n] for n in node_ids), dtype=np.int64, count=len(node_ids))
    dur = np.minimum(m.duration_s[np.ix_(idx, idx)], BIG_S).astype(np.int64)
    dur.flags.writeable = False
    _DAY_MATRICES[problem] = (key, dur)
    return node_ids, dur


class Model:
    """An OR-Tools model of some officers (vehicles) and some candidate leads.

    The whole day is one such model; the improvement phase builds small ones over a few
    neighbouring officers and the leads around them, with everything else held fixed.

    Parameters
    ----------
    problem : RoutingProblem
        The day (officers, matrix, rules).
    candidates : sequence of Lead
        The leads the model may visit.
    vehicles : sequence of int
        Positions in ``problem.officers`` of the officers modelled.
    bonus : dict of str to float, optional
        Extra prize (yuan) per lead id, added to its drop penalty.
    fixed_cost_yuan : float
        Cost of each officer who leaves home (0: none).
    """

    def __init__(self, problem: RoutingProblem, candidates: Sequence[Lead],
                 vehicles: Sequence[int], bonus: dict[str, float] | None = None,
                 fixed_cost_yuan: float = 0.0) -> None:
        self.problem = problem
        self.vehicles = list(vehicles)
        bonus = bonus or {}
        officers = [problem.officers[v] for v in self.vehicles]
        n_leads = len(candidates)
        n_veh = len(officers)
        node_ids, dur = day_matrix(problem, candidates, officers)
        self.node_ids = node_ids
        service = np.zeros(len(node_ids), dtype=np.int64)
        service[:n_leads] = [ld.service_s for ld in candidates]
        starts = [n_leads + 2 * v for v in range(n_veh)]
        ends = [n_leads + 2 * v + 1 for v in range(n_veh)]
        manager = pywrapcp.RoutingIndexManager(len(node_ids), n_veh, starts, ends)
        routing = pywrapcp.RoutingModel(manager)
        self.manager, self.routing = manager, routing
        rules = problem.rules

        # Arc costs: driving, plus soft mismatch penalties on arcs entering a lead.
        drive_units_per_s = rules.drive_cost_yuan_per_h * SCALE / 3600.0
        base_cost = np.rint(dur * drive_units_per_s).astype(np.int64)
        # rows of the modelled officers (a subset of the day's) in the day's rule matrices
        rule_m = rule_matrices(problem)
        cols = rule_m.columns(candidates)
        rows = np.asarray(self.vehicles, dtype=np.int64)
        soft_cols = {}
        for v in range(len(officers)):
            col = rule_m.mismatch[rows[v], cols].astype(bool)
            if col.any():
                soft_cols[v] = col
        preds = reference_predecessors(problem)
        if soft_cols or preds:
            pen = int(round(rules.soft_penalty_yuan * SCALE))
            change = int(round(rules.change_cost_yuan * SCALE))
            row = {x: i for i, x in enumerate(node_ids)}
            for v, o in enumerate(officers):
                cost = base_cost.copy()
                if v in soft_cols:
                    cost[:, :n_leads] += np.where(soft_cols[v], pen, 0)[None, :]
                if preds:
                    # Entering a lead from anywhere but its reference predecessor on this
                    # officer's route is a change (see change_terms).
                    mine = preds.get(o.officer_id, {})
                    extra = np.full((len(node_ids), n_leads), change, dtype=np.int64)
                    for j, ld in enumerate(candidates):
                        p = mine.get(ld.lead_id)
                        if p is not None and p in row:
                            extra[row[p], j] = 0
                    cost[:, :n_leads] += extra
                cb = routing.RegisterTransitMatrix(cost.tolist())
                routing.SetArcCostEvaluatorOfVehicle(cb, v)
        else:
            cb = routing.RegisterTransitMatrix(base_cost.tolist())
            routing.SetArcCostEvaluatorOfAllVehicles(cb)

        # Time: service at the origin + driving; waiting is slack.
        horizon = 2 * 24 * 3600
        time_cb = routing.RegisterTransitMatrix((dur + service[:, None]).tolist())
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        time_dim = routing.GetDimensionOrDie("time")
        for i, ld in enumerate(candidates):
            index = manager.NodeToIndex(i)
            if ld.windows:
                cumul = time_dim.CumulVar(index)
                cumul.SetRange(ld.windows[0].start_s, ld.windows[-1].end_s)
                for a, b in zip(ld.windows, ld.windows[1:], strict=False):
                    if b.start_s - a.end_s > 1:
                        cumul.RemoveInterval(a.end_s + 1, b.start_s - 1)
        solver = routing.solver()
        node_visit = [0] * routing.Size()
        for index in range(routing.Size()):
            node_visit[index] = int(service[manager.IndexToNode(index)])
        for v, o in enumerate(officers):
            time_dim.CumulVar(routing.Start(v)).SetRange(o.shift.start_s, o.shift.end_s)
            time_dim.CumulVar(routing.End(v)).SetRange(o.shift.start_s, o.shift.end_s)
            # a shift clear of the lunch window (a morning, an afternoon) never owes it
            if o.lunch is not None and o.owes_lunch(o.shift.start_s, o.shift.end_s):
                brk = solver.FixedDurationIntervalVar(
                    o.lunch.window.start_s, o.lunch.window.end_s, o.lunch.duration_s, False,
                    f"lunch-{v}")
                time_dim.SetBreakIntervalsOfVehicle([brk], v, node_visit)
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))
            routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(v)))

        # Driving time cap.
        if any(o.max_drive_s is not None for o in officers):
            drive_cb = routing.RegisterTransitMatrix(dur.tolist())
            caps = [o.max_drive_s if o.max_drive_s is not None else horizon for o in officers]
            routing.AddDimensionWithVehicleCapacity(drive_cb, 0, caps, True, "drive")
        # Visit count cap; the count before a visit is its stop index (position pins).
        at = {i: ld.pinned_position for i, ld in enumerate(candidates)
              if ld.pinned_position is not None}
        if at or any(o.max_visits is not None for o in officers):
            ones = [1] * n_leads + [0] * (2 * n_veh)
            count_cb = routing.RegisterUnaryTransitVector(ones)
            caps = [o.max_visits if o.max_visits is not None else n_leads for o in officers]
            routing.AddDimensionWithVehicleCapacity(count_cb, 0, caps, True, "visits")
            visits_dim = routing.GetDimensionOrDie("visits")
            for i, k in at.items():
                cumul = visits_dim.CumulVar(manager.NodeToIndex(i))
                if k <= cumul.Max():
                    cumul.SetRange(k, k)
                else:  # a stop the day cannot reach: the visit cannot be made
                    routing.VehicleVar(manager.NodeToIndex(i)).SetValues([-1])

        # What the officers carry.
        if any(o.capacity is not None for o in officers):
            loads = [ld.load for ld in candidates] + [0] * (2 * n_veh)
            load_cb = routing.RegisterUnaryTransitVector(loads)
            caps = [o.capacity if o.capacity is not None else sum(loads) for o in officers]
            routing.AddDimensionWithVehicleCapacity(load_cb, 0, caps, True, "load")

        # Optional visits, who may make them, and appointments.
        vehicle_of = {o.officer_id: v for v, o in enumerate(officers)}
        in_reference = {x for p in preds.values() for x in p}
        change_yuan = rules.change_cost_yuan
        for i, ld in enumerate(candidates):
            index = manager.NodeToIndex(i)
            if ld.pinned_officer_id is not None:
                allowed = ([vehicle_of[ld.pinned_officer_id]]
                           if ld.pinned_officer_id in vehicle_of else [])
                penalty = _PIN_PENALTY
            else:
                allowed = [int(v) for v in np.flatnonzero(rule_m.allowed[rows, cols[i]])]
                # Dropping a visit of the reference plan is a change too.
                kept = change_yuan if ld.lead_id in in_reference else 0.0
                penalty = int(round((ld.value_yuan + bonus.get(ld.lead_id, 0.0) + kept)
                                    * SCALE))
            routing.AddDisjunction([index], penalty)
            if len(allowed) < n_veh:
                # -1 keeps "not visited" possible; SetAllowedVehiclesForIndex's span argument
                # is not callable from Python in OR-Tools 9.15.
                routing.VehicleVar(index).SetValues([-1, *allowed])
        if fixed_cost_yuan > 0:
            routing.SetFixedCostOfAllVehicles(int(round(fixed_cost_yuan * SCALE)))

    def solve(self, params: routing_parameters_pb2.RoutingSearchParameters,
              initial: Sequence[Sequence[str]] | None = None) -> list[list[str]] | None:
        """Visit orders (lead ids) per vehicle of the model, or None if none was found.

        ``initial`` (orders per vehicle) warm-starts the search; the result is never worse
        than a feasible warm start.
        """
        routing, manager = self.routing, self.manager
        assignment = None
        if initial is not None:
            pos = {n: i for i, n in enumerate(self.node_ids)}
            routes = [[manager.NodeToIndex(pos[x]) for x in seq] for seq in initial]
            start = routing.ReadAssignmentFromRoutes(routes, True)
            if start is not None:
                assignment = routing.SolveFromAssignmentWithParameters(start, params)
        if assignment is None:
            assignment = routing.SolveWithParameters(params)
        if assignment is None:
            return None
        orders: list[list[str]] = []
        for v in range(len(self.vehicles)):
            index = assignment.Value(routing.NextVar(routing.Start(v)))
            seq: list[str] = []
            while not routing.IsEnd(index):
                seq.append(self.node_ids[manager.IndexToNode(index)])
                index = assignment.Value(routing.NextVar(index))
            orders.append(seq)
        return orders


def route_drive_s(problem: RoutingProblem, v: int, order: Sequence[str],
                  pos: dict[str, int], dur: np.ndarray) -> float:
    """Seconds officer ``v`` drives to visit ``order`` (0 for a day at home)."""
    if not order:
        return 0.0
    oid = problem.officers[v].officer_id
    path = [pos[start_node_id(oid)], *(pos[x] for x in order), pos[end_node_id(oid)]]
    return float(dur[path[:-1], path[1:]].sum())


def route_value(problem: RoutingProblem, v: int, order: Sequence[str],
                pos: dict[str, int], dur: np.ndarray) -> float:
    """Value − driving cost − soft penalties of officer ``v`` visiting ``order`` (yuan),
    with the change cost against the reference plan when re-planning (:func:`change_terms`)."""
    o = problem.officers[v]
    by_id = problem.lead_by_id
    drive = route_drive_s(problem, v, order, pos, dur)
    s = problem.rules
    value = sum(by_id[x].value_yuan - s.soft_penalty_yuan * soft_mismatch(problem, o, by_id[x])
                for x in order)
    value += change_terms(problem, o.officer_id, order, reference_predecessors(problem))
    return value - drive * s.drive_cost_yuan_per_h / 3600.0

