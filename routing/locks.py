"""Published plans: locked routes kept exactly, and the reference a re-plan starts from.

A locked route (:attr:`RoutingProblem.locked_routes`) is the manager's decision, not a
preference: :func:`solve_with_locks` takes the locked officers and their leads out of the
problem, solves the rest, and puts each locked route back in its given order, timed by
:func:`routing.schedule.schedule_route`. When a locked order no longer fits the day (a
window passed, the shift shortened), the route keeps the longest part of its order that
fits, the plan is ``PARTIAL``, its message says which stop fails and why, and
``meta["broken_locks"]`` names the officer: never a silent change.

:func:`reference_start` turns the published plan (:attr:`RoutingProblem.reference_routes`)
into the search's starting routes, so that a re-plan begins where the day is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from routing.balance import spread
from routing.params import SolveParams
from routing.plan import DroppedLead, DropReason, Plan, PlanStatus, Route
from routing.problem import Lead, Officer, RoutingProblem
from routing.reasons import eligible, soft_mismatch
from routing.schedule import schedule_route

__all__ = ["fit_orders", "locked_order", "reference_start", "solve_with_locks", "why_not_feasible"]


def locked_order(problem: RoutingProblem, officer_id: str) -> tuple[str, ...]:
    """The visits an officer's locked route still has to make (done visits left out)."""
    done = problem.done_lead_ids
    return tuple(x for x in problem.locked_routes.get(officer_id, ()) if x not in done)


def why_not_feasible(officer: Officer, leads: Sequence[Lead], problem: RoutingProblem) -> str:
    """Why visiting ``leads`` in this order does not fit ``officer``'s day (plain words)."""
    oid = officer.officer_id
    if officer.max_visits is not None and len(leads) > officer.max_visits:
        return f"{len(leads)} visits, more than {oid}'s maximum of {officer.max_visits}"
    if officer.capacity is not None and sum(ld.load for ld in leads) > officer.capacity:
        return f"the visits need more than the {officer.capacity} units {oid} carries"
    for k in range(1, len(leads) + 1):
        if schedule_route(officer, leads[:k], problem.matrix) is None:
            ld = leads[k - 1]
            wins = ", ".join(str(w) for w in ld.windows) or "any time"
            return (f"stop {k} ({ld.lead_id}, open {wins}) cannot be reached in time, or "
                    f"{oid} could not get back by the end of the shift after it")
    return f"the route does not fit {oid}'s driving limit or shift"


def _locked_route(problem: RoutingProblem, officer: Officer
                  ) -> tuple[Route, tuple[str, ...], str]:
    """The locked route timed, the locked visits it cannot make, and why (empty if none)."""
    by_id = problem.lead_by_id
    seq = [by_id[x] for x in locked_order(problem, officer.officer_id)]
    route = schedule_route(officer, seq, problem.matrix)
    if route is not None:
        return route, (), ""
    why = why_not_feasible(officer, seq, problem)
    for k in range(len(seq) - 1, -1, -1):  # the longest prefix that fits: the order is kept
        head = schedule_route(officer, seq[:k], problem.matrix)
        if head is not None:
            return head, tuple(ld.lead_id for ld in seq[k:]), why
    raise AssertionError("an empty route always fits")  # pragma: no cover


