"""Re-planning a published day without touching what officers already did.

Each officer's route keeps its *fixed prefix* — every stop up to the last one with a
recorded outcome, skipped stops in between included, or, when the day is planned again at
a given time, every stop planned to start before it (presumed made,
:attr:`countyreach.services.visited.VisitedStops.fixed`) — exactly as published (same
order, same numbers, same times). The rest of the day is planned again from the last
fixed stop: the officer starts there at its departure time, with the drive time, visit
count, carried units and lunch that remain. The two parts are then joined into one
plan over the whole day's problem, which the independent checker verifies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

import routing
from geo.types import TravelMatrix
from routing.params import SolveParams
from routing.plan import BreakTaken, DropReason, Plan, Route, Stop
from routing.problem import (
    Break,
    Depot,
    Officer,
    RoutingProblem,
    TimeWindow,
    end_node_id,
    hhmm,
    start_node_id,
)

__all__ = ["PlanChanges", "fixed_prefixes", "solve_around", "plan_changes", "from_now"]


@dataclass(frozen=True)
class PlanChanges:
    """What a new version changes for officers, against the version it replaces."""

    added: Mapping[str, tuple[str, ...]]
    removed: Mapping[str, tuple[str, ...]]
    moved: Mapping[str, tuple[str, ...]]
    kept_fixed: Mapping[str, tuple[str, ...]]
    #: Of the stops kept, those without an outcome (passed over before a later visit).
    passed_over: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Of the stops kept, those planned to start before the re-plan's time and not recorded
    #: yet: presumed made by their officer (:attr:`VisitedStops.presumed
    #: <countyreach.services.visited.VisitedStops.presumed>`).
    presumed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The re-plan's time (seconds since midnight), if it had one.
    now_s: int | None = None

    @property
    def empty(self) -> bool:
        """True when no officer's list changes."""
        return not (any(self.added.values()) or any(self.removed.values())
                    or any(self.moved.values()))

    def lines(self, lang: str = "en") -> list[str]:
        """One line per officer whose list changed (``O01: +B0001 B0002 -B0100``), in
        ``lang``."""
        from countyreach.i18n import t

        # English parts are joined as they always were; Chinese ones by the catalogue's
        sep = "; " if lang == "en" else t("summary_list_sep", lang)
        out = []
        for oid in sorted(set(self.added) | set(self.removed) | set(self.moved)
                          | set(self.kept_fixed)):
            parts = []
            presumed = self.presumed.get(oid, ())
            if len(self.kept_fixed.get(oid, ())) > len(presumed):
                skipped = self.passed_over.get(oid, ())
                made = len(self.kept_fixed[oid]) - len(skipped) - len(presumed)
                parts.append(t("changes_kept", lang, n=made) + (
                    t("changes_passed_over", lang, n=len(skipped), leads=" ".join(skipped))
                    if skipped else ""))
            if presumed:
                at = "" if self.now_s is None else t("changes_before", lang,
                                                     time=hhmm(self.now_s))
                parts.append(t("changes_presumed_one" if len(presumed) == 1
                               else "changes_presumed", lang, n=len(presumed), at=at,
                               leads=" ".join(presumed)))
            if self.added.get(oid):
                parts.append("+" + " +".join(self.added[oid]))
            if self.removed.get(oid):
                parts.append("-" + " -".join(self.removed[oid]))
            if self.moved.get(oid):
                parts.append(t("changes_reordered", lang, leads=" ".join(self.moved[oid])))
            if parts:
                out.append(f"{oid}{t('note_sep', lang)}" + sep.join(parts))
        return out


def fixed_prefixes(plan: Plan, visited: set[str]) -> dict[str, tuple[Stop, ...]]:
    """Per officer, the published stops up to the last one with an outcome (may be empty)."""
    out: dict[str, tuple[Stop, ...]] = {}
    for r in plan.routes:
        last = max((i for i, s in enumerate(r.stops) if s.lead_id in visited), default=-1)
        if last >= 0:
            out[r.officer_id] = r.stops[:last + 1]
    return out


def _resume_at(old: Route, t_s: int) -> int:
    """When an officer can go on at ``t_s``: then, or when the published lunch they are at
    ends (a re-plan at 12:00 does not cut short a lunch taken from 11:45)."""
    if old.lunch is not None and old.lunch.start_s < t_s < old.lunch.start_s + \
            old.lunch.duration_s:
        return old.lunch.start_s + old.lunch.duration_s
    return t_s


