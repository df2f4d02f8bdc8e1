"""Initial routes for the search: greedy insertion by value per minute of the day.

An officer's day is bounded by time, so the first plan is built the way a planner
would fill a diary: repeatedly insert the lead whose cheapest feasible insertion
gives the most value, net of driving, per second of the day it uses (detour plus
visit). Appointments go in first. OR-Tools then improves these routes instead of
starting from its own first solution, which on prize-collecting days of a few
hundred leads collects far less and spends seconds recovering.

Feasibility is screened for all leads and positions at once with forward departure
and backward latest-arrival times, exact for every window and for lunch where the route
has it now (an insertion that fits only by moving lunch past another visit is not
tried), and the chosen insertion is confirmed by :func:`routing.schedule.schedule_route`,
the checker's own timing rules, before it is kept. A screen that let through what the
confirmation refused cost twice: the lead was kept from that officer until the day
changed, although another position would have taken it; and on 45 uncapped officers
over 4,322 leads one construction took 14 s instead of 3, confirming ~84,000 insertions
that failed.
No solver import here.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from geo.types import UNREACHABLE
from routing.plan import Route
from routing.problem import Lead, Officer, RoutingProblem, end_node_id, start_node_id
from routing.reasons import rule_matrices
from routing.schedule import schedule_route

__all__ = ["greedy_routes"]

_BIG = float(UNREACHABLE)



def _window_table(leads: Sequence[Lead]) -> tuple[np.ndarray, np.ndarray]:
    """Each lead's windows as rows of starts and ends (leads × most windows); a lead with
    fewer windows is padded with windows that never open (start infinite, end its last
    end, so the last column's end is every lead's last end), one with none has the whole
    day."""
    k = max((len(ld.windows) for ld in leads), default=0)
    early = np.full((len(leads), max(k, 1)), np.inf)
    late = np.full((len(leads), max(k, 1)), np.inf)
    for i, ld in enumerate(leads):
        starts = [float(w.start_s) for w in ld.windows] or [0.0]
        ends = [float(w.end_s) for w in ld.windows] or [1e9]
        early[i, :len(starts)] = starts
        late[i, :len(ends)] = ends
        late[i, len(ends):] = ends[-1]  # the last column holds the last end
    return early, late


def _window_start(arrival: np.ndarray, early: np.ndarray, late: np.ndarray) -> np.ndarray:
    """Earliest start of each lead (columns) on arrival at ``arrival`` (positions × leads)
    in the first window still open, as :func:`routing.schedule.earliest_start`; infinite
    when every window has closed. A lead with two windows arriving in the gap between them
    waits for the second, which the screen would otherwise take for a start on arrival
    (45 officers, 1,157 of 4,322 leads with a morning and an afternoon window)."""
    start = np.full(arrival.shape, np.inf)
    for j in range(early.shape[1] - 1, -1, -1):
        # the first open window wins: walk from the last, each earlier one overwriting
        open_ = arrival <= late[None, :, j]
        start = np.where(open_, np.maximum(arrival, early[None, :, j]), start)
    return start


class _Day:
    """One officer's route while it is being built (mutable scratch, not a result)."""

    def __init__(self, officer: Officer, start_row: int, end_row: int) -> None:
        self.officer = officer
        self.start_row = start_row
        self.end_row = end_row
        self.seq: list[int] = []
        self.route: Route | None = None
        self.rows = np.array([start_row, end_row])
        self.dep = np.array([float(officer.shift.start_s)])
        self.latest = np.array([float(officer.shift.end_s)])
        self.lunch_gap: int | None = None
        self.latest_without_lunch = float(officer.shift.end_s)
        self.drive_s = 0.0
        self.load = 0

    def update(self, route: Route, seq: list[int], lead_rows: np.ndarray,
               dur: np.ndarray, service: np.ndarray, early: np.ndarray,
               late: np.ndarray) -> None:
        """Take ``route`` (the schedule of ``seq``) as the officer's current day."""
        self.seq, self.route = seq, route
        self.rows = np.array([self.start_row, *lead_rows[seq], self.end_row])
        self.dep = np.array([float(route.start_s), *(s.departure_s for s in route.stops)])
        # Latest arrival at each stop (and at the end) that keeps every later visit and the
        # shift end: the room an insertion before it may use. A stop whose latest start
        # falls in the gap between two windows must be reached before the earlier one
        # closes: arriving later, it waits for the next, past its latest start.
        n = len(seq)
        lunch = self.officer.lunch
        # Lunch is eaten on arrival at the stop (or the end) of this gap, before its visit.
        self.lunch_gap = None if route.lunch is None or lunch is None else sum(
            s.start_s < route.lunch.start_s for s in route.stops)
        latest = np.empty(n + 1)
        latest[n] = self.officer.shift.end_s
        for k in range(n, -1, -1):
            if k < n:
                i = seq[k]
                nxt = self.rows[k + 2]
                start_s = latest[k + 1] - service[i] - dur[lead_rows[i], nxt]
                opened = early[i] <= start_s
                latest[k] = (np.minimum(late[i][opened], start_s).max() if opened.any()
                             else -np.inf)
            if k == self.lunch_gap and lunch is not None:
                # arriving later, lunch would start after its window or delay the visit
                self.latest_without_lunch = float(latest[k])
                latest[k] = min(lunch.window.end_s, latest[k] - lunch.duration_s)
        self.latest = latest
        self.drive_s = float(route.drive_s)


