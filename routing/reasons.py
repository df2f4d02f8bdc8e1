"""Who may visit a lead, and why a lead is left out of the plan.

Reasons are decided by feasibility tests independent of the search: a lead
is *unreachable*, *outside every shift*, has an *impossible window*, has *no
qualified officer* (hard skills/locality) — or it fits, and then it was either
*not worth the detour* (with the value it would have needed) or every eligible
day was *full*; on a day the workload balance evened out, a lead it took out or
whose visit would pay but lengthen a day is *left for the balance*. Before
explaining, :func:`routing.put_back.put_back` puts back any left lead whose cheapest feasible
insertion pays for itself, so "not worth the detour" is true of every lead it is
said of; a lead whose visit would pay but that the put-back's deadline came
before is left out *for the time limit*.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from geo.types import UNREACHABLE
from routing.plan import DroppedLead, DropReason, Plan, Route
from routing.problem import (
    ConstraintMode,
    Lead,
    Officer,
    RoutingProblem,
    end_node_id,
    start_node_id,
)
from routing.schedule import schedule_route, time_bounds

__all__ = [
    "RuleMatrices",
    "eligible",
    "rule_matrices",
    "soft_mismatch",
    "broken_rules",
    "rule_overrides",
    "with_rule_overrides",
    "lead_alone_reasons",
    "InsertionScreen",
    "explain_drops",
]


#: Insertion positions tested per lead (cheapest detours first) when explaining a drop.
MAX_POSITIONS_TESTED = 24
#: Leads screened together against a route changed by a visit put back (:class:`InsertionScreen`):
#: large enough for one array operation to pay, small enough that a route is not screened
#: again against every lead left after each visit.
_SCREEN_BLOCK = 128


def eligible(problem: RoutingProblem, officer: Officer, lead: Lead) -> bool:
    """Whether hard skill and locality rules allow ``officer`` to visit ``lead``."""
    return not broken_rules(problem, officer, lead)


def soft_mismatch(problem: RoutingProblem, officer: Officer, lead: Lead) -> int:
    """Number of soft preferences (skill, locality) broken if ``officer`` visits ``lead``."""
    s = problem.rules
    n = 0
    if s.skills == ConstraintMode.SOFT and not officer.can_serve(lead.industry):
        n += 1
    if (s.locality == ConstraintMode.SOFT and officer.localities
            and lead.village not in officer.localities):
        n += 1
    return n


def broken_rules(problem: RoutingProblem, officer: Officer, lead: Lead) -> list[str]:
    """The hard rules (``"skills"``, ``"locality"``) that ``officer`` visiting ``lead`` breaks."""
    s = problem.rules
    out = []
    if s.skills == ConstraintMode.HARD and not officer.can_serve(lead.industry):
        out.append("skills")
    if (s.locality == ConstraintMode.HARD and officer.localities
            and lead.village not in officer.localities):
        out.append("locality")
    return out


def rule_overrides(problem: RoutingProblem, routes: Sequence[Route]) -> list[dict[str, Any]]:
    """Visits the manager's decisions keep against a hard skill or locality rule.

    An appointment (:attr:`Lead.pinned_officer_id`) and a locked route
    (:attr:`RoutingProblem.locked_routes`) outrank the rules: the officer the manager chose
    makes the visit. A plan must say so, not leave the reader to find out.

    Returns
    -------
    list of dict
        ``lead_id``, ``officer_id``, ``rules`` (the rules broken) and ``by``
        (``"appointment"`` or ``"locked route"``), in route order.
    """
    by_id, officers = problem.lead_by_id, problem.officer_by_id
    out: list[dict[str, Any]] = []
    for r in routes:
        o = officers[r.officer_id]
        locked = set(problem.locked_routes.get(r.officer_id, ()))
        for x in r.lead_ids:
            broken = broken_rules(problem, o, by_id[x])
            if not broken:
                continue
            if by_id[x].pinned_officer_id == o.officer_id:
                by = "appointment"
            elif x in locked:
                by = "locked route"
            else:
                continue  # nobody decided it: a broken rule, which the checker reports
            out.append({"lead_id": x, "officer_id": o.officer_id, "rules": broken, "by": by})
    return out


def with_rule_overrides(problem: RoutingProblem, plan: Plan) -> Plan:
    """``plan`` naming the visits of :func:`rule_overrides`: ``meta["rule_overrides"]`` lists
    them and one sentence of the message counts them (the first five by name)."""
    overrides = rule_overrides(problem, plan.routes)
    if not overrides:
        return plan
    shown = ", ".join(f"{v['lead_id']} with {v['officer_id']} ({'/'.join(v['rules'])}, "
                      f"{v['by']})" for v in overrides[:5])
    more = f" and {len(overrides) - 5} more" if len(overrides) > 5 else ""
    note = (f"{len(overrides)} visit(s) kept against the hard skill/locality rules because "
            f"the manager decided them: {shown}{more}")
    return replace(plan, message="; ".join(x for x in (plan.message, note) if x),
                   meta={**plan.meta, "rule_overrides": overrides})


class RuleMatrices:
    """:func:`eligible` and :func:`soft_mismatch` of every officer and lead of a problem.

    ``allowed[o, j]`` and ``mismatch[o, j]`` for officer ``o`` and lead ``j`` (problem
    order; :attr:`column` maps lead ids to ``j``), and the matrix rows of each officer's
    start and end. Both rules depend only on an officer's skills and localities and a
    lead's industry and village, so each pair of kinds is judged once: a day of 250
    officers and 1,000 leads asked the rules 250,000 times per question, ~1 s in all.
    """

    def __init__(self, problem: RoutingProblem) -> None:
        officers, leads = problem.officers, problem.leads
        profiles: dict[tuple[frozenset[str], frozenset[str]], int] = {}
        o_kind = np.array([profiles.setdefault((o.skills, o.localities), len(profiles))
                           for o in officers], dtype=np.int64)
        kinds: dict[tuple[str, str], int] = {}
        l_kind = np.array([kinds.setdefault((ld.industry, ld.village), len(kinds))
                           for ld in leads], dtype=np.int64)
        rep_o = [officers[int(np.flatnonzero(o_kind == k)[0])] for k in range(len(profiles))]
        rep_l = [leads[int(np.flatnonzero(l_kind == k)[0])] for k in range(len(kinds))]
        ok = np.array([[eligible(problem, o, ld) for ld in rep_l] for o in rep_o], dtype=bool)
        miss = np.array([[soft_mismatch(problem, o, ld) for ld in rep_l] for o in rep_o],
                        dtype=np.int8)
        self.allowed = ok.reshape(len(rep_o), len(rep_l))[o_kind][:, l_kind]
        self.mismatch = miss.reshape(len(rep_o), len(rep_l))[o_kind][:, l_kind]
        self.column = {ld.lead_id: j for j, ld in enumerate(leads)}
        m = problem.matrix
        self.start_rows = np.array([m.index[start_node_id(o.officer_id)] for o in officers],
                                   dtype=np.int64)
        self.end_rows = np.array([m.index[end_node_id(o.officer_id)] for o in officers],
                                 dtype=np.int64)
        for a in (self.allowed, self.mismatch, self.start_rows, self.end_rows):
            a.flags.writeable = False  # shared by every caller of the problem

    def columns(self, leads: Sequence[Lead]) -> np.ndarray:
        """The column of each of ``leads``."""
        return np.fromiter((self.column[ld.lead_id] for ld in leads), dtype=np.int64,
                           count=len(leads))

    def allowed_with_pins(self, problem: RoutingProblem, leads: Sequence[Lead]) -> np.ndarray:
        """``allowed`` for ``leads`` (a new array), a pinned lead allowed to its officer only
        (a manager's appointment overrides the skill and locality rules)."""
        out = self.allowed[:, self.columns(leads)].copy()
        for j, ld in enumerate(leads):
            if ld.pinned_officer_id is not None:
                out[:, j] = [o.officer_id == ld.pinned_officer_id for o in problem.officers]
        return out


_RULES: weakref.WeakKeyDictionary[RoutingProblem, RuleMatrices] = weakref.WeakKeyDictionary()


def rule_matrices(problem: RoutingProblem) -> RuleMatrices:
    """The problem's :class:`RuleMatrices`, built once per problem (read-only)."""
    cached = _RULES.get(problem)
    if cached is None:
        cached = RuleMatrices(problem)
        _RULES[problem] = cached
    return cached


_ALONE: weakref.WeakKeyDictionary[RoutingProblem, dict[str, DroppedLead | None]] = (
    weakref.WeakKeyDictionary())


def lead_alone_reasons(problem: RoutingProblem, lead: Lead) -> DroppedLead | None:
    """Why no officer could visit ``lead`` even with nothing else to do, or None if one could.

    Decided once per problem and lead (the problem is frozen): the solver asks before the
    search and again when explaining the leads left out, which on a day of 45 officers and
    4,322 candidates took 0.3 s of the time after the search.
    """
    memo = _ALONE.get(problem)
    if memo is None:
        memo = {}
        _ALONE[problem] = memo
    if lead.lead_id not in memo or problem.lead_by_id.get(lead.lead_id) is not lead:
        found = _alone_reasons(problem, lead)
        if problem.lead_by_id.get(lead.lead_id) is not lead:
            return found  # a lead changed by the caller (a test of an open window): not kept
        memo[lead.lead_id] = found
    return memo[lead.lead_id]


def _alone_reasons(problem: RoutingProblem, lead: Lead) -> DroppedLead | None:
    """:func:`lead_alone_reasons`, decided."""
    m = problem.matrix
    i = m.index[lead.lead_id]
    rules = rule_matrices(problem)
    reach = ((m.duration_s[rules.start_rows, i] < UNREACHABLE)
             & (m.duration_s[i, rules.end_rows] < UNREACHABLE))
    officers = problem.officers
    reachable = [officers[v] for v in np.flatnonzero(reach)]
    if not reachable:
        return DroppedLead(lead.lead_id, DropReason.UNREACHABLE,
                           "no road connects it with any officer's start and end")
    if problem.rules.skills == ConstraintMode.HARD and not any(o.can_serve(lead.industry)
                                                     for o in reachable):
        return DroppedLead(lead.lead_id, DropReason.NO_SKILL,
                           f"no officer working today covers {lead.industry}")
    ok = reach & rules.allowed[:, rules.column[lead.lead_id]]
    qualified = [officers[v] for v in np.flatnonzero(ok)]
    if not qualified:
        return DroppedLead(lead.lead_id, DropReason.NOT_LOCAL,
                           f"no officer working today is local to {lead.village}")
    if any(schedule_route(o, [lead], m) is not None for o in qualified):
        return None
    carriers = [o for o in qualified if o.capacity is None or o.capacity >= lead.load]
    if not carriers:
        return DroppedLead(lead.lead_id, DropReason.NO_CAPACITY,
                           f"the visit needs {lead.load} units, more than any officer carries")
    qualified = carriers
    if lead.windows:
        open_lead = replace(lead, windows=())
        if any(schedule_route(o, [open_lead], m) is not None for o in qualified):
            wins = ", ".join(str(w) for w in lead.windows)
            return DroppedLead(lead.lead_id, DropReason.WINDOW_IMPOSSIBLE,
                               f"no officer can be there during {wins} and get home in time")
    lunches = [o.lunch for o in qualified if o.lunch is not None
               and schedule_route(replace(o, lunch=None), [lead], m) is not None]
    if lunches:
        # A long visit may fit a shift but leave the lunch break no gap: before it the
        # break would start too early, after it too late (a break never splits a visit).
        return DroppedLead(lead.lead_id, DropReason.OUTSIDE_SHIFTS,
                           f"the round trip and the {lead.service_s / 60:.0f} min visit fit a "
                           f"shift only without the lunch break, which must start within "
                           f"{lunches[0].window} and cannot fall during a visit")
    return DroppedLead(lead.lead_id, DropReason.OUTSIDE_SHIFTS,
                       "the round trip from every officer's start does not fit a shift "
                       "(or the drive limit)")


class InsertionScreen:
    """Cheapest insertion of many leads into the routes of a plan, screened a route at a time.

    For each route, the detour of every lead at every position comes from one array
    operation, and positions that cannot fit are skipped without scheduling: the day's busy
    time (driving, visits, lunch) plus the detour and the visit would exceed the shift, the
    detour exceeds the drive time left (no waiting can be squeezed to make room), or the
    route's time bounds (:func:`routing.schedule.time_bounds`) rule it out — the officer
    cannot reach the lead before its last window closes, or, starting it no earlier than
    both arrival and its first window allow, cannot reach the next stop in time. A route's
    screen is recomputed only when the route changes (:meth:`replace`).
    """

    def __init__(self, problem: RoutingProblem, routes: Sequence[Route],
                 leads: Sequence[Lead]) -> None:
        self.problem = problem
        self.by_id = problem.lead_by_id
        self.officers = problem.officer_by_id
        self.routes = list(routes)
        self.leads = list(leads)
        m = problem.matrix
        self.rows = np.fromiter((m.index[ld.lead_id] for ld in leads), dtype=np.int64,
                                count=len(leads))
        self.service = np.array([ld.service_s for ld in leads], dtype=float)
        self.opens = np.array([ld.windows[0].start_s if ld.windows else -np.inf
                               for ld in leads], dtype=float)
        self.closes = np.array([max(w.end_s for w in ld.windows) if ld.windows else np.inf
                                for ld in leads], dtype=float)
        self.per_s = problem.rules.drive_cost_yuan_per_h / 3600.0
        # Screens are computed per route and block of leads, when a lead of the block is
        # first asked about: a route that takes a visit is screened again only for the
        # blocks still asked about, not against every lead left (putting back ~400 leads
        # among ~3,900 re-screened whole routes 400 times: 2.3-2.9 s).
        # A route not changed yet is screened at once against every lead from the block
        # asked about on (explaining ~3,600 leads block by block was 1.5 times slower).
        self._screens: dict[int, dict[int, tuple[int, np.ndarray, np.ndarray, np.ndarray]]] = {}
        self._changed: set[int] = set()
        self._route_parts: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, float,
                                           float | None, Any]] = {}
        # Each route's cheapest screened detour per lead (inf: no position may fit), the
        # lower bound :meth:`best` visits routes by.
        self._cheapest = np.full((len(self.routes), len(self.leads)), np.nan)
        # Which route may take which lead at all (its officer's hard rules, an appointment's
        # officer only) and which routes have a visit to spare: routes that may not are
        # never looked at. A day whose every officer had made their capped visits (45
        # officers, 3,782 leads left) asked the rules of every route for every lead.
        row = {o.officer_id: v for v, o in enumerate(problem.officers)}
        rows_of_routes = np.array([row[r.officer_id] for r in self.routes], dtype=np.int64)
        self._allowed = rule_matrices(problem).allowed_with_pins(problem, self.leads)[
            rows_of_routes] if self.routes else np.zeros((0, len(self.leads)), dtype=bool)
        self._shortest_visit_s = float(self.service.min()) if len(self.leads) else 0.0
        self._open = np.array([self._has_room(r) for r in self.routes], dtype=bool)

    def _spare_s(self, route: Route) -> float:
        """The time the route's day has to spare: its shift less driving, visits and lunch."""
        officer = self.officers[route.officer_id]
        busy = (route.drive_s + sum(self.by_id[x].service_s for x in route.lead_ids)
                + (officer.lunch.duration_s if officer.lunch is not None else 0))
        return float(officer.shift.end_s - officer.shift.start_s - busy)

    def _has_room(self, route: Route) -> bool:
        # Below its cap, and with time to spare for the shortest visit asked about: the
        # screen would refuse every position of a fuller day anyway (uncapped days of 45
        # officers: most routes full by time, each looked at for every lead explained).
        cap = self.officers[route.officer_id].max_visits
        return ((cap is None or len(route.stops) < cap)
                and self._spare_s(route) >= self._shortest_visit_s)

    def open_count(self) -> int:
        """Routes that may still take a visit: below their cap, with time for one."""
        return int(self._open.sum())

    def replace(self, k: int, route: Route) -> None:
        """Route ``k`` is now ``route``."""
        self.routes[k] = route
        self._screens.pop(k, None)
        self._changed.add(k)
        self._route_parts.pop(k, None)
        self._cheapest[k] = np.nan
        self._open[k] = self._has_room(route)

    def _parts(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float,
                                      float | None, Any]:
        """Route ``k``'s legs (from and to matrix rows), the driving each saves when a lead
        is put in it, the time its day has to spare, the driving left under its officer's
        limit (None: none) and its time bounds."""
        cached = self._route_parts.get(k)
        if cached is not None:
            return cached
        m = self.problem.matrix
        route = self.routes[k]
        officer = self.officers[route.officer_id]
        oid = route.officer_id
        nodes = [start_node_id(oid), *route.lead_ids, end_node_id(oid)]
        idx = np.fromiter((m.index[n] for n in nodes), dtype=np.int64, count=len(nodes))
        a, b = idx[:-1], idx[1:]
        # An idle officer does not drive at all: the whole round trip is added, not a detour.
        saved = m.duration_s[a, b].astype(float) if route.stops else np.zeros(len(a))
        spare = self._spare_s(route)
        drive_left = (None if officer.max_drive_s is None
                      else float(officer.max_drive_s - route.drive_s))
        bounds = time_bounds(officer, [self.by_id[x] for x in route.lead_ids], m)
        parts = (a, b, saved, spare, drive_left, bounds)
        self._route_parts[k] = parts
        return parts

    def _screen(self, k: int, j: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """Route ``k``'s screen of leads from ``lo`` on, lead ``j`` among them: ``lo``, the
        detours (positions × leads, seconds), which of them may fit, and each lead's
        cheapest detour that may fit (inf where none may)."""
        blocks = self._screens.setdefault(k, {})
        blk = j // _SCREEN_BLOCK
        cached = blocks.get(blk)
        if cached is not None:
            return cached
        lo = blk * _SCREEN_BLOCK
        hi = lo + _SCREEN_BLOCK if k in self._changed else len(self.leads)
        a, b, saved, spare, drive_left, bounds = self._parts(k)
        cols = slice(lo, hi)
        rows, service = self.rows[cols], self.service[cols]
        dur = self.problem.matrix.duration_s
        to_lead = dur[np.ix_(a, rows)].astype(float)
        from_lead = dur[np.ix_(rows, b)].T.astype(float)
        detour = to_lead + from_lead - saved[:, None]
        ok = (detour <= (spare - service)[None, :]) & (detour < UNREACHABLE)
        if drive_left is not None:
            ok &= detour <= drive_left
        if bounds is not None:
            departure, latest = bounds
            arrive = departure[:, None] + to_lead
            start = np.maximum(arrive, self.opens[cols][None, :])
            ok &= (arrive <= self.closes[cols][None, :]) & (
                start + service[None, :] + from_lead <= latest[:, None])
        cheapest = np.where(ok, detour, np.inf).min(axis=0, initial=np.inf)
        screen = (lo, detour, ok, cheapest)
        for covered in range(blk, -(-min(hi, len(self.leads)) // _SCREEN_BLOCK)):
            blocks[covered] = screen
        self._cheapest[k, cols] = cheapest
        return screen

    def positions(self, k: int, j: int) -> list[tuple[float, int]]:
        """Positions in route ``k`` that may fit lead ``j``, by added driving (at most
        :data:`MAX_POSITIONS_TESTED`): ``(detour_s, position)``."""
        lo, detour, ok, cheapest = self._screen(k, j)
        i = j - lo
        if not np.isfinite(cheapest[i]):
            return []
        cand = np.flatnonzero(ok[:, i])
        order = cand[np.argsort(detour[cand, i], kind="stable")][:MAX_POSITIONS_TESTED]
        return [(float(detour[p, i]), int(p)) for p in order]

    def best(self, j: int, max_cost: float = float("inf")) -> tuple[float, int, Route] | None:
        """Cheapest feasible insertion of lead ``j`` costing less than ``max_cost``:
        ``(cost in yuan, route index, new route)`` or None (ties: the first route)."""
        problem, by_id = self.problem, self.by_id
        lead = self.leads[j]
        # Only routes whose officer may take the lead (an appointment outranks the rules:
        # RuleMatrices.allowed_with_pins) and whose day is not full are looked at.
        may = self._allowed[:, j] & self._open
        if not may.any():
            return None
        for stale in np.flatnonzero(may & np.isnan(self._cheapest[:, j])):
            self._screen(int(stale), j)
        # Routes by their cheapest screened detour, a lower bound on their insertion cost
        # (preferences only add): once it passes the best found, no later route can win.
        # On a day of 100 officers nearly every route is skipped unlooked-at.
        bound = np.where(may, self._cheapest[:, j], np.inf) * self.per_s
        best: tuple[float, int, Route] | None = None
        for k in np.argsort(bound, kind="stable").tolist():
            limit = max_cost if best is None else min(best[0], max_cost)
            if not bound[k] < limit and not (best is not None and bound[k] == best[0]
                                              and k < best[1]):
                break
            r = self.routes[k]
            o = self.officers[r.officer_id]
            if o.capacity is not None and (
                    sum(by_id[x].load for x in r.lead_ids) + lead.load > o.capacity):
                continue  # nothing left to carry for it
            penalty = problem.rules.soft_penalty_yuan * soft_mismatch(problem, o, lead)
            seq = [by_id[x] for x in r.lead_ids]
            for detour_s, pos in self.positions(k, j):
                cost = detour_s * self.per_s + penalty
                if cost > limit or (cost == limit and (best is None or k > best[1])):
                    break  # positions come cheapest first: the rest cost more
                new = schedule_route(o, [*seq[:pos], lead, *seq[pos:]], problem.matrix)
                if new is not None:
                    best = (cost, k, new)
                    break
        return best


def explain_drops(problem: RoutingProblem, routes: Sequence[Route], left: Sequence[Lead],
                  balanced: Mapping[str, str] | None = None,
                  not_reached: Collection[str] = frozenset(),
                  deadline_s: float | None = None) -> tuple[DroppedLead, ...]:
    """A reason for every lead in ``left`` given the final ``routes``.

    Parameters
    ----------
    problem : RoutingProblem
    routes : sequence of Route
        The plan's routes.
    left : sequence of Lead
        Leads not visited (and not already done).
    balanced : mapping lead_id -> officer_id, optional
        When the routes were balanced (:func:`routing.balance.balance_routes`): the leads
        the balance took out of a day, each with the officer whose day it was. Those, and
        leads whose visit would pay on the balanced routes, are left for the balance
        (:attr:`DropReason.BALANCE`), not "not worth the detour": the balance, not their
        value, keeps them out. None: the routes were not balanced.
    not_reached : collection of str, optional
        Leads the put-back pass (:func:`put_back`) did not look at before its deadline:
        one whose visit would pay is left out for the time limit
        (:attr:`DropReason.TIME_LIMIT`), unless on balanced routes its visit lengthens a
        working day (the pass after a balance would not have put it back: left for the
        balance); the others get the reason they would have had.
    deadline_s : float, optional
        A ``time.perf_counter()`` instant after which a lead of ``not_reached`` is not
        looked at either: it is left out for the time limit, with no insertion to tell of
        (on a day whose search was cut short, a cheapest insertion for each of ~4,000 leads
        took seconds).

    Returns
    -------
    tuple of DroppedLead
    """
    out = []
    screen = InsertionScreen(problem, routes, left)
    for j, lead in enumerate(left):
        if (lead.lead_id in not_reached and deadline_s is not None
                and time.perf_counter() >= deadline_s):
            out.append(DroppedLead(lead.lead_id, DropReason.TIME_LIMIT,
                                   "not looked at before the time limit"))
            continue
        taken_from = None if balanced is None else balanced.get(lead.lead_id)
        if taken_from is not None:
            out.append(DroppedLead(lead.lead_id, DropReason.BALANCE,
                                   f"taken out of {taken_from}'s working day to even out the "
                                   "officers' hours"))
            continue
        alone = lead_alone_reasons(problem, lead)
        if alone is not None:
            out.append(alone)
            continue
        best = screen.best(j)
        if best is None:
            out.append(DroppedLead(lead.lead_id, DropReason.NO_CAPACITY,
                                   "every qualified officer's day is full (shift, lunch, "
                                   "drive or visit limits)"))
            continue
        cost, k, grown = best
        who = routes[k].officer_id
        fit = (f"{who}'s route, costs ¥{cost:,.0f} in driving and preferences for "
               f"¥{lead.value_yuan:,.0f} of expected value")
        # After a balance the pass that did not reach it puts back only visits that add no
        # working time: one that lengthens the day was kept out by the balance, not the clock.
        lengthens = balanced is not None and lead.pinned_officer_id is None and (
            grown.end_s - grown.start_s > routes[k].end_s - routes[k].start_s)
        if lead.lead_id in not_reached and not lengthens and (
                cost < lead.value_yuan or lead.pinned_officer_id is not None):
            out.append(DroppedLead(lead.lead_id, DropReason.TIME_LIMIT,
                                   f"would pay on {fit}, but the time limit came before it "
                                   "was put back"))
        elif balanced is not None and cost < lead.value_yuan:
            # It pays, but every visit still out lengthens a working day: the insertion pass
            # after balancing only adds visits that cost no time.
            out.append(DroppedLead(lead.lead_id, DropReason.BALANCE,
                                   f"would pay on {fit}, but would lengthen a working day "
                                   "the balance evened out"))
        else:
            out.append(DroppedLead(lead.lead_id, DropReason.NOT_WORTH_DETOUR,
                                   f"cheapest fit: {fit}", round(cost, 2)))
    return tuple(out)
