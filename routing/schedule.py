"""Timelines of routes: exact earliest-start scheduling under the checker's rules.

Given an officer and an ordered list of visits, :func:`schedule_route` computes
the earliest feasible timeline (start each visit as soon as the officer is there and a
window is open) with the lunch break, when the day owes it
(:meth:`~routing.problem.Officer.owes_lunch`), placed in the gap that brings the officer
home earliest; the officer then leaves no earlier than needed: as late as the waiting on
the way allows without coming home later. It is the one implementation of
route timing in the package: the solver turns every visit order into a
:class:`~routing.plan.Route` with it, the greedy construction confirms each insertion
with it, and the drop-reason analysis tests insertions with it. The checker does not
time routes: it verifies the times a plan states. No solver import here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from geo.types import UNREACHABLE, TravelMatrix
from routing.plan import BreakTaken, Route, Stop
from routing.problem import Lead, Officer, TimeWindow, end_node_id, start_node_id

__all__ = ["earliest_start", "schedule_route", "time_bounds"]


def earliest_start(t_s: int, windows: Sequence[TimeWindow]) -> int | None:
    """Earliest service start at or after ``t_s`` inside one of ``windows``.

    Parameters
    ----------
    t_s : int
        Arrival time.
    windows : sequence of TimeWindow
        Sorted windows; empty means "any time".

    Returns
    -------
    int or None
        The start time, or None when every window has closed.
    """
    if not windows:
        return t_s
    for w in windows:
        if t_s <= w.end_s:
            return max(t_s, w.start_s)
    return None


def _legs(matrix: TravelMatrix, nodes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    idx = np.fromiter((matrix.index[n] for n in nodes), dtype=np.int64, count=len(nodes))
    return matrix.duration_s[idx[:-1], idx[1:]], matrix.distance_m[idx[:-1], idx[1:]]


def _forward(officer: Officer, leads: Sequence[Lead], dur: np.ndarray,
             lunch_gap: int | None) -> tuple[list[tuple[int, int, int]], int, int | None] | None:
    """Earliest timeline with lunch in gap ``lunch_gap`` (None: no lunch).

    Returns ``(stops as (arrival, start, departure), end time, lunch start)`` or
    None when a window, the shift or the lunch window cannot be met.
    """
    t = officer.shift.start_s
    lunch = officer.lunch
    lunch_start: int | None = None
    out: list[tuple[int, int, int]] = []
    n = len(leads)
    for k in range(n + 1):
        leg = int(dur[k])
        if leg >= UNREACHABLE:
            return None
        arrival = t + leg
        ready = arrival
        if lunch_gap == k and lunch is not None:
            # Drive first, then eat on arrival (while waiting for the window if need be):
            # never later than eating before the drive.
            ls = max(arrival, lunch.window.start_s)
            if ls > lunch.window.end_s:
                return None
            lunch_start = ls
            ready = ls + lunch.duration_s
        if k == n:
            end = ready
            if end > officer.shift.end_s:
                return None
            return out, end, lunch_start
        ld = leads[k]
        start = earliest_start(ready, ld.windows)
        if start is None:
            return None
        dep = start + ld.service_s
        out.append((arrival, start, dep))
        t = dep
    return None  # pragma: no cover - the loop always returns


def schedule_route(officer: Officer, leads: Sequence[Lead], matrix: TravelMatrix) -> Route | None:
    """The earliest feasible :class:`Route` visiting ``leads`` in order, or None.

    Checks every rule of :mod:`routing.checker` that depends on timing, limits and
    order: windows, shift, lunch, maximum drive time, number of visits, capacity and the
    stop of an appointment of this officer with a pinned position. Skills and locality are
    the caller's business.

    Parameters
    ----------
    officer : Officer
    leads : sequence of Lead
        Visits in order.
    matrix : TravelMatrix
        Contains the officer's start/end nodes and the leads.

    Returns
    -------
    Route or None
    """
    oid = officer.officer_id
    if not leads:
        return Route(oid, (), officer.shift.start_s, officer.shift.start_s, 0, 0, 0.0)
    if officer.max_visits is not None and len(leads) > officer.max_visits:
        return None
    if officer.capacity is not None and sum(ld.load for ld in leads) > officer.capacity:
        return None
    at = [ld.pinned_position for ld in leads]
    if at.count(None) < len(at) and any(
            k is not None and k != i and ld.pinned_officer_id == oid
            for i, (k, ld) in enumerate(zip(at, leads, strict=True))):
        return None
    nodes = [start_node_id(oid), *(ld.lead_id for ld in leads), end_node_id(oid)]
    dur, dist = _legs(matrix, nodes)
    drive = int(dur.sum())
    if officer.max_drive_s is not None and drive > officer.max_drive_s:
        return None
    # Lunch only delays: when the day fails without it, it fails with lunch in any gap; and a
    # gap the lunch-free day reaches after the lunch window has closed cannot take it (nor
    # can any later gap). Both cuts give the same route as trying every gap, in less time.
    best = _forward(officer, leads, dur, None)
    if best is None:
        return None
    gap_taken: int | None = None
    idle = _idle(officer, leads, dur, best, None)
    if officer.lunch is not None and officer.owes_lunch(officer.shift.start_s + idle.delay_s,
                                                       best[1]):
        reach = [a for a, _, _ in best[0]] + [best[1]]
        chosen: _Timeline | None = None
        chosen_idle: _Idle | None = None  # read only once another gap ties with it
        for gap in range(len(leads) + 1):
            if reach[gap] > officer.lunch.window.end_s:
                break
            res = _forward(officer, leads, dur, gap)
            # Lunch in the gap that brings the officer home earliest: eating while waiting for
            # a window to open costs nothing, eating early pushes every later visit back. Of
            # gaps as good, the one that lets the officer leave latest.
            if res is None or (chosen is not None and res[1] > chosen[1]):
                continue
            if chosen is None or res[1] < chosen[1]:
                chosen, gap_taken, chosen_idle = res, gap, None
                continue
            if chosen_idle is None:
                chosen_idle = _idle(officer, leads, dur, chosen, gap_taken)
            tied = _idle(officer, leads, dur, res, gap)
            if tied.delay_s > chosen_idle.delay_s:
                chosen, gap_taken, chosen_idle = res, gap, tied
        if chosen is None:
            return None
        best = chosen
        idle = chosen_idle or _idle(officer, leads, dur, best, gap_taken)
    times, end, lunch_start = best
    late = idle.delay_s
    stops = [Stop(ld.lead_id, arr + max(0, late - w_arr), st + max(0, late - w_st),
                  dep + max(0, late - w_st), int(dur[i]), int(dist[i]))
             for i, (ld, (arr, st, dep), (w_arr, w_st)) in enumerate(
                 zip(leads, times, idle.stops_s, strict=True))]
    value = float(sum(ld.value_yuan for ld in leads))
    lunch = None if lunch_start is None or officer.lunch is None else BreakTaken(
        lunch_start + max(0, late - idle.lunch_s), officer.lunch.duration_s)
    return Route(oid, tuple(stops), officer.shift.start_s + late, end, drive,
                 int(dist.sum()), value, int(dur[-1]), int(dist[-1]), lunch)


#: An earliest timeline: stops as (arrival, start, departure), the end, the lunch's start.
_Timeline = tuple[list[tuple[int, int, int]], int, int | None]


class _Idle(NamedTuple):
    #: Per stop, the officer's waiting so far on arriving and on starting the visit.
    stops_s: list[tuple[int, int]]
    #: The waiting so far when lunch starts (0 without lunch).
    lunch_s: int
    #: How much later than the shift's start the officer may leave, back at the same time.
    delay_s: int


def _idle(officer: Officer, leads: Sequence[Lead], dur: np.ndarray, timeline: _Timeline,
          gap: int | None) -> _Idle:
    """The waiting in an earliest timeline (a window not yet open, lunch not yet allowed)
    and how much of it a later departure absorbs.

    No earlier than needed: an officer whose second visit is a 09:00 appointment leaves
    late enough to arrive at 09:00 (not at 08:00 to wait there), as far as no visit or lunch
    is pushed past its window's close. Leaving ``d`` seconds late moves each later event by
    what the waiting before it has not absorbed, ``max(0, d - waited)``; the end does not
    move, so the day is shorter by ``d``.
    """
    times, end, lunch_start = timeline
    lunch = officer.lunch
    most = end  # no bound yet: no day waits this long
    waited = 0
    waited_at_lunch = 0
    out = []
    for k, ((arr, st, _), ld) in enumerate(zip(times, leads, strict=True)):
        on_arrival = waited
        ready = arr
        if gap == k and lunch_start is not None and lunch is not None:
            waited += lunch_start - arr
            waited_at_lunch = waited
            most = min(most, waited + lunch.window.end_s - lunch_start)
            ready = lunch_start + lunch.duration_s
        waited += st - ready
        out.append((on_arrival, waited))
        if ld.windows:
            close = next(w.end_s for w in ld.windows if w.contains(st))
            most = min(most, waited + close - st)
    if gap == len(times) and lunch_start is not None and lunch is not None:
        waited += lunch_start - (times[-1][2] + int(dur[-1]))
        waited_at_lunch = waited
        most = min(most, waited + lunch.window.end_s - lunch_start)
    return _Idle(out, waited_at_lunch, max(0, min(most, waited)))


def time_bounds(officer: Officer, leads: Sequence[Lead], matrix: TravelMatrix
                ) -> tuple[np.ndarray, np.ndarray] | None:
    """Bounds on the times of any feasible timeline of the officer's day through ``leads``.

    The earliest departure from each node (start, then each visit) and the latest arrival
    at each node (each visit, then the end) that can still finish the day: bounds that
    hold whatever is inserted *between* the nodes, so an insertion that breaks them cannot
    be scheduled. Lunch only delays (see :func:`schedule_route`), so the lunch-free
    timeline bounds departures from below; latest arrivals come back from the shift's end
    through each visit's last window close, its service and the drive to the next node.

    Parameters
    ----------
    officer : Officer
    leads : sequence of Lead
        Visits in order.
    matrix : TravelMatrix

    Returns
    -------
    (earliest_departure_s, latest_arrival_s) or None
        Arrays of ``len(leads) + 1`` entries each, or None when the order has no feasible
        timeline without lunch (then it has none at all).
    """
    oid = officer.officer_id
    nodes = [start_node_id(oid), *(ld.lead_id for ld in leads), end_node_id(oid)]
    dur, _ = _legs(matrix, nodes)
    fw = _forward(officer, leads, dur, None)
    if fw is None:
        return None
    departure = np.array([officer.shift.start_s, *(d for _, _, d in fw[0])], dtype=float)
    latest = np.empty(len(leads) + 1, dtype=float)
    latest[-1] = officer.shift.end_s
    for i in range(len(leads) - 1, -1, -1):
        ld = leads[i]
        close = max(w.end_s for w in ld.windows) if ld.windows else np.inf
        latest[i] = min(close, latest[i + 1] - ld.service_s - float(dur[i + 1]))
    return departure, latest
