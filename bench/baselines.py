"""Baselines of the routing bench: PyVRP (and VROOM) on the same problem, judged by our checker.

PyVRP gets a :class:`pyvrp.ProblemData` built from the very :class:`routing.RoutingProblem`
our solver gets: the same integer duration matrix (as distance and as duration), service
times, one time window per lead (the latest *start* of service, as in our rules), one
vehicle type per group of officers with the same start, end, shift and capacity, with their
own depots. Prize-collecting problems make every lead an optional client whose prize is its
value in PyVRP's cost unit: one matrix unit of driving costs ``drive_cost_yuan_per_h / 3600``
yuan in our rules, so a prize of ``value * 3600 / drive_cost_yuan_per_h`` units makes PyVRP's
objective (driving minus prizes) ours up to sign and scale. Required problems (VRPTW) make
every client required and minimise driving.

A baseline's answer is visit orders only. :func:`plan_from_orders` times each order with
:func:`routing.schedule_route` (the function our solver times its routes with) and the plan
then goes through :func:`routing.check_plan` like ours: an order that does not fit our rules
is a failure, never a score.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np

from routing import DroppedLead, DropReason, Plan, PlanStatus, RoutingProblem, schedule_route
from routing.problem import end_node_id, start_node_id
from routing.pyvrp_start import Unsupported, check_exact, pyvrp_orders

__all__ = ["Unsupported", "plan_from_orders", "plan_score", "run_pyvrp", "run_vroom"]

def run_pyvrp(problem: RoutingProblem, required: bool, budget_s: float,
              seed: int) -> dict[str, list[str]] | None:
    """Solve ``problem`` with plain PyVRP for ``budget_s`` seconds (one thread).

    The PyVRP model is :func:`routing.pyvrp_start.pyvrp_data` with ``relax=False``: the
    problem exactly, or :class:`Unsupported` when it has a rule PyVRP cannot model (lunch,
    visit caps, several windows, pins, locks).

    Parameters
    ----------
    problem : RoutingProblem
    required : bool
        Every lead must be served (VRPTW) instead of prize-collecting.
    budget_s : float
        Wall-clock budget (``pyvrp.stop.MaxRuntime``).
    seed : int
        PyVRP's seed.

    Returns
    -------
    dict or None
        Visit orders by officer id, or None when PyVRP's best solution is infeasible.
    """
    orders = pyvrp_orders(problem, problem.leads, budget_s, seed, relax=False,
                          required=required)
    if orders is None:
        return None
    return {o.officer_id: seq for o, seq in zip(problem.officers, orders, strict=True) if seq}


def run_vroom(problem: RoutingProblem) -> dict[str, list[str]]:
    """Solve a prize-collecting ``problem`` with VROOM (priorities = values, to completion).

    VROOM's priorities are integers 0–100 and it maximises their sum before it minimises
    cost, so values are rescaled to that range: only meaningful where values are 1–100.
    """
    import vroom

    check_exact(problem, problem.leads)
    m = problem.matrix
    nodes = [x for o in problem.officers
             for x in (start_node_id(o.officer_id), end_node_id(o.officer_id))]
    nodes += [ld.lead_id for ld in problem.leads]
    idx = np.array([m.index[x] for x in nodes])
    mat = m.duration_s[np.ix_(idx, idx)].astype(np.uint32)
    top = max((ld.value_yuan for ld in problem.leads), default=1.0) or 1.0
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=mat)
    inp.add_vehicle([vroom.Vehicle(k + 1, start=2 * k, end=2 * k + 1,
                                   time_window=vroom.TimeWindow(o.shift.start_s, o.shift.end_s))
                     for k, o in enumerate(problem.officers)])
    base = 2 * len(problem.officers)
    jobs = []
    for i, ld in enumerate(problem.leads):
        tws = [vroom.TimeWindow(w.start_s, w.end_s) for w in ld.windows]
        jobs.append(vroom.Job(i + 1, location=base + i, default_service=ld.service_s,
                              priority=int(round(100 * ld.value_yuan / top)),
                              **({"time_windows": tws} if tws else {})))
    inp.add_job(jobs)
    sol = inp.solve(exploration_level=5, nb_threads=1)
    out: dict[str, list[str]] = {}
    routes = sol.routes
    for vid, grp in routes[routes["type"] == "job"].groupby("vehicle_id"):
        o = problem.officers[int(vid) - 1]
        out[o.officer_id] = [problem.leads[int(j) - 1].lead_id for j in grp["id"]]
    return out


def plan_from_orders(problem: RoutingProblem, orders: Mapping[str, Sequence[str]],
                     solver: str) -> Plan | None:
    """Time a baseline's visit orders with our rules; None when an order does not fit.

    Parameters
    ----------
    problem : RoutingProblem
    orders : mapping of officer id to lead ids in order
    solver : str
        Name written into the plan.

    Returns
    -------
    Plan or None
        A plan with every officer's route and every other lead left out, for
        :func:`routing.check_plan`; None when :func:`routing.schedule_route` rejects a route.
    """
    leads = problem.lead_by_id
    routes = []
    for o in problem.officers:
        r = schedule_route(o, [leads[x] for x in orders.get(o.officer_id, ())], problem.matrix)
        if r is None:
            return None
        routes.append(r)
    visited = set(itertools.chain.from_iterable(r.lead_ids for r in routes))
    dropped = tuple(DroppedLead(ld.lead_id, DropReason.NOT_WORTH_DETOUR)
                    for ld in problem.leads if ld.lead_id not in visited)
    return Plan(PlanStatus.FEASIBLE, tuple(routes), dropped, solver=solver)


def plan_score(problem: RoutingProblem, plan: Plan) -> dict[str, float]:
    """The one scoring of a checked plan, for ours and the baselines alike.

    Returns
    -------
    dict
        ``prize`` (value of the visits), ``drive_units`` (matrix units of driving),
        ``objective`` (prize minus driving at ``rules.drive_cost_yuan_per_h``: the value our
        rules define; skills and locality are off in the bench, so no soft penalties),
        ``served`` and ``vehicles`` (routes with at least one visit).
    """
    prize = float(sum(problem.lead_by_id[x].value_yuan for x in plan.visited_lead_ids))
    drive = int(sum(r.drive_s for r in plan.routes))
    return {"prize": prize, "drive_units": drive,
            "objective": prize - problem.rules.drive_cost_yuan_per_h * drive / 3600.0,
            "served": len(plan.visited_lead_ids),
            "vehicles": sum(1 for r in plan.routes if r.stops)}