def _remaining_lunch(o: Officer, old: Route | None, now_s: int) -> Break | None:
    if o.lunch is None or (old is not None and old.lunch is not None
                           and old.lunch.start_s < now_s):
        return None
    earliest = max(o.lunch.window.start_s, now_s)
    if earliest > o.lunch.window.end_s:
        return None
    return Break(TimeWindow(earliest, o.lunch.window.end_s), o.lunch.duration_s)


def _home_from(last: Stop, part: Route, lunch: BreakTaken | None, officer: Officer,
               m: TravelMatrix) -> tuple[Route, BreakTaken | None]:
    """The drive home of an officer whose every stop is fixed: a solver leaves a route with
    no stops unused (no drive), but this officer is out at ``last`` and must drive back."""
    here, home = m.index[last.lead_id], m.index[end_node_id(officer.officer_id)]
    drive, dist = int(m.duration_s[here, home]), int(m.distance_m[here, home])
    t = last.departure_s
    end = t + drive
    # still owed by a day that runs into the window: taken before driving home
    if lunch is None and officer.lunch is not None \
            and officer.owes_lunch(officer.shift.start_s, t + drive):
        lunch = BreakTaken(max(t, officer.lunch.window.start_s), officer.lunch.duration_s)
        t = lunch.start_s + lunch.duration_s
        end = t + drive
    elif lunch is not None and lunch.start_s >= t:
        # the published lunch came after the last visit: at home after the drive (as
        # routing.schedule_route places it in the last gap) or before it; the day ends
        # after it either way (it ended at the drive home, the lunch outside the route)
        after = lunch.start_s + lunch.duration_s
        end = after if lunch.start_s >= t + drive else after + drive
    # the solver's empty route "starts" at the re-plan; an officer whose last stop was
    # before then drove home before it too (the caller keeps the published start)
    return replace(part, start_s=min(part.start_s, t), end_s=end, drive_s=drive,
                   distance_m=dist, end_drive_s=drive, end_distance_m=dist, lunch=lunch), lunch


def _lunch_between(o: Officer, last: Stop, nxt: Stop, start_s: int,
                   end_s: int) -> BreakTaken | None:
    """The lunch a joined day owes, in the wait between its last fixed visit and its first
    re-planned one. A morning home before the lunch window owed none, and the afternoon
    planned after the window closed owes none either, but the whole day runs into the
    window; the officer was free then. None when the day owes none or it does not fit."""
    if o.lunch is None or not o.owes_lunch(start_s, end_s):
        return None
    at = max(last.departure_s, o.lunch.window.start_s)
    if at > o.lunch.window.end_s or at + o.lunch.duration_s + nxt.drive_s > nxt.arrival_s:
        return None
    return BreakTaken(at, o.lunch.duration_s)


def from_now(o: Officer, now_s: int) -> Officer:
    """``o``'s day planned at ``now_s`` with no visit of theirs fixed: it starts then (an
    officer whose shift is over has no time left), with the lunch still to take.

    Parameters
    ----------
    o : Officer
    now_s : int
        Seconds since midnight of the day.

    Returns
    -------
    Officer
        ``o`` itself when the shift starts at ``now_s`` or later.
    """
    if now_s <= o.shift.start_s:
        return o
    # no visit recorded: whether they ate is not known, so lunch is owed
    return replace(o, shift=TimeWindow(min(now_s, o.shift.end_s - 1), o.shift.end_s),
                   lunch=_remaining_lunch(o, None, now_s))


