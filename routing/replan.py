"""Re-planning mid-day: keep what is done, re-optimise the rest from where officers are.

An officer who has made some visits continues from the last of them (or from a
position given as a node of the matrix, e.g. a lead they are standing at), no
earlier than ``now_s``, with their remaining drive time, visit count and lunch.
Visits already made are fixed: they become ``done_lead_ids`` of the new problem,
are never offered again, and appear in the new plan as ``already_visited``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from geo.types import TravelMatrix
from routing.errors import ProblemError
from routing.params import SolveParams
from routing.plan import Plan
from routing.problem import Break, Depot, Officer, RoutingProblem, TimeWindow, start_node_id
from routing.solver import solve

__all__ = ["replan"]


def _remaining_lunch(officer: Officer, plan_lunch_start: int | None, now_s: int) -> Break | None:
    lunch = officer.lunch
    if lunch is None:
        return None
    if plan_lunch_start is not None and plan_lunch_start < now_s:
        return None  # taken (or being taken) already
    earliest = max(lunch.window.start_s, now_s)
    if earliest > lunch.window.end_s:
        return None  # the window has passed: nothing left to schedule
    return Break(TimeWindow(earliest, lunch.window.end_s), lunch.duration_s)


def replan(
    problem: RoutingProblem,
    plan: Plan,
    now_s: int,
    done: Mapping[str, Sequence[str]],
    positions: Mapping[str, str] | None = None,
    params: SolveParams | None = None,
) -> tuple[RoutingProblem, Plan]:
    """Re-plan the rest of the day.

    Parameters
    ----------
    problem : RoutingProblem
        The morning's problem.
    plan : Plan
        The morning's plan (for drive time already spent and lunch already taken).
    now_s : int
        Current time, seconds since midnight.
    done : mapping officer_id -> sequence of lead_id
        Visits each officer has completed, in order.
    positions : mapping officer_id -> node id, optional
        Where an officer is now, as a node of ``problem.matrix`` (default: their
        last done visit, else their start).
    params : SolveParams, optional
        How the afternoon is solved (default ``SolveParams()``, as :func:`solve`).

    Returns
    -------
    (RoutingProblem, Plan)
        The afternoon's problem (officers start from their positions at
        ``now_s``; done visits are ``done_lead_ids``) and its solved plan.
    """
    leads = problem.lead_by_id
    routes = {r.officer_id: r for r in plan.routes}
    positions = dict(positions or {})
    m = problem.matrix
    dur = m.duration_s.copy()
    dist = m.distance_m.copy()
    officers: list[Officer] = []
    all_done: set[str] = set(problem.done_lead_ids)
    for o in problem.officers:
        oid = o.officer_id
        visits = list(done.get(oid, ()))
        unknown = [x for x in visits if x not in leads]
        if unknown:
            raise ProblemError(f"officer {oid} reports unknown visits {unknown[:3]}", field="done")
        all_done.update(visits)
        pos = positions.get(oid) or (visits[-1] if visits else start_node_id(oid))
        if pos not in m.index:
            raise ProblemError(f"position {pos!r} of officer {oid} is not a matrix node",
                             field="positions")
        route = routes.get(oid)
        drove = 0
        if route is not None:
            by_lead = {s.lead_id: s for s in route.stops}
            drove = sum(by_lead[x].drive_s for x in visits if x in by_lead)
        start_row = m.index[start_node_id(oid)]
        # The officer's "start" is now where they stand: copy that node's outgoing times.
        dur[start_row, :] = m.duration_s[m.index[pos], :]
        dist[start_row, :] = m.distance_m[m.index[pos], :]
        dur[start_row, start_row] = dist[start_row, start_row] = 0
        here = leads[pos].location if pos in leads else o.start.location
        begin = min(max(o.shift.start_s, now_s), o.shift.end_s - 1)
        officers.append(replace(
            o,
            start=Depot(f"{oid}-now", "current position", here, o.start.kind),
            shift=TimeWindow(begin, o.shift.end_s),
            max_drive_s=None if o.max_drive_s is None else max(0, o.max_drive_s - drove),
            max_visits=None if o.max_visits is None else max(0, o.max_visits - len(visits)),
            capacity=None if o.capacity is None else max(
                0, o.capacity - sum(leads[x].load for x in visits if x in leads)),
            lunch=_remaining_lunch(o, None if route is None or route.lunch is None
                                   else route.lunch.start_s, now_s),
        ))
    matrix = TravelMatrix(m.node_ids, np.asarray(dur), np.asarray(dist))
    # A pinned position counts the stops still to make: the ones done come off it (a stop
    # whose turn has passed keeps its officer, at any position).
    made = {o.officer_id: len(done.get(o.officer_id, ())) for o in problem.officers}
    new_leads = tuple(
        ld if ld.pinned_position is None or ld.pinned_officer_id is None
        or not made.get(ld.pinned_officer_id) else replace(
            ld, pinned_position=(None if ld.pinned_position < made[ld.pinned_officer_id]
                                 else ld.pinned_position - made[ld.pinned_officer_id]))
        for ld in problem.leads)
    new_problem = RoutingProblem(new_leads, tuple(officers), matrix, problem.rules,
                                 problem.plan_date, frozenset(all_done))
    return new_problem, solve(new_problem, params)