def greedy_routes(problem: RoutingProblem, candidates: Sequence[Lead],
                  time_limit_s: float = 5.0, value_exponent: float = 1.0,
                  wait_weight: float = 1.0) -> list[list[str]]:
    """Greedy routes over ``candidates``: visit orders (lead ids), one per officer.

    Parameters
    ----------
    problem : RoutingProblem
        Officers, travel matrix and rules (the leads are taken from ``candidates``).
    candidates : sequence of Lead
        Leads that may be inserted; appointments among them are inserted first.
    time_limit_s : float
        Stop inserting after this long (the routes so far are returned).
    value_exponent : float
        Insertions are ranked by ``net value ** value_exponent / seconds used``: above 1
        favours valuable leads over cheap ones.
    wait_weight : float
        Weight of waiting for a window to open, in the position chosen and the seconds
        used: an hour spent waiting is an hour of the day gone.

    Returns
    -------
    list of list of str
        Every order is feasible under :func:`routing.schedule.schedule_route`.
    """
    t_end = time.perf_counter() + time_limit_s
    officers = problem.officers
    m = problem.matrix
    n = len(candidates)
    if n == 0:
        return [[] for _ in officers]
    lead_rows = np.fromiter((m.index[ld.lead_id] for ld in candidates), dtype=np.int64,
                            count=n)
    # Integer seconds as they are: no float copy of the county's whole matrix per call.
    dur = m.duration_s
    service = np.array([ld.service_s for ld in candidates], dtype=float)
    early, late = _window_table(candidates)
    value = np.array([ld.value_yuan for ld in candidates])
    load = np.array([ld.load for ld in candidates], dtype=np.int64)
    per_s = problem.rules.drive_cost_yuan_per_h / 3600.0
    pinned = np.array([ld.pinned_officer_id is not None for ld in candidates])
    has_position = np.array([ld.pinned_position is not None for ld in candidates])
    position = np.array([-1 if ld.pinned_position is None else ld.pinned_position
                         for ld in candidates])
    days = [_Day(o, m.index[start_node_id(o.officer_id)], m.index[end_node_id(o.officer_id)])
            for o in officers]
    rules = rule_matrices(problem)
    cols = rules.columns(candidates)
    allowed = rules.allowed_with_pins(problem, candidates)
    gain = value[None, :] - problem.rules.soft_penalty_yuan * rules.mismatch[:, cols]
    free = np.ones(n, dtype=bool)
    # Best insertion per (officer, lead): score, position; recomputed for a changed day only.
    score = np.full((len(officers), n), -np.inf)
    best_pos = np.zeros((len(officers), n), dtype=np.int64)

    def evaluate(v: int) -> None:
        d = days[v]
        o = d.officer
        a, b = d.rows[:-1], d.rows[1:]
        cols = lead_rows
        to = dur[np.ix_(a, cols)]                         # positions × leads
        back = dur[np.ix_(cols, b)].T                     # positions × leads
        detour = to + back - dur[a, b][:, None]
        arrival = d.dep[:, None] + to
        start = _window_start(arrival, early, late)
        wait = start - arrival
        fits = np.isfinite(start) & (start + service[None, :] + back <= d.latest[:, None])
        if d.lunch_gap is not None and o.lunch is not None:
            # In the lunch's gap the new visit may also come after lunch (eaten on arrival
            # there): the day after it then keeps the room it had with lunch behind it.
            k, lw = d.lunch_gap, o.lunch.window
            eat = np.maximum(arrival[k], lw.start_s)
            after = _window_start((eat + o.lunch.duration_s)[None, :], early, late)[0]
            fits_after = ((eat <= lw.end_s) & ~fits[k]
                          & (after + service + back[k] <= d.latest_without_lunch))
            start[k] = np.where(fits_after, after, start[k])
            # waiting for the window counts, lunch itself is owed either way
            wait[k] = np.where(fits_after, after - arrival[k] - o.lunch.duration_s, wait[k])
            fits[k] |= fits_after
        ok = fits & (to < _BIG) & (back < _BIG)
        if o.max_drive_s is not None:
            ok &= d.drive_s + detour <= o.max_drive_s
        if o.max_visits is not None and len(d.seq) >= o.max_visits:
            ok[:] = False
        if o.capacity is not None:
            ok &= (d.load + load <= o.capacity)[None, :]
        if has_position.any():
            # A stop with a pinned position keeps its index: nothing goes in before it, and
            # such an appointment goes in at its own index only.
            ok[:max((k + 1 for k, i in enumerate(d.seq) if has_position[i]), default=0)] = False
            ok[:, has_position] &= (np.arange(len(a))[:, None] == position[has_position])
        wait = np.where(ok, wait, 0.0)
        cost = np.where(ok, detour + wait_weight * wait, np.inf)
        pos = cost.argmin(axis=0)
        det = detour[pos, np.arange(n)]
        det = np.where(np.isfinite(cost[pos, np.arange(n)]), det, np.inf)
        net = gain[v] - per_s * det
        used = det + service + wait_weight * wait[pos, np.arange(n)]
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.where(np.isfinite(det) & (net > 0) & allowed[v] & free,
                         net ** value_exponent / np.maximum(used, 1.0), -np.inf)
        # Appointments first, whatever they cost.
        s = np.where(pinned & allowed[v] & free & np.isfinite(det), np.inf, s)
        score[v], best_pos[v] = s, pos

    for v in range(len(officers)):
        evaluate(v)
    while time.perf_counter() < t_end:
        flat = int(np.argmax(score))
        v, i = divmod(flat, n)
        if score[v, i] == -np.inf:
            break
        d = days[v]
        seq = [*d.seq[:best_pos[v, i]], i, *d.seq[best_pos[v, i]:]]
        route = schedule_route(d.officer, [candidates[k] for k in seq], m)
        if route is None:
            # The screen ignores lunch and inner window gaps; this day cannot take the lead
            # where it looked cheapest: leave the pair out until the day changes.
            score[v, i] = -np.inf
            continue
        d.update(route, seq, lead_rows, dur, service, early, late)
        d.load += int(load[i])
        free[i] = False
        score[:, i] = -np.inf
        evaluate(v)
    return [[candidates[k].lead_id for k in d.seq] for d in days]
