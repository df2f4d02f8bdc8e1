"""The plan from the search's visit orders: timed routes, leads put back, balance, reasons.

The last part of :func:`routing.solve`: the orders are timed by
:func:`routing.schedule.schedule_route` (the one implementation of the timing rules),
appointments the search left out are put back, left-out leads whose insertion pays are put
back (until a deadline that leaves time for the passes after it: a lead not reached is
left out for the time limit), the team's hours are balanced, and every other lead gets a reason
(:mod:`routing.reasons`). The last pass that puts leads back keeps time only for explaining
the leads it has looked at (a lead not reached is named without looking), so it is not
starved while time remains; one cut short before the balance goes on, and the balance
follows only if it reached every lead. The balance ends early enough for the passes after
it, estimated from the routes that may still take a visit (:class:`routing.budget.Clock`),
so the plan is ready at the time limit; the plan's meta says what was kept and what it took
(``reserve_ms``: the time kept after the search, ``after_search_ms``: what the plan's work
after the search took, ``put_back_ms`` and ``explain_ms`` two parts of it, ``explained``
the leads left out, ``balance_skipped`` a balance left out for a put-back cut short).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from routing.balance import add_free_visits, balance_routes, spread
from routing.budget import Clock
from routing.params import SolveParams
from routing.plan import DroppedLead, Plan, PlanStatus, Route
from routing.problem import Lead, RoutingProblem
from routing.put_back import PutBack, put_back
from routing.reasons import explain_drops, soft_mismatch
from routing.schedule import schedule_route

__all__ = ["finish_plan"]

log = logging.getLogger(__name__)


def finish_plan(problem: RoutingProblem, orders: Sequence[Sequence[str]],
                candidates: Sequence[Lead], pre_dropped: Sequence[DroppedLead],
                stats: dict[str, int], clock: Clock, params: SolveParams) -> Plan:
    """The plan of the visit ``orders`` (one per officer, feasible) over ``candidates``.

    Parameters
    ----------
    problem : RoutingProblem
    orders : sequence of sequence of str
        Each officer's visit order (lead ids), in the problem's officer order.
    candidates : sequence of Lead
        Leads the plan may visit; the others are in ``pre_dropped`` with their reason.
    pre_dropped : sequence of DroppedLead
        Leads left out before the search.
    stats : dict
        The search's counts (with ``reserve_ms``, the time it left for this), copied into
        the plan's meta.
    clock : Clock
        The solve's clock (the balance ends in time for the passes after it).
    params : SolveParams
        With ``improvement_steps`` set the balance has no clock (reproducible plans).

    Returns
    -------
    Plan
        ``PARTIAL`` when an appointment could not be kept, else ``FEASIBLE``.
    """
    began = time.perf_counter()
    rules = problem.rules
    officers = problem.officers
    by_id = problem.lead_by_id
    routes: list[Route] = []
    for o, order in zip(officers, orders, strict=True):
        seq = [by_id[i] for i in order]
        route = schedule_route(o, seq, problem.matrix)
        while route is None and seq:
            # The solver's timing model and ours agree; this repair only guards against a
            # rounding edge case, removing the least valuable visit that is not an appointment.
            removable = [ld for ld in seq if ld.pinned_officer_id is None] or seq
            worst = min(removable, key=lambda ld: ld.value_yuan)
            log.warning("re-timing %s's route failed; leaving out %s", o.officer_id,
                        worst.lead_id)
            seq.remove(worst)
            route = schedule_route(o, seq, problem.matrix)
        if route is None:  # every visit was removed: an empty day always fits
            route = Route(o.officer_id, (), o.shift.start_s, o.shift.start_s, 0, 0, 0.0)
        routes.append(route)
    routes = _keep_appointments(problem, routes)
    visited = {s.lead_id for r in routes for s in r.stops}
    left = [ld for ld in candidates if ld.lead_id not in visited]
    fixed = params.improvement_steps is not None  # reproducible plans: no clock after this
    not_reached: set[str] = set()
    balance_skipped = False
    t_put = time.perf_counter()
    if not problem.reference_routes:
        # A local optimum can leave out a lead whose insertion pays; put such leads back.
        # (Not on a re-plan: there a lead is only added where it pays for the change too,
        # which the search has judged.) After a search cut short on a large uncapped day
        # that is hundreds of leads (2.3-2.9 s for ~400 at 45 officers): it ends in time
        # for the passes after it, and the leads it does not reach are named.
        if fixed:
            back = put_back(problem, routes, left)
        elif clock.balancing:
            back = put_back(problem, routes, left,
                            clock.put_back_end_s([len(r.stops) for r in routes]))
        else:
            back = _last_put_back(problem, routes, left, clock)
        routes, left = list(back.routes), list(back.left)
        not_reached |= back.not_reached
        if back.not_reached and clock.balancing:
            # Cut short before the balance, whose time ends where the put-back's did: the
            # second pass after it would undo every insertion that lengthens a day (under
            # load, 45 officers with no caps: 1.7 s of it kept nothing). Putting back goes
            # on instead, and keeps what it places; the balance comes after it only if it
            # reaches every lead.
            log.info("putting back was cut short (%d leads not reached): it goes on before "
                     "any balance", len(back.not_reached))
            back = _last_put_back(problem, routes, left, clock)
            routes, left = list(back.routes), list(back.left)
            not_reached = set(back.not_reached)  # every other lead was looked at again
            balance_skipped = bool(not_reached)
    put_back_s = time.perf_counter() - t_put
    balance_cost = 0.0
    taken_out: dict[str, str] | None = None  # None: not balanced
    if clock.balancing and not balance_skipped:
        # Balanced after the search, which judges value alone; no clock in fixed-step mode.
        # It ends in time for putting back free visits and explaining the leads left out,
        # estimated from the routes that may still take a visit (a day at its cap is not
        # looked at): a per-lead guess (0.15 ms) left 45 officers over 4,322 candidates
        # 0.6 s for 1.7 s of work, and the plan ran 1.3 s past its limit.
        deadline = None if fixed else clock.balance_end_s([len(r.stops) for r in routes])
        held = {x: r.officer_id for r in routes for x in r.lead_ids}
        routes, left, balance_cost = balance_routes(problem, routes, left, deadline)
        offered = {ld.lead_id for ld in left}
        # Like the last put-back, it keeps time only for explaining the leads it looks at
        # (with time for every lead left kept, 45 officers with no caps left 3,553 leads
        # unreached and then spent 1 s explaining them).
        routes, left, late = add_free_visits(
            problem, routes, left, None if fixed else clock.explain_end_s(len(left)),
            clock.explain_s_per_lead)
        # Only the leads this pass did not reach are left for the time limit: one it looked
        # at has the reason it would have had (the first pass not reaching it is no reason).
        not_reached = (not_reached - offered) | late
        taken_out = {ld.lead_id: held[ld.lead_id] for ld in left if ld.lead_id in held}
    visited = {s.lead_id for r in routes for s in r.stops}
    # Leads the put-back did not reach are explained while the time limit allows (the
    # others first: their reason needs their insertion), then left out for it.
    left.sort(key=lambda ld: ld.lead_id in not_reached)
    t_explain = time.perf_counter()
    dropped = list(pre_dropped) + list(explain_drops(
        problem, routes, left, taken_out, not_reached,
        None if fixed else clock.explain_end_s(len(not_reached))))
    explain_s = time.perf_counter() - t_explain
    done = problem.done_lead_ids
    missing_pins = [ld.lead_id for ld in problem.leads
                    if ld.pinned_officer_id is not None and ld.lead_id not in done
                    and ld.lead_id not in visited]
    drive_cost = rules.drive_cost_yuan_per_h / 3600.0
    penalty = sum(rules.soft_penalty_yuan * soft_mismatch(problem, o, by_id[s.lead_id])
                  for r, o in zip(routes, officers, strict=True) for s in r.stops)
    objective = sum(r.value_yuan - drive_cost * r.drive_s for r in routes) - penalty
    status = PlanStatus.PARTIAL if missing_pins else PlanStatus.FEASIBLE
    message = (f"appointment(s) that cannot be kept: {', '.join(missing_pins)}"
               if missing_pins else "")
    end = time.perf_counter()
    return Plan(status, tuple(routes), tuple(dropped), float(objective),
                end - clock.start_s, "ortools", problem.plan_date, message,
                {"candidates": len(candidates), "pruned": len(pre_dropped), **stats,
                 **spread(routes), "balance_cost_yuan": round(balance_cost, 2),
                 "put_back_not_reached": len(not_reached),
                 **({"balance_skipped": 1} if balance_skipped else {}),
                 "put_back_ms": round(1000 * put_back_s), "explain_ms": round(1000 * explain_s),
                 "explained": len(left),
                 "after_search_ms": round(1000 * (end - began))})


def _last_put_back(problem: RoutingProblem, routes: Sequence[Route], left: Sequence[Lead],
                   clock: Clock) -> PutBack:
    """The put-back with no pass after it but the explanations: it ends when the time left
    covers explaining the leads it has looked at and left out (a lead not reached is named
    without looking), so a day of thousands of leads left does not keep time for
    explaining them all while none is being put back."""
    return put_back(problem, routes, left, clock.explain_end_s(len(left)),
                    clock.explain_s_per_lead)


def _keep_appointments(problem: RoutingProblem, routes: list[Route]) -> list[Route]:
    """Put back every appointment the search left out, making room if its officer's day is full.

    The search keeps appointments through a penalty larger than any plan's value, but a search
    cut short (a busy machine, a tiny time limit) may stop before it has placed them. An
    appointment is a promise to a customer: it goes in at its cheapest feasible position,
    and if none is free, the officer's least valuable ordinary visits make way for it.
    """
    done = problem.done_lead_ids
    at = {s.lead_id for r in routes for s in r.stops}
    by_officer = {r.officer_id: i for i, r in enumerate(routes)}
    for ld in problem.leads:
        if ld.pinned_officer_id is None or ld.lead_id in done or ld.lead_id in at:
            continue
        k = by_officer.get(ld.pinned_officer_id)
        if k is None:
            continue
        officer = problem.officer_by_id[ld.pinned_officer_id]
        by_id = problem.lead_by_id
        seq = [by_id[s.lead_id] for s in routes[k].stops]
        ordinary = sorted((x for x in seq if x.pinned_officer_id is None),
                          key=lambda x: x.value_yuan)
        while True:
            best: Route | None = None
            for pos in range(len(seq) + 1):
                trial = schedule_route(officer, [*seq[:pos], ld, *seq[pos:]], problem.matrix)
                if trial is not None and (best is None or trial.drive_s < best.drive_s):
                    best = trial
            if best is not None:
                routes[k] = best
                at.add(ld.lead_id)
                log.info("appointment %s put back on %s's day", ld.lead_id, officer.officer_id)
                break
            if not ordinary:
                break  # nothing left to make way: the appointment cannot be kept
            seq.remove(ordinary.pop(0))
    return routes

