"""Workload balance: even out the team's working hours at a bounded cost in value.

The search maximises value; nothing in it cares whether one officer works nine hours
and another six. :func:`balance_routes` takes the searched routes and moves visits
between the longest and the shortest working days (relocate, swap, trade a visit for an
unvisited lead nearer home, add an unvisited lead to a short day, leave a visit out of
a long day) while the plan's value (value − driving − soft penalties) stays above
``(1 − rules.balance)`` of what the search found. Every move is timed by
:func:`routing.schedule.schedule_route`, so every route it returns is feasible.

Days within :data:`_EVEN_S` of each other are left as they are. A move is kept when it
narrows the spread (longest − shortest working day, then the sum
of squared deviations from the mean); each round takes the move that costs the least value
per second of spread narrowed, counting the round itself at its share of the value budget
(then the narrowest spread), so the
result depends on the inputs only (no clock decides a move, only whether another round
starts). :func:`spread` reports the spread that the plan's ``meta`` carries.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from routing.plan import Route
from routing.problem import Lead, Officer, RoutingProblem, end_node_id, start_node_id
from routing.put_back import put_back
from routing.reasons import eligible, soft_mismatch
from routing.schedule import schedule_route

__all__ = ["add_free_visits", "balance_routes", "spread"]

#: Nearest visited leads of other routes tried as swap partners of a visit, and nearest
#: unvisited leads tried as trades or additions: bounds a round to a few thousand timings.
_PARTNERS = 8
_UNVISITED = 12
#: Other officers a visit of the longest day may move to (the routes running nearest it):
#: on a team of a hundred, trying every officer made a round cost tens of seconds.
_NEAR_ROUTES = 6
#: Rounds at most (each takes one move); a move must narrow the spread by this many seconds.
_MAX_ROUNDS = 60
_MIN_GAIN_S = 30.0
#: Days within this of each other are even already: balancing them further would cost
#: value for minutes nobody notices (and would disturb small days the search got right).
_EVEN_S = 1800


def _hours_s(r: Route) -> int:
    return r.end_s - r.start_s if r.stops else 0


def spread(routes: Sequence[Route]) -> dict[str, Any]:
    """Working hours and value per officer, and the spread over officers with visits.

    Returns
    -------
    dict
        ``hours_max``, ``hours_min``, ``hours_ratio`` (max/min, 1.0 when fewer than two
        officers are out), ``hours_per_officer`` and ``value_per_officer_yuan``
        (officer id -> figure), ``officers_out``.
    """
    busy = [_hours_s(r) / 3600.0 for r in routes if r.stops]
    hi, lo = (max(busy), min(busy)) if busy else (0.0, 0.0)
    return {
        "hours_max": round(hi, 3), "hours_min": round(lo, 3),
        "hours_ratio": round(hi / lo, 4) if len(busy) >= 2 and lo > 0 else 1.0,
        "officers_out": len(busy),
        "hours_per_officer": {r.officer_id: round(_hours_s(r) / 3600.0, 3) for r in routes},
        "value_per_officer_yuan": {r.officer_id: round(r.value_yuan, 2) for r in routes},
    }


class _Day:
    """Routes under balancing: their lead sequences, timings and plan value."""

    def __init__(self, problem: RoutingProblem, routes: Sequence[Route],
                 left: Sequence[Lead]) -> None:
        self.problem = problem
        self.by_id = problem.lead_by_id
        self.officers = {o.officer_id: o for o in problem.officers}
        self.routes = list(routes)
        self.left = list(left)
        self.drive_yuan_per_s = problem.rules.drive_cost_yuan_per_h / 3600.0
        m = problem.matrix
        self.m = m
        # Timings by officer and visit order: a round changes one or two routes, and the
        # next round tries most of the same insertions again.
        self._timed: dict[tuple[str, tuple[str, ...]], Route | None] = {}

    def timed(self, officer: Officer, seq: Sequence[Lead]) -> Route | None:
        """:func:`schedule_route`, remembered for this balancing."""
        key = (officer.officer_id, tuple(x.lead_id for x in seq))
        if key not in self._timed:
            self._timed[key] = schedule_route(officer, seq, self.m)
        return self._timed[key]

    def seq(self, k: int) -> list[Lead]:
        return [self.by_id[s.lead_id] for s in self.routes[k].stops]

    def route_value(self, k: int, r: Route) -> float:
        o = self.officers[r.officer_id]
        soft = sum(soft_mismatch(self.problem, o, self.by_id[s.lead_id]) for s in r.stops)
        return (r.value_yuan - self.drive_yuan_per_s * r.drive_s
                - self.problem.rules.soft_penalty_yuan * soft)

    def value(self) -> float:
        return sum(self.route_value(k, r) for k, r in enumerate(self.routes))

    def may_take(self, k: int, lead: Lead) -> bool:
        o = self.officers[self.routes[k].officer_id]
        pin = lead.pinned_officer_id
        return (pin is None or pin == o.officer_id) and eligible(self.problem, o, lead)

    def best_insert(self, officer: Officer, seq: list[Lead], lead: Lead) -> Route | None:
        """Cheapest feasible insertion of ``lead`` (least driving), or None.

        A route drives the sum of its legs, so the positions are timed in the order of their
        detour and the first feasible one is the cheapest (the earliest position on a tie):
        usually one timing instead of one per position, which is what lets balancing run
        enough rounds in the time a plan keeps for it.
        """
        if officer.max_visits is not None and len(seq) >= officer.max_visits:
            return None
        if officer.capacity is not None and (
                sum(x.load for x in seq) + lead.load > officer.capacity):
            return None
        m = self.m
        oid = officer.officer_id
        nodes = np.array([m.index[start_node_id(oid)], *(m.index[x.lead_id] for x in seq),
                          m.index[end_node_id(oid)]], dtype=np.int64)
        j = m.index[lead.lead_id]
        d = m.duration_s
        a, b = nodes[:-1], nodes[1:]
        detour = d[a, j] + d[j, b] - d[a, b]
        for pos in np.argsort(detour, kind="stable").tolist():
            r = self.timed(officer, [*seq[:pos], lead, *seq[pos:]])
            if r is not None:
                return r
        return None

    def nearest(self, lead: Lead, pool: Sequence[Lead], n: int) -> list[Lead]:
        if not pool:
            return []
        m = self.m
        i = m.index[lead.lead_id]
        cols = np.fromiter((m.index[x.lead_id] for x in pool), dtype=np.int64, count=len(pool))
        d = m.duration_s[i, cols] + m.duration_s[cols, i]
        order = np.argsort(d, kind="stable")[:n]
        return [pool[j] for j in order]

    def near_route(self, k: int, pool: Sequence[Lead], n: int) -> list[Lead]:
        if not pool:
            return []
        m = self.m
        oid = self.routes[k].officer_id
        rows = np.array([m.index[start_node_id(oid)],
                         *(m.index[s.lead_id] for s in self.routes[k].stops)])
        cols = np.fromiter((m.index[x.lead_id] for x in pool), dtype=np.int64, count=len(pool))
        d = m.duration_s[np.ix_(rows, cols)].min(axis=0)
        order = np.argsort(d, kind="stable")[:n]
        return [pool[j] for j in order]


def _key(hours: Sequence[float]) -> tuple[float, float]:
    busy = [h for h in hours if h > 0]
    if len(busy) < 2:
        return (0.0, 0.0)
    mean = sum(busy) / len(busy)
    return (max(busy) - min(busy), sum((h - mean) ** 2 for h in busy))


def _moves(day: _Day, hi: int, lo: int, late: Callable[[], bool]
           ) -> list[tuple[dict[int, Route], Lead | None, Lead | None]] | None:
    """Candidate moves: new routes by position, a lead leaving the unvisited pool, one
    joining it; None when ``late()`` turns true before they are all found (the round is
    then not made: a move is only chosen among all of a round's)."""
    out: list[tuple[dict[int, Route], Lead | None, Lead | None]] = []
    n = len(day.routes)
    officer = [day.officers[r.officer_id] for r in day.routes]
    seqs = [day.seq(k) for k in range(n)]
    visited_elsewhere = {k: seqs[k] for k in range(n)}

    def without(k: int, lead: Lead) -> Route | None:
        return day.timed(officer[k], [x for x in seqs[k] if x is not lead])

    dur = day.m.duration_s
    index = day.m.index
    route_rows = [[index[start_node_id(day.routes[k].officer_id)],
                   *(index[y.lead_id] for y in seqs[k])] for k in range(n)]

    def near_routes(x: Lead, src: int) -> list[int]:
        row = dur[index[x.lead_id]]
        reach = [(int(row[route_rows[k]].min()), k) for k in range(n) if k != src]
        return sorted({k for _, k in sorted(reach)[:_NEAR_ROUTES]} | {lo} - {src})

    for src in (hi, *(k for k in range(n) if k != hi)):
        # Visits leave the longest day (to anyone) or join the shortest (from anyone).
        for x in seqs[src]:
            if late():
                return None
            if x.pinned_officer_id is not None:
                continue
            dsts = near_routes(x, src) if src == hi else [lo]
            shrunk = without(src, x)
            if shrunk is None:
                continue
            if src == hi:
                out.append(({src: shrunk}, None, x))  # leave it out
            for dst in dsts:
                if dst == src or not day.may_take(dst, x):
                    continue
                grown = day.best_insert(officer[dst], seqs[dst], x)
                if grown is not None:
                    out.append(({src: shrunk, dst: grown}, None, None))
    for a in (hi, lo):
        others = [y for k in range(n) if k != a for y in visited_elsewhere[k]
                  if y.pinned_officer_id is None]
        owner = {y.lead_id: k for k in range(n) if k != a for y in seqs[k]}
        for x in seqs[a]:
            if late():
                return None
            if x.pinned_officer_id is not None:
                continue
            base_a = [y for y in seqs[a] if y is not x]
            for y in day.nearest(x, others, _PARTNERS):
                b = owner[y.lead_id]
                if not (day.may_take(a, y) and day.may_take(b, x)):
                    continue
                ra = day.best_insert(officer[a], base_a, y)
                if ra is None:
                    continue
                rb = day.best_insert(officer[b], [z for z in seqs[b] if z is not y], x)
                if rb is not None:
                    out.append(({a: ra, b: rb}, None, None))
            # Trade a visit for an unvisited lead near this route.
            for u in day.near_route(a, day.left, _UNVISITED):
                if day.may_take(a, u):
                    r = day.best_insert(officer[a], base_a, u)
                    if r is not None:
                        out.append(({a: r}, u, x))
    for u in day.near_route(lo, day.left, _UNVISITED):
        if day.may_take(lo, u):
            r = day.best_insert(officer[lo], seqs[lo], u)
            if r is not None:
                out.append(({lo: r}, u, None))
    return out


def balance_routes(problem: RoutingProblem, routes: Sequence[Route], left: Sequence[Lead],
                   deadline: float | None = None) -> tuple[list[Route], list[Lead], float]:
    """Even out working hours across the officers who go out, within the value budget.

    Parameters
    ----------
    problem : RoutingProblem
        The day; ``rules.balance`` is the share of the plan's value the balance may cost.
    routes : sequence of Route
        Feasible routes, one per officer.
    left : sequence of Lead
        Candidates not visited (a short day may take one of them).
    deadline : float, optional
        ``time.perf_counter()`` by which the balance ends: a round starts only if the
        longest round so far would end by then, and a round still looking for its moves
        then is not made (a round on ten officers over 1,000 leads with no visit caps took
        up to 3 s, which checking the clock only between rounds overran). None: rounds are
        bounded by count only (reproducible plans).

    Returns
    -------
    (list of Route, list of Lead, float)
        The balanced routes, the leads still unvisited and the value (yuan) it cost.
    """
    day = _Day(problem, routes, left)
    start_value = day.value()
    gross = sum(r.value_yuan for r in routes)
    floor = start_value - problem.rules.balance * gross
    # A round is priced at its share of the value budget: rounds are what the clock bounds
    # (~60 ms each on the demo), and at no price free moves of a minute or two took the
    # rounds a move of an hour needed; the demo day's plan then ended at 1.11-1.16 : 1.
    round_yuan = problem.rules.balance * gross / _MAX_ROUNDS
    longest_s = 0.0

    def late() -> bool:
        return deadline is not None and time.perf_counter() >= deadline

    for _ in range(_MAX_ROUNDS):
        began = time.perf_counter()
        if deadline is not None and began + longest_s >= deadline:
            break
        hours = [_hours_s(r) for r in day.routes]
        busy = [k for k, h in enumerate(hours) if h > 0]
        if len(busy) < 2:
            break
        hi = max(busy, key=lambda k: hours[k])
        lo = min(busy, key=lambda k: hours[k])
        now = _key(hours)
        if now[0] <= _EVEN_S:
            break
        value_now = day.value()
        best: tuple[tuple[float, ...], dict[int, Route], Lead | None,
                    Lead | None] | None = None
        moves = _moves(day, hi, lo, late)
        if moves is None:
            break
        for changed, taken, freed in moves:
            trial = list(hours)
            for k, r in changed.items():
                trial[k] = _hours_s(r)
            if sum(1 for h in trial if h > 0) < len(busy):
                continue  # balancing never sends an officer home
            key = _key(trial)
            if key[0] > now[0] - _MIN_GAIN_S and not (key[0] <= now[0] and key[1] < now[1]):
                continue
            value = value_now + sum(day.route_value(k, r) - day.route_value(k, day.routes[k])
                                    for k, r in changed.items())
            if value < floor:
                continue
            # Cheapest per second of spread narrowed first, the round's price included:
            # taking the narrowest spread at any price spent up to 1.9 % of the demo's value
            # where cheaper moves reached the same evenness for 0.02 %.
            gain = max(now[0] - key[0], _MIN_GAIN_S)
            rank = ((max(value_now - value, 0.0) + round_yuan) / gain, key[0], key[1], -value)
            if best is None or rank < best[0]:
                best = (rank, changed, taken, freed)
        if best is None:
            break
        _, changed, taken, freed = best
        for k, r in changed.items():
            day.routes[k] = r
        if taken is not None:
            day.left = [x for x in day.left if x is not taken]
        if freed is not None:
            day.left.append(freed)
        longest_s = max(longest_s, time.perf_counter() - began)
    return day.routes, day.left, start_value - day.value()


def add_free_visits(problem: RoutingProblem, routes: list[Route], left: list[Lead],
                    deadline_s: float | None = None,
                    keep_s_per_left: Callable[[int], float] | None = None
                    ) -> tuple[list[Route], list[Lead], frozenset[str]]:
    """Put back left-out leads whose insertion pays and adds no working time to any day.

    Balancing may trade a visit out of a day for another that evens the hours; a visit that
    costs no time (next door, no service) then has no reason to stay out.

    Parameters
    ----------
    problem : RoutingProblem
    routes, left : list
        The balanced routes and the leads left out.
    deadline_s : float, optional
        When to stop looking (``time.perf_counter()``, see :func:`routing.put_back.put_back`).
    keep_s_per_left : callable, optional
        Seconds kept before ``deadline_s`` per lead looked at and left out (its
        explanation): :func:`routing.put_back.put_back`'s parameter.

    Returns
    -------
    (list of Route, list of Lead, frozenset of str)
        The routes, the leads still left out, and those of them not looked at in time.
    """
    done = put_back(problem, routes, left, deadline_s, keep_s_per_left)
    kept: list[Route] = []
    for old, r in zip(routes, done.routes, strict=True):
        same_hours = r.end_s - r.start_s == old.end_s - old.start_s and bool(old.stops)
        kept.append(r if same_hours else old)
    visited = {x for r in kept for x in r.lead_ids}
    return kept, [ld for ld in left if ld.lead_id not in visited], done.not_reached