def solve_with_locks(problem: RoutingProblem, params: SolveParams,
                     solve_free: Callable[[RoutingProblem, SolveParams], Plan]) -> Plan:
    """Solve ``problem`` keeping its locked routes exactly; the rest goes to ``solve_free``.

    Parameters
    ----------
    problem : RoutingProblem
        A day with ``locked_routes``.
    params : SolveParams
    solve_free : callable
        Solves a problem without locks (the solver's own entry point).

    Returns
    -------
    Plan
        Locked routes in their given order; ``PARTIAL`` with a message when one no longer
        fits, or when an appointment belongs to a locked officer but not to the lock.
    """
    t0 = time.perf_counter()
    locked = set(problem.locked_routes)
    officers = problem.officers
    in_locks = {x for oid in locked for x in problem.locked_routes[oid]}
    # An appointment with a locked officer that the lock does not hold cannot be kept.
    shut_out = [ld for ld in problem.leads if ld.pinned_officer_id in locked
                and ld.lead_id not in in_locks and ld.lead_id not in problem.done_lead_ids]
    shut_ids = {ld.lead_id for ld in shut_out}
    free_officers = tuple(o for o in officers if o.officer_id not in locked)
    free_leads = tuple(ld for ld in problem.leads
                       if ld.lead_id not in in_locks and ld.lead_id not in shut_ids)
    # The sub-problem's reference may name only leads still in it (not the locked ones, nor
    # appointments shut out by a lock that does not include them).
    reference = {oid: tuple(x for x in order if x not in in_locks and x not in shut_ids)
                 for oid, order in problem.reference_routes.items() if oid not in locked}
    messages: list[str] = []
    dropped: list[DroppedLead] = [DroppedLead(ld.lead_id, DropReason.NO_CAPACITY,
                                              f"{ld.pinned_officer_id}'s route is locked")
                                  for ld in shut_out]
    if shut_out:
        messages.append("appointment(s) with an officer whose route is locked: "
                        + ", ".join(sorted(shut_ids)))
    free_plan: Plan | None = None
    if free_officers:
        sub = replace(problem, leads=free_leads, officers=free_officers, locked_routes={},
                      reference_routes=reference,
                      done_lead_ids=problem.done_lead_ids & {ld.lead_id for ld in free_leads})
        left_s = max(0.1, params.time_limit_s - (time.perf_counter() - t0))
        free_plan = solve_free(sub, replace(params, time_limit_s=left_s))
        dropped += free_plan.dropped
        if free_plan.message:
            messages.append(free_plan.message)
    else:
        dropped += [DroppedLead(ld.lead_id, DropReason.NO_CAPACITY, "every route is locked")
                    for ld in free_leads if ld.lead_id not in problem.done_lead_ids]
        dropped += [DroppedLead(x, DropReason.ALREADY_DONE, "already visited today")
                    for x in sorted(problem.done_lead_ids & {ld.lead_id for ld in free_leads})]
    done_in_locks = sorted(problem.done_lead_ids & in_locks)
    dropped += [DroppedLead(x, DropReason.ALREADY_DONE, "already visited today")
                for x in done_in_locks]
    free_routes = {r.officer_id: r for r in (free_plan.routes if free_plan else ())}
    routes: list[Route] = []
    broken: list[str] = []
    rules = problem.rules
    by_id = problem.lead_by_id
    locked_objective = 0.0
    for o in officers:
        if o.officer_id not in locked:
            routes.append(free_routes[o.officer_id])
            continue
        route, cut, why = _locked_route(problem, o)
        routes.append(route)
        locked_objective += (route.value_yuan - rules.drive_cost_yuan_per_h / 3600 * route.drive_s
                             - rules.soft_penalty_yuan * sum(
                                 soft_mismatch(problem, o, by_id[s.lead_id])
                                 for s in route.stops))
        if cut:
            broken.append(o.officer_id)
            messages.append(f"the locked route of {o.officer_id} no longer fits: {why}; "
                            f"kept up to stop {len(route.stops)}")
            dropped += [DroppedLead(x, DropReason.NO_CAPACITY,
                                    f"the locked route of {o.officer_id} no longer fits: {why}")
                        for x in cut]
    status = free_plan.status if free_plan is not None else PlanStatus.FEASIBLE
    if status in (PlanStatus.FEASIBLE, PlanStatus.OPTIMAL) and (broken or shut_out):
        status = PlanStatus.PARTIAL
    if status in (PlanStatus.INFEASIBLE, PlanStatus.TIMEOUT):
        messages.append("the locked routes are kept; the other officers have no plan")
    meta = dict(free_plan.meta) if free_plan is not None else {}
    meta.update(spread(routes), locked_routes=sorted(locked), broken_locks=broken)
    objective = (free_plan.objective_yuan if free_plan is not None else 0.0) + locked_objective
    return Plan(status, tuple(routes), tuple(dropped), float(objective),
                time.perf_counter() - t0, "ortools", problem.plan_date, "; ".join(messages),
                meta)


def reference_start(problem: RoutingProblem, candidates: Sequence[Lead]) -> list[list[str]]:
    """The published routes as starting orders, with what no longer fits taken out.

    A visit leaves its route when it is no longer a candidate (done, left out before the
    search), now belongs to another officer (an appointment made since), or may not be made
    by this officer; a route that no longer fits loses its least valuable ordinary visits
    until it does. Appointments not on their officer's route are left for the search.
    """
    return fit_orders(problem, candidates,
                      [problem.reference_routes.get(o.officer_id, ()) for o in problem.officers])


def fit_orders(problem: RoutingProblem, candidates: Sequence[Lead],
               orders: Sequence[Sequence[str]]) -> list[list[str]]:
    """Visit orders (one per officer position) made to keep every rule of the day.

    A visit leaves its order when it is not a candidate, belongs to another officer (an
    appointment) or may not be made by this officer; an order that still does not fit
    (:func:`routing.schedule.schedule_route`) loses its least valuable ordinary visits
    until it does. Used for a published day being re-planned and for a start proposed
    under a relaxation of the rules (:mod:`routing.pyvrp_start`).
    """
    cand = {ld.lead_id: ld for ld in candidates}
    out: list[list[str]] = []
    for o, order in zip(problem.officers, orders, strict=True):
        seq = [cand[x] for x in order if x in cand]
        # An appointment stays with its officer whatever the hard rules say (it outranks
        # them, as in the search); any other visit must be allowed to this officer.
        seq = [ld for ld in seq if ld.pinned_officer_id == o.officer_id
               or (ld.pinned_officer_id is None and eligible(problem, o, ld))]
        while seq and schedule_route(o, seq, problem.matrix) is None:
            ordinary = [ld for ld in seq if ld.pinned_officer_id is None] or seq
            seq.remove(min(ordinary, key=lambda ld: ld.value_yuan))
        out.append([ld.lead_id for ld in seq])
    return out
