"""Independent plan checker: recomputes every time from the matrix, trusts nothing.

It imports no solver. Every plan the product writes, every test and every
benchmark result passes through :func:`check_plan`.

Time rules (what the solver must produce)
-----------------------------------------
* A route leaves the officer's start at ``start_s >= shift.start_s`` and is back
  at the end at ``end_s <= shift.end_s``.
* Each leg takes exactly the matrix duration: ``arrival_s >= previous departure +
  duration``; the stop's ``drive_s``/``distance_m`` equal the matrix values.
* Service starts inside one of the lead's windows (windows bound the *start* of
  service, the Solomon convention) and lasts the lead's ``service_s``:
  ``departure_s == start_s + service_s``.
* Lunch (when the officer has one and the day runs into its window,
  :meth:`~routing.problem.Officer.owes_lunch`) starts inside the lunch window, lasts its
  duration, does not overlap a visit and is taken in one gap between two events (leaving
  the start, a visit, getting back): that gap must hold the leg's driving *and* the break.
* Visits already made (``problem.visited_routes``, a published day planned again) begin
  their officer's route, in the order they were made, and are history: their legs,
  times, windows, visit lengths and the rules, the start of the day and a lunch taken
  among them are not judged against the day's data, which may have been corrected since.
  They count towards the day's driving, visits, load and value, and what follows them is
  judged from where and when the last of them ended; when they ran past the end of a
  shift shortened since, the officer drives straight back, and a lunch whose window
  closed before they ended is not owed.
* A locked route (``problem.locked_routes``) visits exactly its leads in exactly its
  order (visits already done left out); only a ``partial`` plan that names the officer
  in ``meta["broken_locks"]`` may keep a shorter beginning of that order.
* An appointment (``pinned_officer_id``) is visited by its officer, as the stop
  ``pinned_position`` of the route (0 the first) when the lead gives one.
* Skills and locality are checked only when the rules make them ``hard``. An
  officer with no skills listed is a generalist; one with no localities listed
  works anywhere. A manager's decision outranks both rules: an appointment visited by
  its own officer, and a stop of a route locked to its officer, are kept whatever the
  rules say (the solver keeps them too and lists them in ``meta["rule_overrides"]``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from geo.types import UNREACHABLE
from routing.plan import Plan, PlanStatus, Route, Violation
from routing.problem import (
    ConstraintMode,
    Lead,
    Officer,
    RoutingProblem,
    end_node_id,
    hhmm,
    start_node_id,
)

__all__ = ["VIOLATION_CODES", "check_plan", "checked_plan"]

VIOLATION_CODES = (
    "unknown_officer",
    "duplicate_route",
    "unknown_lead",
    "offered_but_ranked_below",
    "duplicate_visit",
    "dropped_and_routed",
    "duplicate_drop",
    "lead_unaccounted",
    "done_lead_revisited",
    "unreachable_leg",
    "travel_time",
    "leg_mismatch",
    "service_time",
    "time_window",
    "shift_start",
    "shift_end",
    "max_drive",
    "max_visits",
    "capacity",
    "drive_mismatch",
    "value_mismatch",
    "skill",
    "locality",
    "pinned_missing",
    "pinned_wrong_officer",
    "pinned_position",
    "locked_route",
    "visited_route",
    "lunch_missing",
    "lunch_window",
    "lunch_duration",
    "lunch_overlap",
    "lunch_outside_route",
    "status",
)


def _at(t_s: int) -> str:
    """A time of day as read (``08:03``) with the exact seconds the rule compared."""
    return f"{hhmm(t_s)} ({t_s} s)"


def _dur(d_s: int) -> str:
    """A duration in minutes with the exact seconds."""
    return f"{d_s / 60:.0f} min ({d_s} s)"


def _value_close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=0.01)


def _check_route(problem: RoutingProblem, r: Route, o: Officer, leads: dict[str, Lead],
                 out: list[Violation]) -> None:
    m = problem.matrix
    oid = o.officer_id
    locked = set(problem.locked_routes.get(oid, ()))
    history = problem.visited_routes.get(oid, ())
    # How many stops are visits already made (history): none when the route does not begin
    # with them, which check_plan reports; the route is then judged whole.
    made = len(history) if r.lead_ids[:len(history)] == history else 0

    def bad(code: str, message: str, lead_id: str | None = None) -> None:
        out.append(Violation(code, message, oid, lead_id))

    if r.start_s < o.shift.start_s and not made:  # with visits made, the officer has left
        bad("shift_start", f"leaves at {_at(r.start_s)}, before the shift starts at "
            f"{_at(o.shift.start_s)}")
    if r.end_s > _latest_end(problem, r, o, made):
        bad("shift_end", f"back at {_at(r.end_s)}, after the shift ends at {_at(o.shift.end_s)}")
    if o.max_visits is not None and len(r.stops) > o.max_visits:
        bad("max_visits", f"{len(r.stops)} visits, more than the maximum {o.max_visits}")
    if o.capacity is not None:
        load = sum(leads[s.lead_id].load for s in r.stops if s.lead_id in leads)
        if load > o.capacity:
            bad("capacity", f"visits use {load} units, more than the {o.capacity} carried")

    # Events in time order: (departure time, node) then each stop, then the end.
    prev_node = start_node_id(oid)
    prev_dep = r.start_s
    drive_total = 0
    dist_total = 0
    value = 0.0
    gaps: list[tuple[int, int, int]] = []  # (gap start, gap end, driving inside it)
    for k, s in enumerate(r.stops):
        ld = leads.get(s.lead_id)
        if ld is None:
            continue  # reported as unknown_lead by the caller
        if k < made:
            # A visit already made: its leg and times are what happened, whatever today's
            # data says now. It still counts towards the day's driving, visits and value.
            gaps.append((prev_dep, s.start_s, s.drive_s))
            drive_total += s.drive_s
            dist_total += s.distance_m
            value += ld.value_yuan
            prev_node, prev_dep = s.lead_id, s.departure_s
            continue
        dur = int(m.duration_s[m.index[prev_node], m.index[s.lead_id]])
        dist = int(m.distance_m[m.index[prev_node], m.index[s.lead_id]])
        if dur >= UNREACHABLE:
            bad("unreachable_leg", f"no road from {prev_node} to {s.lead_id}", s.lead_id)
        if s.drive_s != dur or s.distance_m != dist:
            bad("leg_mismatch", f"leg to {s.lead_id} says {s.drive_s} s/{s.distance_m} m, the "
                f"matrix says {dur} s/{dist} m", s.lead_id)
        if s.arrival_s < prev_dep + dur:
            bad("travel_time", f"arrives at {s.lead_id} at {_at(s.arrival_s)}, but cannot be "
                f"there before {_at(prev_dep + dur)}", s.lead_id)
        if s.departure_s - s.start_s != ld.service_s:
            bad("service_time", f"spends {_dur(s.departure_s - s.start_s)} at {s.lead_id}, the "
                f"visit takes {_dur(ld.service_s)}", s.lead_id)
        if ld.windows and not any(w.contains(s.start_s) for w in ld.windows):
            wins = ", ".join(str(w) for w in ld.windows)
            bad("time_window", f"visit of {s.lead_id} starts at {_at(s.start_s)}, outside {wins}",
                s.lead_id)
        rules = problem.rules
        # The manager booked this visit with this officer (or locked it into the route):
        # that decision, not the day's rule, says who goes.
        decided = ld.pinned_officer_id == oid or s.lead_id in locked
        if (rules.skills == ConstraintMode.HARD and not decided
                and not o.can_serve(ld.industry)):
            bad("skill", f"{oid} does not cover industry {ld.industry}", s.lead_id)
        if (rules.locality == ConstraintMode.HARD and not decided and o.localities
                and ld.village not in o.localities):
            bad("locality", f"{oid} is not local to {ld.village or 'an unnamed village'}",
                s.lead_id)
        gaps.append((prev_dep, s.start_s, dur))
        drive_total += dur
        dist_total += dist
        value += ld.value_yuan
        prev_node, prev_dep = s.lead_id, s.departure_s
    end = end_node_id(oid)
    dur = int(m.duration_s[m.index[prev_node], m.index[end]])
    dist = int(m.distance_m[m.index[prev_node], m.index[end]])
    if r.stops:
        if dur >= UNREACHABLE:
            bad("unreachable_leg", f"no road from {prev_node} back to the end")
        if r.end_s < prev_dep + dur:
            bad("travel_time", f"back at {_at(r.end_s)}, but cannot be before "
                f"{_at(prev_dep + dur)}")
        if r.end_drive_s != dur or r.end_distance_m != dist:
            bad("leg_mismatch", f"last leg says {r.end_drive_s} s/{r.end_distance_m} m, the "
                f"matrix says {dur} s/{dist} m")
        gaps.append((prev_dep, r.end_s, dur))
        drive_total += dur
        dist_total += dist
    if r.drive_s != drive_total or r.distance_m != dist_total:
        bad("drive_mismatch", f"route says {r.drive_s} s/{r.distance_m} m of driving, its legs "
            f"add up to {drive_total} s/{dist_total} m")
    if o.max_drive_s is not None and drive_total > o.max_drive_s:
        bad("max_drive", f"drives {_dur(drive_total)}, more than the maximum "
            f"{_dur(o.max_drive_s)}")
    if not _value_close(r.value_yuan, value):
        bad("value_mismatch", f"route says ¥{r.value_yuan:.2f}, its visits are worth "
            f"¥{value:.2f}")
    # A lunch that began before the last visit already made was taken, as it was taken; one
    # whose window closed before that visit ended is no longer owed.
    until = r.stops[made - 1].departure_s if made else None
    taken = until is not None and r.lunch is not None and r.lunch.start_s < until
    missed = (until is not None and r.lunch is None and o.lunch is not None
              and o.lunch.window.end_s < until)
    if not (taken or missed):
        _check_lunch(r, o, gaps, bad)


def _latest_end(problem: RoutingProblem, r: Route, o: Officer, made: int) -> int:
    """When ``r`` must be back: the shift's end, or, when the visits already made (its first
    ``made`` stops, all of its stops) ran past a shift shortened since, as soon as the
    officer can drive back from the last of them."""
    if not made or made < len(r.stops):
        return o.shift.end_s
    m, last = problem.matrix, r.stops[made - 1]
    home = int(m.duration_s[m.index[last.lead_id], m.index[end_node_id(o.officer_id)]])
    return max(o.shift.end_s, last.departure_s + home)


def _check_lunch(r: Route, o: Officer, gaps: list[tuple[int, int, int]],
                 bad: Callable[..., None]) -> None:
    if o.lunch is None or not r.stops:
        if r.lunch is not None and o.lunch is None:
            bad("lunch_duration", "a break is planned for an officer without one")
        return
    if r.lunch is None:
        if o.owes_lunch(r.start_s, r.end_s):
            bad("lunch_missing", f"the day {hhmm(r.start_s)}-{hhmm(r.end_s)} runs into the "
                f"lunch window {o.lunch.window} but has no lunch break")
        return
    ls, ld = r.lunch.start_s, r.lunch.duration_s
    if ld != o.lunch.duration_s:
        bad("lunch_duration", f"lunch lasts {_dur(ld)}, it should last "
            f"{_dur(o.lunch.duration_s)}")
    if not o.lunch.window.contains(ls):
        bad("lunch_window", f"lunch starts at {_at(ls)}, outside {o.lunch.window}")
    if ls < r.start_s or ls + ld > r.end_s:
        bad("lunch_outside_route", "lunch is outside the working day of the route")
    for s in r.stops:
        if ls < s.departure_s and s.start_s < ls + ld:
            bad("lunch_overlap", f"lunch overlaps the visit of {s.lead_id}", s.lead_id)
            return
    for g0, g1, drive in gaps:
        if g0 <= ls and ls + ld <= g1:
            if g1 - g0 < drive + ld:
                bad("travel_time", f"the gap {_at(g0)}-{_at(g1)} cannot hold {_dur(drive)} of "
                    f"driving and the {_dur(ld)} lunch")
            return


def check_plan(problem: RoutingProblem, plan: Plan) -> list[Violation]:
    """Verify ``plan`` against ``problem`` and list every broken rule.

    Parameters
    ----------
    problem : RoutingProblem
        What was to be planned (leads, officers, matrix, rules).
    plan : Plan
        The answer to check.

    Returns
    -------
    list of Violation
        Empty when the plan is valid. Codes are listed in :data:`VIOLATION_CODES`.
    """
    out: list[Violation] = []
    leads = problem.lead_by_id
    officers = problem.officer_by_id
    if plan.status in (PlanStatus.INFEASIBLE, PlanStatus.TIMEOUT) and plan.routes and any(
            r.stops for r in plan.routes):
        out.append(Violation("status", f"a {plan.status.value} plan must not contain visits"))
    seen_officers: Counter[str] = Counter(r.officer_id for r in plan.routes)
    for oid, n in seen_officers.items():
        if oid not in officers:
            out.append(Violation("unknown_officer", f"route for unknown officer {oid}", oid))
        elif n > 1:
            out.append(Violation("duplicate_route", f"{n} routes for officer {oid}", oid))
    visits: Counter[str] = Counter()
    visitor: dict[str, str] = {}
    for r in plan.routes:
        for s in r.stops:
            visits[s.lead_id] += 1
            visitor[s.lead_id] = r.officer_id
            if s.lead_id not in leads:
                out.append(Violation("unknown_lead", f"visit of unknown lead {s.lead_id}",
                                     r.officer_id, s.lead_id))
    for lid, n in visits.items():
        if n > 1:
            out.append(Violation("duplicate_visit", f"lead {lid} is visited {n} times",
                                 visitor[lid], lid))
        if lid in problem.done_lead_ids:
            out.append(Violation("done_lead_revisited", f"lead {lid} was already visited today",
                                 visitor[lid], lid))
    dropped = Counter(d.lead_id for d in plan.dropped)
    # Leads the application never offered to the solver (ranked below the day's candidates
    # before travel times were computed, or too far from the roads) are listed with their
    # reason but are not in the problem; any other unknown lead left out is an error.
    never_offered = {d.lead_id for d in plan.dropped if d.reason.never_offered}
    for lid, n in dropped.items():
        if n > 1:
            out.append(Violation("duplicate_drop", f"lead {lid} is left out {n} times", None, lid))
        if lid in visits:
            out.append(Violation("dropped_and_routed", f"lead {lid} is both visited and left out",
                                 visitor[lid], lid))
        if lid not in leads and lid not in never_offered:
            out.append(Violation("unknown_lead", f"unknown lead {lid} is left out", None, lid))
        if lid in leads and lid in never_offered:
            out.append(Violation("offered_but_ranked_below", f"lead {lid} was offered to the "
                                 "solver but is reported as never offered", None, lid))
    for lid in leads:
        if lid not in visits and lid not in dropped:
            out.append(Violation("lead_unaccounted",
                                 f"lead {lid} is neither visited nor left out with a reason",
                                 None, lid))
    for ld in problem.leads:
        pin = ld.pinned_officer_id
        if pin is None or ld.lead_id in problem.done_lead_ids:
            continue
        if ld.lead_id not in visits:
            out.append(Violation("pinned_missing",
                                 f"appointment {ld.lead_id} with {pin} is not kept", pin,
                                 ld.lead_id))
        elif visitor[ld.lead_id] != pin:
            out.append(Violation("pinned_wrong_officer",
                                 f"appointment {ld.lead_id} belongs to {pin}, "
                                 f"not {visitor[ld.lead_id]}", visitor[ld.lead_id], ld.lead_id))
        elif ld.pinned_position is not None:
            order = next(r.lead_ids for r in plan.routes if r.officer_id == pin)
            if order.index(ld.lead_id) != ld.pinned_position:
                out.append(Violation("pinned_position",
                                     f"appointment {ld.lead_id} is stop "
                                     f"{order.index(ld.lead_id) + 1} of {pin}'s route, not "
                                     f"stop {ld.pinned_position + 1}", pin, ld.lead_id))
    _check_locks(problem, plan, out)
    routes = {r.officer_id: r.lead_ids for r in plan.routes}
    for oid, history in problem.visited_routes.items():
        got = routes.get(oid, ())
        if got[:len(history)] != history:
            out.append(Violation("visited_route", f"{oid} already visited {list(history)} "
                                 f"today, in that order; the route begins "
                                 f"{list(got[:len(history)])}", oid))
    for r in plan.routes:
        o = officers.get(r.officer_id)
        if o is not None:
            _check_route(problem, r, o, leads, out)
    return out


def checked_plan(problem: RoutingProblem, plan: Plan) -> tuple[Plan, list[Violation]]:
    """:func:`check_plan`, with the verdict written into the plan's message when it fails.

    A plan the checker rejects must say so wherever it is read: a ``feasible`` status with
    an empty message would present a broken plan as a good one.

    Parameters
    ----------
    problem : RoutingProblem
    plan : Plan

    Returns
    -------
    (Plan, list of Violation)
        ``plan`` unchanged when valid; otherwise with the number of violations and the
        first few added to its message.
    """
    violations = check_plan(problem, plan)
    if not violations:
        return plan, violations
    first = "; ".join(f"[{v.code}] {v.message}" for v in violations[:3])
    more = f" and {len(violations) - 3} more" if len(violations) > 3 else ""
    verdict = f"the independent checker found {len(violations)} violation(s): {first}{more}"
    return replace(plan, message="; ".join(x for x in (plan.message, verdict) if x)), violations


def _check_locks(problem: RoutingProblem, plan: Plan, out: list[Violation]) -> None:
    routes = {r.officer_id: r.lead_ids for r in plan.routes}
    broken = set(plan.meta.get("broken_locks", ())) if plan.status == PlanStatus.PARTIAL \
        else set()
    for oid, order in problem.locked_routes.items():
        want = tuple(x for x in order if x not in problem.done_lead_ids)
        got = routes.get(oid, ())
        if got == want or (oid in broken and got == want[:len(got)]):
            continue
        out.append(Violation("locked_route", f"the locked route of {oid} is {list(want)}, "
                             f"the plan has {list(got)}", oid))