def solve_around(problem: RoutingProblem, old_plan: Plan, fixed: Mapping[str, Sequence[Stop]],
                 params: SolveParams, now_s: int | None = None) -> Plan:
    """Solve ``problem`` keeping each officer's fixed prefix as it was published.

    What is left of each officer's day begins when their last fixed visit ended, and no
    earlier than ``now_s`` when given (a re-plan at noon does not send anyone to a visit
    at 10:30 because the morning's last outcome was recorded then); an officer with no
    fixed visit starts from their start at ``now_s``.

    Parameters
    ----------
    problem : RoutingProblem
        The whole day: every fixed lead is among its leads, pinned to its officer (its
        ``visited_routes``, if any, are the fixed prefixes: the rest is solved without).
    old_plan : Plan
        The published plan the prefixes come from.
    fixed : mapping officer_id -> stops
        From :func:`fixed_prefixes`.
    params : SolveParams
    now_s : int, optional
        The time of the re-plan, seconds since midnight of the day.

    Returns
    -------
    Plan
        Over ``problem``: fixed prefixes first, then the re-planned rest.
    """
    leads = problem.lead_by_id
    old_routes = {r.officer_id: r for r in old_plan.routes}
    m = problem.matrix
    dur, dist = m.duration_s.copy(), m.distance_m.copy()
    officers: list[Officer] = []
    done: set[str] = set()
    resume: dict[str, int] = {}
    for o in problem.officers:
        stops = list(fixed.get(o.officer_id, ()))
        if not stops:
            officers.append(o if now_s is None else from_now(o, now_s))
            continue
        ids = [s.lead_id for s in stops]
        done.update(ids)
        last = stops[-1]
        row, here = m.index[start_node_id(o.officer_id)], m.index[last.lead_id]
        # the officer now "starts" at the last fixed stop: copy that node's outgoing legs
        dur[row, :], dist[row, :] = m.duration_s[here, :], m.distance_m[here, :]
        dur[row, row] = dist[row, row] = 0
        since = _resume_at(old_routes[o.officer_id], max(last.departure_s, now_s or 0))
        resume[o.officer_id] = since
        begin = min(max(o.shift.start_s, since), o.shift.end_s - 1)
        drove = sum(s.drive_s for s in stops)
        officers.append(replace(
            o, start=Depot(f"{o.officer_id}-at-{last.lead_id}", "last visit",
                           leads[last.lead_id].location, o.start.kind),
            shift=TimeWindow(begin, o.shift.end_s),
            max_drive_s=None if o.max_drive_s is None else max(0, o.max_drive_s - drove),
            max_visits=None if o.max_visits is None else max(0, o.max_visits - len(ids)),
            capacity=None if o.capacity is None else max(
                0, o.capacity - sum(leads[x].load for x in ids)),
            lunch=_remaining_lunch(o, old_routes[o.officer_id], since)))
    # ``replace`` keeps the manager's locked and reference routes (a re-optimise in the app):
    # a lock's fixed stops are done visits here, which a locked route leaves out
    rest = replace(problem, officers=tuple(officers),
                   matrix=TravelMatrix(m.node_ids, np.asarray(dur), np.asarray(dist)),
                   done_lead_ids=frozenset(done), visited_routes={})
    part = routing.solve(rest, params)
    routes = []
    for r in part.routes:
        kept = tuple(fixed.get(r.officer_id, ()))
        if not kept:
            routes.append(r)
            continue
        old = old_routes[r.officer_id]
        lunch = old.lunch if old.lunch is not None and old.lunch.start_s < resume[r.officer_id] \
            else r.lunch
        if not r.stops:
            r, lunch = _home_from(kept[-1], r, lunch, rest.officer_by_id[r.officer_id], m)
        elif lunch is None:
            lunch = _lunch_between(problem.officer_by_id[r.officer_id], kept[-1], r.stops[0],
                                   old.start_s, r.end_s)
        routes.append(Route(
            r.officer_id, (*kept, *r.stops), old.start_s, r.end_s,
            sum(s.drive_s for s in kept) + r.drive_s,
            sum(s.distance_m for s in kept) + r.distance_m,
            sum(leads[s.lead_id].value_yuan for s in kept) + r.value_yuan,
            r.end_drive_s, r.end_distance_m, lunch))
    dropped = tuple(d for d in part.dropped
                    if not (d.reason is DropReason.ALREADY_DONE and d.lead_id in done))
    return replace(part, routes=tuple(routes), dropped=dropped)


def plan_changes(old: Plan | None, new: Plan,
                 fixed: Mapping[str, Sequence[Stop]] | None = None,
                 visited: Iterable[str] | None = None, *,
                 presumed: Mapping[str, Sequence[str]] | None = None,
                 now_s: int | None = None) -> PlanChanges:
    """Leads added to, removed from and reordered on each officer's list (and, given the
    leads ``visited``, which kept stops were passed over without an outcome; the kept
    stops ``presumed`` made before ``now_s`` are neither)."""
    visited = None if visited is None else set(visited)
    before = {r.officer_id: r.lead_ids for r in (old.routes if old else ())}
    after = {r.officer_id: r.lead_ids for r in new.routes}
    added, removed, moved = {}, {}, {}
    for oid in set(before) | set(after):
        a, b = list(before.get(oid, ())), list(after.get(oid, ()))
        added[oid] = tuple(x for x in b if x not in a)
        removed[oid] = tuple(x for x in a if x not in b)
        common_a = [x for x in a if x in b]
        common_b = [x for x in b if x in a]
        moved[oid] = tuple(x for x, y in zip(common_a, common_b, strict=True) if x != y)
    kept = {oid: tuple(s.lead_id for s in stops) for oid, stops in (fixed or {}).items()}
    assumed = {oid: tuple(ids) for oid, ids in (presumed or {}).items() if ids}
    over = {} if visited is None else {
        oid: tuple(x for x in ids if x not in visited and x not in assumed.get(oid, ()))
        for oid, ids in kept.items()}
    return PlanChanges(added, removed, moved, kept, over, assumed, now_s)
